"""What ``rtlbo run`` and ``rtlbo status`` print about a campaign."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from optimize.campaign import Campaign
from optimize.pareto import hypervolume, hypervolume_history, pareto_front
from optimize.store import Trial, TrialKind, TrialStatus
from optimize.tables import trial_table
from search_spaces.space import SearchSpace


def print_summary(campaign: Campaign, space: SearchSpace, trials: list[Trial], console: Console) -> None:
    """Print the counts, the hypervolume and the Pareto set of a campaign's trials."""
    objectives = list(campaign.objectives)
    proposed = [t for t in trials if t.kind == TrialKind.PROPOSED]
    completed = [t for t in proposed if t.status == TrialStatus.COMPLETED]
    feasible = [t for t in completed if t.feasible]
    failed = [t for t in proposed if t.status == TrialStatus.FAILED]
    pending = [t for t in proposed if t.status == TrialStatus.PENDING]
    hv = hypervolume(trials, objectives, campaign.reference_point)
    console.print(
        f"[bold]{campaign.name}[/]: {len(proposed)}/{campaign.budget.trials} trials proposed by "
        f"{campaign.optimizer}; {len(completed)} completed ({len(feasible)} feasible), {len(failed)} failed, "
        f"{len(pending)} pending. Hypervolume vs. the baseline flow: {hv:.4f}"
    )
    front = pareto_front(trials, objectives)
    if not front:
        reasons = sorted({t.reason for t in proposed if t.reason})[:5]
        console.print("[yellow]no feasible configuration yet.[/] Most common reasons:")
        for reason in reasons:
            console.print(f"  - {reason}")
        return
    front.sort(key=lambda t: tuple(t.objectives[o] for o in objectives))
    baseline = [t for t in trials if t.kind == TrialKind.BASELINE]
    title = "Pareto set (ratios to the baseline flow; lower is better)"
    console.print(trial_table(baseline + [t for t in front if t.kind != TrialKind.BASELINE], objectives,
                              space.baseline(), title))


def print_status(run_dir: Path, console: Console) -> None:
    """Print a run directory's progress without disturbing a campaign that is running in it."""
    from optimize.runs import Run

    run = Run.load(run_dir)
    print_summary(run.campaign, run.space, run.trials, console)


def print_pareto(run_dir: Path, console: Console, prefer: str | None = None, task: str | None = None,
                 explain: bool = False) -> None:
    """Print the Pareto set with PAMA scores, its hypervolume and history, the knee and the
    preferred point; with ``explain``, each point's implied trade-off weights."""
    from optimize.pama import knee, rank
    from optimize.pama import prefer as preferred
    from optimize.runs import Run, parse_weights

    run = Run.load(run_dir)
    names, reference = run.objectives, run.campaign.reference_point
    front = run.front(task)
    scope = f"task {task}" if task else f"{len(run.baseline.per_task)} tasks (geometric mean)"
    if task is None:
        history = hypervolume_history(run.trials, names, reference)
        marks = sorted({max(1, len(history) * k // 4) for k in range(1, 5)})
        trail = ", ".join(f"{history[m - 1]:.4f} after {m}" for m in marks)
        console.print(f"hypervolume {history[-1]:.4f} (reference: the baseline flow × {reference:g} in every "
                      f"objective); history: {trail} trials")
    if not front:
        console.print("[yellow]no feasible configuration yet[/]")
        return
    ranked = rank(front, names)
    notes: dict[int, list[str]] = {ranked[0].trial.id: ["PAMA pick"]}
    if (k := knee(front, names)) is not None:
        notes.setdefault(k.id, []).append("knee")
    if prefer:
        chosen = preferred(front, names, parse_weights(prefer, names))
        notes.setdefault(chosen.id, []).append(f"best for {prefer}")
    table = Table(title=f"Pareto set over {scope}: ratios to the baseline flow (lower is better)",
                  title_justify="left")
    table.add_column("trial", justify="right")
    for name in names:
        table.add_column(f"{name} ×", justify="right")
    for column in ("s*", "beats baseline on all", "pick", "knobs (changed from the baseline flow)"):
        table.add_column(column, justify="right" if column == "s*" else "left")
    baseline = run.space.baseline()
    for score in ranked:
        t = score.trial
        changed = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in t.config.items() if baseline.get(k) != v) or "(baseline flow)"
        beats = (f"yes, by ≥ {score.min_gain:.1%}" if score.beats_baseline
                 else "no (trade-off)" if score.s == 0 else "no, worse on all")
        table.add_row(str(t.id), *(f"{t.objectives[n]:.3f}" for n in names), f"{score.s:+.4f}", beats,
                      ", ".join(notes.get(t.id, [])), changed)
    console.print(table)
    if explain:
        from optimize.surrogate import explain as implied

        explanations = implied(run.space, run.trials, front, names)
        weights = Table(title="implied trade-off weights (min-norm combination of the surrogate's gradients "
                              "over the continuous knobs)", title_justify="left")
        weights.add_column("trial", justify="right")
        for name in names:
            weights.add_column(f"λ {name}", justify="right")
        weights.add_column("stationarity gap", justify="right")
        for e in explanations:
            weights.add_row(str(e.trial.id), *(f"{e.weights[n]:.3f}" for n in names), f"{e.gap:.2e}")
        console.print(weights)
