"""What the commands print on the console: the ``rtlbo eval`` table, a suite's tasks, a campaign's
summary and Pareto set, and the ``rtlbo score`` tables; with the formatters they (and the HTML
pages) share: knob values, the knobs a configuration changes from the baseline flow, rates and PPA
ratios."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from objectives.results import STAGES, Evaluation, Status
from objectives.scoring import OBJECTIVES
from objectives.suites import Suite
from optimize.screening import Screening
from optimize.store import EXPLORATION, INITIAL_DRAW, INTERLEAVED, Trial, TrialKind, TrialStatus

if TYPE_CHECKING:  # the campaign reader loads the Pareto and PAMA code, which the eval table does not need
    from optimize.runs import Run
    from optimize.surrogate import Explanation

MARKS = {Status.PASSED: "[green]✓[/]", Status.FAILED: "[red]✗[/]", Status.SKIPPED: "[dim]–[/]",
         Status.NOT_APPLICABLE: "[dim]n/a[/]"}
PPA_NOTE = ("PPA: per task, the mean over passing samples of each ratio to the reference (capped at 2×; a task "
            "with no passing sample counts 2×), then the geometric mean over tasks; lower is better")


# -- shared formatters ---------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: object) -> str:
    """Return ``text`` (a tool's message, a name a design or a model chose) to print as it is: Rich
    markup escaped, control characters (a terminal's escape sequences) written as ``\\xNN``."""
    return escape(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text)))


