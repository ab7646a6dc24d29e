"""Warm start: import the trials of earlier runs into a new campaign before it proposes anything.

Knobs are matched by name (a knob the earlier run did not have takes this space's default; a knob
this space does not have is dropped). A configuration outside this space is dropped. Each imported
configuration is re-scored against *this* campaign's tasks and baseline from the evaluation cache
(``cached_score``: the RTL its generation knobs give, else the reference RTL); when that fails, the
earlier run's own scores are used if its tasks and objectives are the same as this campaign's and
the configuration runs the same flow here as it ran there (a dropped knob at another value than
this space's default, or a knob the earlier run lacked, may change it), and otherwise the trial
is skipped. Imported trials are data for the optimizer, not budget.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console

from objectives.errors import RtlboError
from objectives.generate import GENERATION_KNOBS
from objectives.results import Metrics
from objectives.scoring import Score
from objectives.trial import cached_score, recipe_of
from optimize.runs import Run
from optimize.store import Trial, TrialKind, TrialStatus


def import_runs(loop, sources: list[Path], baseline: dict[str, Metrics], console: Console) -> int:
    """Import every finished trial of the runs in ``sources`` into ``loop``; return how many."""
    setup = loop.setup
    space, tasks = setup.space, setup.tasks
    total = 0
    for source in sources:
        prior = Run.load(source)
        same = (sorted(prior.baseline.per_task) == sorted(t.name for t in tasks)
                and prior.objectives == list(setup.campaign.objectives))
        dropped_knobs: Counter[str] = Counter()
        outcomes: Counter[str] = Counter()
        for trial in prior.trials:
            if trial.kind == TrialKind.BASELINE or trial.status == TrialStatus.PENDING:
                continue
            dropped_knobs.update(k for k in trial.config if k not in space.names)
            config = {k.name: trial.config.get(k.name, k.baseline()) for k in space.knobs}
            if space.violations(config):
                outcomes["dropped: values outside this space"] += 1
                continue
            result, why = cached_score(loop.job(config, baseline))
            if result is None and not (same and _same_flow(config, trial.config)):
                outcomes[f"skipped: {why}" + ("; its earlier scores are of another flow" if same else "")] += 1
                continue
            loop.record(TrialKind.IMPORTED, config, f"{source}#{trial.id}", result or _as_score(trial))
            outcomes["imported"] += 1
        total += outcomes["imported"]
        details = ", ".join(f"{n} {what}" for what, n in outcomes.items() if what != "imported")
        knobs = f"; knobs not in this space ignored: {', '.join(sorted(dropped_knobs))}" if dropped_knobs else ""
        console.print(f"warm start: imported {outcomes['imported']} trials from {source}"
                      f"{f' ({details})' if details else ''}{knobs}")
    return total


def _same_flow(config: dict, earlier: dict) -> bool:
    """Whether ``config`` (in this space) runs the flow ``earlier`` (another run's) ran: the same
    synthesis recipe and the same generation knobs."""
    def generation(knobs: dict) -> dict:
        return {k: v for k, v in knobs.items() if k in GENERATION_KNOBS}
    try:
        return recipe_of(config) == recipe_of(earlier) and generation(config) == generation(earlier)
    except RtlboError:  # a value this version's recipe no longer takes
        return False


def _as_score(trial: Trial) -> Score:
    return Score(trial.objectives, trial.constraints, trial.reason if trial.status == TrialStatus.FAILED else None,
                 trial.per_task)
