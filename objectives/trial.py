"""Evaluating one configuration (knob -> value) over a task suite: the unit of work of a campaign.

``evaluate_config`` is what an executor's worker runs; it returns everything the driver needs to
store the trial (per-task evaluations with artifacts, and the aggregate score).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from objectives.cache import EvalCache
from objectives.errors import RtlboError
from objectives.evaluate import evaluate
from objectives.recipe import Recipe
from objectives.results import Evaluation, Metrics
from objectives.scoring import Score, score
from objectives.tasks import Task

SYNTHESIS_KNOBS = frozenset(Recipe.model_fields)


def check_knobs(names: list[str]) -> None:
    """Raise RtlboError naming any knob the evaluator does not understand."""
    unknown = [n for n in names if n not in SYNTHESIS_KNOBS]
    if unknown:
        raise RtlboError(
            f"knob(s) {', '.join(unknown)} are not understood by the evaluator; "
            f"synthesis knobs are: {', '.join(sorted(SYNTHESIS_KNOBS))}"
        )


def recipe_of(config: dict[str, Any]) -> Recipe:
    """Return the synthesis recipe a configuration sets (its synthesis knobs)."""
    return Recipe.from_knobs({k: v for k, v in config.items() if k in SYNTHESIS_KNOBS}, "configuration")


@dataclass
class TrialJob:
    """Everything a worker needs to evaluate one configuration, picklable."""

    config: dict[str, Any]
    tasks: list[Task]
    baseline: dict[str, Metrics]
    cache_path: str | None


@dataclass
class TrialResult:
    """The per-task evaluations of one configuration and their aggregate score."""

    evaluations: list[Evaluation]
    score: Score
    seconds: float


def evaluate_config(job: TrialJob) -> TrialResult:
    """Evaluate ``job.config`` on every task of ``job.tasks`` and score it against the baseline."""
    start = time.monotonic()
    recipe = recipe_of(job.config)
    cache = EvalCache(job.cache_path) if job.cache_path else None
    evaluations = [evaluate(task, recipe, cache=cache) for task in job.tasks]
    baseline = job.baseline or {e.task: e.metrics for e in evaluations if e.metrics is not None}
    return TrialResult(evaluations, score(evaluations, baseline), time.monotonic() - start)
