"""Rich tables shared by the commands."""

from __future__ import annotations

from rich.table import Table

from objectives.results import STAGES, Evaluation, Status
from objectives.suites import Suite
from optimize.store import Trial

MARKS = {Status.PASSED: "[green]✓[/]", Status.FAILED: "[red]✗[/]", Status.SKIPPED: "[dim]–[/]",
         Status.NOT_APPLICABLE: "[dim]n/a[/]"}


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
        table.add_row(e.task, *marks, *ppa, seconds)
    return table


def _slack(slack: float) -> str:
    return f"{slack:.3f}" if slack >= 0 else f"[red]{slack:.3f}[/]"


def failure_lines(evaluations: list[Evaluation]) -> list[str]:
    """Return one line per evaluation that is not feasible, naming the stage and the reason, and one
    per lint finding the design passed with."""
    lines = [f"[red]{e.task}[/] {e.failure}" for e in evaluations if not e.feasible]
    return lines + [f"[yellow]{e.task}[/] lint: {f.kind}: {f.message}" for e in evaluations for f in e.findings
                    if e.stage("syntax").passed]


def suite_table(suite: Suite) -> Table:
    """Return one row per task of ``suite``."""
    table = Table(title=f"suite {suite.name}: {len(suite.tasks)} tasks, {len(suite.skipped)} skipped",
                  title_justify="left")
    for column in ("task", "top", "clocks (ns)", "reset", "goal"):
        table.add_column(column, no_wrap=True)
    table.add_column("summary", overflow="ellipsis", no_wrap=True, max_width=60)
    for t in suite.tasks:
        clocks = ", ".join(f"{port} {period:g}" for port, period in t.clocks) or "(comb.)"
        reset = f"{t.reset} (active {t.reset_active})" if t.reset else "–"
        table.add_row(t.name, t.top, clocks, reset, t.goal, t.summary or t.clock_note)
    return table


def trial_table(trials: list[Trial], objectives: list[str], space_baseline: dict, title: str) -> Table:
    """Return one row per trial: objective ratios and the knobs that differ from the baseline."""
    table = Table(title=title, title_justify="left")
    table.add_column("trial", justify="right")
    for o in objectives:
        table.add_column(f"{o} ×", justify="right")
    table.add_column("worst slack", justify="right")
    table.add_column("knobs (changed from the baseline flow)")
    for t in trials:
        ratios = [f"{t.objectives[o]:.3f}" for o in objectives] if t.objectives else ["–"] * len(objectives)
        slack = t.constraints.get("worst_slack")
        changed = {k: v for k, v in t.config.items() if space_baseline.get(k) != v}
        knobs = ", ".join(f"{k}={_short(v)}" for k, v in changed.items()) or "(baseline flow)"
        table.add_row(str(t.id), *ratios, f"{slack:.1%}" if slack is not None else "–", knobs)
    return table


def _short(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