def value_text(value: object) -> str:
    """Return a knob value as tables show it (floats to 3 significant digits, a sequence's values
    joined by semicolons)."""
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def changed_knobs(config: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Return the knobs of ``config`` whose value differs from the baseline flow's."""
    return {k: v for k, v in config.items() if baseline.get(k) != v}


def knobs_text(config: dict[str, Any], baseline: dict[str, Any]) -> str:
    """Return ``k=v, ...`` of the knobs ``config`` changes from the baseline flow, or ``(baseline flow)``."""
    changed = changed_knobs(config, baseline)
    return ", ".join(f"{k}={value_text(v)}" for k, v in changed.items()) or "(baseline flow)"


def rate(value: float) -> str:
    """Return a share as a percentage with one decimal."""
    return f"{value:.1%}"


def ppa_text(ratios: dict[str, float] | None) -> str:
    """Return ``power / delay / area`` ratios, or ``–`` when there are none."""
    return " / ".join(f"{ratios[k]:.3f}" for k in OBJECTIVES) if ratios else "–"


# -- rtlbo eval and rtlbo tasks ------------------------------------------------------------------

def evaluation_table(evaluations: list[Evaluation]) -> Table:
    """Return one row per evaluation: stage marks, PPA and wall time."""
    caption = ", ".join(f"{stage.label} = {stage.about}" for stage in STAGES)
    table = Table(title="rtlbo evaluation", title_justify="left", caption=caption, caption_justify="left")
    table.add_column("task", no_wrap=True)
    for stage in STAGES:
        table.add_column(stage.label, justify="center")
    for column in ("area µm²", "delay ns", "slack ns", "power mW", "time s"):
        table.add_column(column, justify="right", no_wrap=True)
    for e in evaluations:
        marks = [MARKS[e.stage(stage.name).status] for stage in STAGES]
        m = e.metrics
        ppa = [f"{m.area_um2:,.0f}", f"{m.delay_ns:.3f}", _slack(m.slack_ns), f"{m.power_mw:.4f}"] if m else ["–"] * 4
        seconds = "cached" if e.cached else f"{e.seconds:.2f}"
        table.add_row(plain(e.task), *marks, *ppa, seconds)
    return table


def _slack(slack: float) -> str:
    text = f"{slack:.3f}" if abs(slack) >= 0.001 or slack == 0 else f"{slack:.1e}"  # never "-0.000"
    return text if slack >= 0 else f"[red]{text}[/]"


def evaluation_failures(evaluations: list[Evaluation]) -> list[str]:
    """Return one line per evaluation that is not feasible, naming the stage and the reason, and one
    per lint finding the design passed with."""
    lines = [f"[red]{plain(e.task)}[/] {plain(e.failure)}" for e in evaluations if not e.feasible]
    return lines + [f"[yellow]{plain(e.task)}[/] lint: {plain(f.kind)}: {plain(f.message)}" for e in evaluations
                    for f in e.findings if e.stage("syntax").passed]


def suite_table(suite: Suite) -> Table:
    """Return one row per task of ``suite``."""
    table = Table(title=f"suite {suite.name}: {len(suite.tasks)} tasks, {len(suite.skipped)} skipped",
                  title_justify="left")
    for column in ("task", "top", "clocks (ns)", "reset", "goal"):
        table.add_column(column, no_wrap=True)
    table.add_column("summary", overflow="ellipsis", no_wrap=True, max_width=60)
    for t in suite.tasks:
        clocks = ", ".join(f"{port} {'derived' if t.derive_period else f'{period:g}'}"
                           for port, period in t.clocks) or "(comb.)"
        reset = f"{t.reset} (active {t.reset_active})" if t.reset else "–"
        table.add_row(plain(t.name), plain(t.top), plain(clocks), plain(reset), t.goal,
                      plain(t.summary or t.clock_note))
    return table


# -- a campaign: rtlbo run, status and pareto ----------------------------------------------------

def trial_table(trials: list[Trial], objectives: list[str], baseline: dict[str, Any], title: str) -> Table:
    """Return one row per trial: objective ratios and the knobs that differ from the ``baseline`` flow."""
    table = Table(title=title, title_justify="left")
    table.add_column("trial", justify="right")
    for o in objectives:
        table.add_column(f"{o} ×", justify="right")
    table.add_column("worst slack", justify="right")
    table.add_column("knobs (changed from the baseline flow)")
    for t in trials:
        ratios = [f"{t.objectives[o]:.3f}" for o in objectives] if t.objectives else ["–"] * len(objectives)
        slack = t.constraints.get("worst_slack")
        table.add_row(str(t.id), *ratios, f"{slack:.1%}" if slack is not None else "–",
                      knobs_text(t.config, baseline))
    return table


def netlist_repeats(run: Run) -> str:
    """Return how many measured trials produced netlists no earlier trial had, and how many repeated
    an earlier trial's (their measurements reused: knobs that did nothing on these designs)."""
    measured = sum(any(s.netlist for s in t.per_task.values()) for t in run.trials)
    history = run.distinct_netlists_history()
    distinct = history[-1] if history else 0
    return (f"{distinct} of {measured} measured trials produced netlists no earlier trial had "
            f"({measured - distinct} repeated an earlier trial's netlists)")


def print_summary(run: Run, console: Console) -> None:
    """Print the counts, the hypervolume and the Pareto set of a campaign's trials."""
    campaign, objectives = run.campaign, run.objectives
    proposed = [t for t in run.trials if t.kind == TrialKind.PROPOSED]
    repeats = sum(t.repeats for t in proposed)
    explored = sum(t.source == EXPLORATION for t in proposed)
    drawn = sum(t.source == INITIAL_DRAW for t in proposed)
    interleaved = sum(t.source == INTERLEAVED for t in proposed)
    passed_over = sum(t.extra.get("candidates_passed_over", 0) for t in proposed)
    completed = [t for t in proposed if t.status == TrialStatus.COMPLETED]
    feasible = [t for t in completed if t.feasible]
    failed = [t for t in proposed if t.status == TrialStatus.FAILED]
    pending = [t for t in proposed if t.status == TrialStatus.PENDING]
    console.print(
        f"[bold]{campaign.name}[/]: {len(proposed) - repeats}/{campaign.budget.trials} trials proposed by "
        f"{campaign.optimizer} ({drawn} drawn as its initialization, {interleaved} drawn at random between its "
        f"proposals, {explored} where it proposed a "
        f"flow already measured; {passed_over} candidates passed over, synthesis showing their flow measured), "
        f"besides "
        f"{repeats} that repeated a flow already measured (not counted); "
        f"{len(completed)} completed ({len(feasible)} feasible), {len(failed)} failed, {len(pending)} pending. "
        f"Hypervolume vs. the baseline flow: {run.hypervolume():.4f}. "
        f"{netlist_repeats(run)}."
    )
    for line in Screening.told(run.root):
        console.print(line, soft_wrap=True, markup=False)
    front = run.front()
    if not front:
        reasons = sorted({t.reason for t in proposed if t.reason})[:5]
        console.print("[yellow]no feasible configuration yet.[/] Most common reasons:")
        for reason in reasons:
            console.print(f"  - {plain(reason)}")
        return
    front.sort(key=lambda t: tuple(t.objectives[o] for o in objectives))
    baseline = [t for t in run.trials if t.kind == TrialKind.BASELINE]
    console.print(trial_table(baseline + [t for t in front if t.kind != TrialKind.BASELINE], objectives,
                              run.space.baseline(), "Pareto set (ratios to the baseline flow; lower is better)"))


def print_pareto(run: Run, console: Console, prefer: str | None = None, task: str | None = None) -> None:
    """Print the Pareto set (overall or on one ``task``) with PAMA scores, its hypervolume and
    history, the knee and the point ``prefer`` weights pick."""
    names, reference = run.objectives, run.campaign.reference_point
    front = run.front(task)
    scope = f"task {task}" if task else f"{len(run.baseline.per_task)} tasks (geometric mean)"
    if task is None:
        history = run.hypervolume_history()
        marks = sorted({max(1, len(history) * k // 4) for k in range(1, 5)})
        trail = ", ".join(f"{history[m - 1]:.4f} after {m}" for m in marks)
        console.print(f"hypervolume {history[-1]:.4f} (reference: the baseline flow × {reference:g} in every "
                      f"objective); history: {trail} trials")
    if not front:
        console.print("[yellow]no feasible configuration yet[/]")
        return
    ranked = run.ranked(task)
    notes: dict[int, list[str]] = {ranked[0].trial.id: ["PAMA pick"]}
    if (k := run.knee(task)) is not None:
        notes.setdefault(k.id, []).append("knee")
    if prefer:
        notes.setdefault(run.preferred(prefer, task).id, []).append(f"best for {prefer}")
    table = Table(title=f"Pareto set over {scope}: ratios to the baseline flow (lower is better)",
                  title_justify="left")
    table.add_column("trial", justify="right")
    for name in names:
        table.add_column(f"{name} ×", justify="right")
    for column in ("s*", "beats baseline on all", "pick", "knobs (changed from the baseline flow)"):
        # The knobs wrap (a sequence's are long); the picks stay whole, one per line.
        table.add_column(column, justify="right" if column == "s*" else "left", no_wrap=column == "pick")
    baseline = run.space.baseline()
    for score in ranked:
        t = score.trial
        beats = (f"yes, by ≥ {score.min_gain:.1%}" if score.beats_baseline
                 else "no (trade-off)" if score.s == 0 else "no, worse on all")
        table.add_row(str(t.id), *(f"{t.objectives[n]:.3f}" for n in names), f"{score.s:+.4f}", beats,
                      "\n".join(notes.get(t.id, [])), knobs_text(t.config, baseline))
    console.print(table)


def weights_table(explanations: list[Explanation], names: list[str]) -> Table:
    """Return each Pareto point's implied trade-off weights and stationarity gap."""
    table = Table(title="implied trade-off weights (min-norm combination of the surrogate's gradients over the "
                        "continuous knobs)", title_justify="left")
    table.add_column("trial", justify="right")
    for name in names:
        table.add_column(f"λ {name}", justify="right")
    table.add_column("stationarity gap", justify="right")
    for e in explanations:
        table.add_row(str(e.trial.id), *(f"{e.weights[n]:.3f}" for n in names), f"{e.gap:.2e}")
    return table


# -- rtlbo score ---------------------------------------------------------------------------------

def funnel_stages(report: dict) -> list[str]:
    """Return the funnel's stages of a score report, in order."""
    return list(report["models"][0]["funnel"])


def score_table(report: dict) -> Table:
    """Return the funnel, pass@k and PPA of every model, one column per model."""
    models = report["models"]
    table = Table(title=f"scores on {report['suite']} (stages: mean over tasks of pass@1)", title_justify="left",
                  caption=PPA_NOTE, caption_justify="left")
    table.add_column("")
    for model in models:
        table.add_column(plain(model["name"]), justify="right")
    table.add_row("tasks", *(str(m["tasks_scored"]) for m in models))
    table.add_row("samples per task", *(_span(m["samples"]) for m in models))
    for stage in funnel_stages(report):
        table.add_row(stage, *(rate(m["funnel"][stage]) for m in models))
    for k in sorted({k for m in models for k in m["pass_at_k"]}, key=int):
        table.add_row(f"pass@{k} (function)", *(rate(m["pass_at_k"].get(k)) if k in m["pass_at_k"] else "–"
                                               for m in models))
    table.add_row("PPA × power / delay / area", *(ppa_text(m["ppa"]) for m in models))
    return table


def _span(samples: dict) -> str:
    return str(samples["fewest"]) if samples["fewest"] == samples["most"] else f"{samples['fewest']}–{samples['most']}"


def score_task_table(report: dict) -> Table:
    """Return one row per task: each model's passing samples, pass@1 and PPA ratios."""
    models = report["models"]
    table = Table(title="per task (function: passing samples / samples; PPA × power / delay / area)",
                  title_justify="left")
    table.add_column("task", no_wrap=True)
    for model in models:
        table.add_column(f"{plain(model['name'])} function", justify="right")
        table.add_column(f"{plain(model['name'])} PPA ×", justify="right")
    table.add_column("reference")
    for task in models[0]["tasks"]:
        cells = []
        for model in models:
            row = model["tasks"][task]
            cells += [f"{row['counts']['function']}/{row['samples']}", ppa_text(row["ppa"])]
        table.add_row(plain(task), *cells, plain(models[0]["tasks"][task]["reference"]))
    return table


def score_failures(report: dict) -> list[str]:
    """Return one line per failing answer: model, task, sample and the first failed stage."""
    return [f"[red]{plain(model['name'])}[/] {plain(task)} {answer['sample']}: {plain(answer['failure'])}"
            for model in report["models"] for task, row in model["tasks"].items()
            for answer in row["answers"] if not answer["passed"]]
