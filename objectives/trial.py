"""Evaluating one configuration (knob -> value) over a task suite: the unit of work of a campaign.

``evaluate_config`` is what an executor's worker runs; it returns everything the driver needs to
store the trial (per-task evaluations with artifacts, and the aggregate score). ``cached_score``
scores a configuration from the evaluation cache alone (a warm start's imports).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from objectives.cache import EvalCache
from objectives.cascade import DEFAULT_LINT, evaluate, evaluation_key, rejected
from objectives.errors import RtlboError
from objectives.generate import GENERATION_KNOBS, Candidate, GenerationKnobs, Generator, GeneratorSettings
from objectives.lint import LintPolicy
from objectives.recipe import Recipe
from objectives.results import Evaluation, Metrics
from objectives.scoring import Score, ScoreMode, score
from objectives.tasks import Task
from objectives.technology import Technology

SYNTHESIS_KNOBS = frozenset(Recipe.model_fields)


def check_knobs(domains: dict[str, list[Any]], sources: dict[str, str], generator: GeneratorSettings) -> None:
    """Raise RtlboError naming the file and the knob when the evaluator does not understand a
    knob, when generation knobs are tuned without an LLM, or when a knob may take a value the
    evaluator rejects (outside a recipe field's type or bounds, an unknown prompt template, ...).

    ``domains`` holds values covering each knob's domain (every choice, or both bounds);
    ``sources`` the file that declares each knob.
    """
    unknown = [n for n in domains if n not in SYNTHESIS_KNOBS | GENERATION_KNOBS]
    if unknown:
        raise RtlboError(
            f"{sources.get(unknown[0], 'space')}: knob(s) {', '.join(unknown)} are not understood by the evaluator; "
            f"synthesis knobs are: {', '.join(sorted(SYNTHESIS_KNOBS))}; generation knobs: "
            f"{', '.join(sorted(GENERATION_KNOBS))}"
        )
    tuned = sorted(set(domains) & GENERATION_KNOBS)
    if tuned and not generator.uses_llm:
        raise RtlboError(f"{sources.get(tuned[0], 'space')}: generation knob(s) {', '.join(tuned)} need an LLM; "
                         "set generator.backend to openai or replay, or drop the generation space")
    for name, values in domains.items():
        model = Recipe if name in SYNTHESIS_KNOBS else GenerationKnobs
        for value in values:
            try:
                model.model_validate({name: value}, strict=True)
            except ValidationError as exc:
                reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
                raise RtlboError(f"{sources.get(name, 'space')}: knob '{name}' may take {value!r}, which the "
                                 f"evaluator rejects ({reason}); keep its domain inside that") from None


def recipe_of(config: dict[str, Any]) -> Recipe:
    """Return the synthesis recipe a configuration sets (its synthesis knobs)."""
    return Recipe.from_knobs({k: v for k, v in config.items() if k in SYNTHESIS_KNOBS}, "configuration")


@dataclass
class TrialJob:
    """Everything a worker needs to evaluate one configuration, picklable. An empty ``baseline``
    makes this trial the baseline flow (reference RTL, measured against itself)."""

    config: dict[str, Any]
    tasks: list[Task]
    baseline: dict[str, Metrics]
    cache_path: str | None
    generator: GeneratorSettings = field(default_factory=GeneratorSettings)
    exemplar_pool: list[Task] = field(default_factory=list)
    lint: LintPolicy = DEFAULT_LINT
    gate_level: bool = True

    @property
    def generating(self) -> bool:
        """Whether an LLM writes the RTL (the baseline flow is always the reference RTL)."""
        return self.generator.uses_llm and bool(self.baseline)

    @property
    def mode(self) -> ScoreMode:
        """How the evaluations are scored: generated samples, or one design per task."""
        return ScoreMode.SAMPLES if self.generating else ScoreMode.FLOW


@dataclass
class TrialResult:
    """The evaluations of one configuration (one per task and sample), their aggregate score, and
    the LLM completions behind them."""

    evaluations: list[Evaluation]
    score: Score
    seconds: float
    completions: list[dict] = field(default_factory=list)


def evaluate_config(job: TrialJob) -> TrialResult:
    """Evaluate ``job.config`` on every task of ``job.tasks`` and score it against the baseline."""
    start = time.monotonic()
    recipe = recipe_of(job.config)
    cache = EvalCache(job.cache_path) if job.cache_path else None
    evaluations: list[Evaluation] = []
    completions: list[dict] = []
    for task, candidate, origin in _candidates(job, cache):
        evaluation = evaluate_candidate(task, recipe, candidate, origin, cache, job.lint, job.gate_level)
        if candidate.completion is not None:
            completions.append({"task": task.name, "sample": candidate.sample, "notes": candidate.notes,
                                **candidate.completion.record(), "cached": candidate.completion.cached})
        evaluations.append(_numbered(evaluation, candidate, job))
    baseline = job.baseline or {e.task: e.metrics for e in evaluations if e.metrics is not None}
    result = score(evaluations, baseline, job.mode)
    if job.generating:
        result.extra.update(_usage(completions, job.generator))
    return TrialResult(evaluations, result, time.monotonic() - start, completions)


def cached_score(job: TrialJob) -> tuple[Score | None, str]:
    """Return the score of ``job.config`` against ``job.baseline`` from the evaluation cache alone,
    or (None, why not). No tool runs and no LLM is asked: the candidates are the answers to
    ``job``'s prompts found in the cache or the replay file (the task's reference RTL without an LLM)."""
    recipe, tech = recipe_of(job.config), Technology.from_env()
    cache = EvalCache(job.cache_path)
    evaluations = []
    try:
        for task, candidate, origin in _candidates(job, cache, cache_only=True):
            evaluation = (_refused(task, recipe, candidate, origin) if candidate.rtl is None else
                          cache.get(evaluation_key(task, recipe, candidate.rtl, tech, job.lint, job.gate_level)[1]))
            if evaluation is None:
                return None, f"not in the evaluation cache (task {task.name})"
            evaluations.append(_numbered(evaluation, candidate, job))
    except RtlboError as exc:  # an answer neither cached nor in the replay file
        return None, str(exc)
    return score(evaluations, job.baseline, job.mode), ""


def _candidates(job: TrialJob, cache: EvalCache | None,
                cache_only: bool = False) -> Iterator[tuple[Task, Candidate, str]]:
    """Yield every task's candidates (the LLM's samples, or the reference RTL) with their origin."""
    generator = Generator(job.generator if job.generating else GeneratorSettings(), cache, cache_only)
    knobs = {k: v for k, v in job.config.items() if k in GENERATION_KNOBS}
    for task in job.tasks:
        for candidate in generator.candidates(task, knobs, job.exemplar_pool or job.tasks):
            yield task, candidate, f"{candidate.template} sample {candidate.sample}" if job.generating else "reference"


def _numbered(evaluation: Evaluation, candidate: Candidate, job: TrialJob) -> Evaluation:
    """Return ``evaluation`` with its sample number (generated samples only)."""
    evaluation.sample = candidate.sample if job.generating else None
    return evaluation


def evaluate_candidate(task: Task, recipe: Recipe, candidate: Candidate, origin: str, cache: EvalCache | None,
                       lint: LintPolicy = DEFAULT_LINT, gate_level: bool = True) -> Evaluation:
    """Return the cascade's record of one candidate: refused before any tool when no design could
    be read from the answer, else evaluated (``lint`` and ``gate_level`` as for ``evaluate``); the
    answer itself is kept as ``answer.txt``."""
    if candidate.rtl is None:
        return _refused(task, recipe, candidate, origin)
    evaluation = evaluate(task, recipe, candidate.rtl, rtl_origin=origin, cache=cache, lint=lint, gate_level=gate_level)
    if candidate.completion is not None:
        evaluation.artifacts["answer.txt"] = candidate.completion.text
    return evaluation


def _refused(task: Task, recipe: Recipe, candidate: Candidate, origin: str) -> Evaluation:
    """Return the record of a candidate no design could be read from (refused before any tool)."""
    text = candidate.completion.text if candidate.completion else ""
    return rejected(task, recipe, candidate.reason, rtl_origin=origin, text=text)


def _usage(completions: list[dict], settings: GeneratorSettings) -> dict[str, float]:
    """Return the tokens, LLM latency and cost of a trial's completions (cached ones cost nothing)."""
    fresh = [c for c in completions if not c["cached"]]
    prompt = sum(c["prompt_tokens"] for c in fresh)
    answer = sum(c["completion_tokens"] for c in fresh)
    return {
        "prompt_tokens": prompt, "completion_tokens": answer,
        "llm_latency_s": round(sum(c["latency_s"] for c in fresh), 4),
        "cost_usd": round(prompt / 1000 * settings.usd_per_1k_prompt_tokens
                          + answer / 1000 * settings.usd_per_1k_completion_tokens, 6),
        "requests": len(fresh),
    }
