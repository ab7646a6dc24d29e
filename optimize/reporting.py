"""What ``rtlbo run`` and ``rtlbo status`` print about a campaign."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from optimize.campaign import Campaign, load_campaign
from optimize.pareto import hypervolume, pareto_front
from optimize.store import BASELINE, COMPLETED, FAILED, PENDING, PROPOSED, Store, Trial
from optimize.tables import trial_table
from search_spaces.space import SearchSpace, load_space


def print_summary(campaign: Campaign, space: SearchSpace, trials: list[Trial], console: Console) -> None:
    """Print the counts, the hypervolume and the Pareto set of a campaign's trials."""
    objectives = list(campaign.objectives)
    proposed = [t for t in trials if t.kind == PROPOSED]
    completed = [t for t in proposed if t.status == COMPLETED]
    feasible = [t for t in completed if t.feasible]
    failed = [t for t in proposed if t.status == FAILED]
    pending = [t for t in proposed if t.status == PENDING]
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
    baseline = [t for t in trials if t.kind == BASELINE]
    title = "Pareto set (ratios to the baseline flow; lower is better)"
    console.print(trial_table(baseline + [t for t in front if t.kind != BASELINE], objectives,
                              space.baseline(), title))


def print_status(run_dir: Path, console: Console) -> None:
    """Print a run directory's progress without disturbing a campaign that is running in it."""
    campaign, base = load_campaign(run_dir / "campaign.yaml")
    space = load_space(campaign.space_paths(base))
    store = Store(run_dir, readonly=True)
    try:
        trials = store.trials()
    finally:
        store.close()
    print_summary(campaign, space, trials, console)
