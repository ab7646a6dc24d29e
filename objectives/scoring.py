"""Scoring a configuration over a suite: PPA ratios to the baseline flow, aggregated, and the
feasibility metrics that campaigns constrain.

Objectives (lower is better): for each of power, delay and area, the geometric mean over tasks of
the task's value divided by the same task's value under the baseline flow. With generated RTL
(several samples per task, :attr:`ScoreMode.SAMPLES`) a task's value follows TuRTLe's PPA score:
the mean over functionally passing samples of the ratio, each capped at ``PPA_CAP`` (2x), a passing
sample without PPA and a task with no passing sample counted at the cap.

Constraint metrics: ``pass_rate`` (share of samples whose RTL passes its testbench),
``gatesim_rate`` (share of those whose netlist passes it too) and ``worst_slack`` (the smallest
slack over measured samples, as a fraction of the clock period; >= 0 means timing is met).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from objectives.results import Evaluation, Metrics, Status

OBJECTIVES = ("power", "delay", "area")
CONSTRAINT_METRICS = ("pass_rate", "gatesim_rate", "worst_slack")
# Stages whose failure means a tool could not produce an answer, not that the design is bad.
TOOL_STAGES = ("synthesis", "sta")
PPA_CAP = 2.0


def ppa(metrics: Metrics) -> dict[str, float]:
    """Return ``{"power": mW, "delay": ns, "area": µm²}`` of one measurement."""
    return {"power": metrics.power_mw, "delay": metrics.delay_ns, "area": metrics.area_um2}


def ppa_ratio(metrics: Metrics, base: Metrics) -> dict[str, float]:
    """Return each objective of ``metrics`` divided by the baseline's. Where the baseline is zero (a
    design of wires and constants: no cells, no delay, no power), zero is a ratio of 1 and anything
    more is counted at the cap."""
    return {k: v / b if b > 0 else (1.0 if v <= 0 else PPA_CAP)
            for (k, v), b in zip(ppa(metrics).items(), ppa(base).values(), strict=True)}


class ScoreMode(StrEnum):
    """How the evaluations of a suite are scored, and what a tool failure does to the score.

    ``flow``: one design per task (the reference RTL, or a design given as is) through the flow. A
    task's ratio is its design's; a task without PPA leaves the objectives unset. A tool failure
    (synthesis or STA failing: the tools gave no answer, which says nothing about the design) is
    the score's ``failure``: the trial is a failed one, not an infeasible one.

    ``samples``: samples an LLM generated, scored TuRTLe-style with ratios capped at ``PPA_CAP``. A
    tool failure fails only its sample, which counts at the cap like any passing sample without
    PPA; the score has no ``failure``. The generation funnel goes into ``extra``.
    """

    FLOW = "flow"
    SAMPLES = "samples"


@dataclass
class TaskSummary:
    """What a trial keeps per task, from the task's representative sample: its verdict, first
    failure, cache key, sample number, metrics and netlist digest (and whether that netlist's
    measurement was reused), its PPA ``ratio`` to the baseline flow when both are measured; with
    generated samples also the task's TuRTLe-style ``ppa`` and its ``funnel`` (:func:`stage_counts`).

    Round-trips through the trial table's JSON (:meth:`to_dict`, :meth:`from_dict`); a summary
    written before a field existed reads with that field's default."""

    feasible: bool
    failure: str
    key: str
    sample: int | None = None
    metrics: Metrics | None = None
    netlist: str = ""
    measurement_reused: bool = False
    ratio: dict[str, float] | None = None
    ppa: dict[str, float] | None = None
    funnel: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as JSON data (``ratio``, ``ppa`` and ``funnel`` only when set)."""
        data = asdict(self)
        for optional in ("ratio", "ppa", "funnel"):
            if data[optional] is None:
                del data[optional]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskSummary:
        """Return the summary :meth:`to_dict` wrote. Raises TypeError, KeyError or ValueError when
        ``data`` is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("metrics") or {}, dict):
            raise TypeError("a task summary is a JSON object, its metrics one too")
        metrics = Metrics(**data["metrics"]) if data.get("metrics") else None
        return cls(**{**data, "metrics": metrics})


@dataclass
class Score:
    """A configuration's aggregate over the suite: objectives (None when some task has no PPA),
    constraint metrics, the tool failure that makes the trial a failed one (if any), per-task
    summaries and trial-level extras (the generation funnel)."""

    objectives: dict[str, float] | None
    constraints: dict[str, float]
    failure: str | None = None
    per_task: dict[str, TaskSummary] = field(default_factory=dict)
    extra: dict[str, float] = field(default_factory=dict)


def score(evaluations: list[Evaluation], baseline: dict[str, Metrics], mode: ScoreMode = ScoreMode.FLOW) -> Score:
    """Return the Score of the evaluations (one or more samples per task) against the baseline
    flow's metrics per task, scored as ``mode`` says (which decides what a tool failure does)."""
    by_task: dict[str, list[Evaluation]] = {}
    for e in evaluations:
        by_task.setdefault(e.task, []).append(e)
    functional = [e for e in evaluations if e.functional]
    measured = [e for e in evaluations if e.metrics is not None]
    constraints = {
        "pass_rate": len(functional) / len(evaluations),
        "gatesim_rate": sum(e.gate_level_ok for e in functional) / len(functional) if functional else 0.0,
    }
    if measured:
        constraints["worst_slack"] = min(e.metrics.slack_ns / e.metrics.period_ns for e in measured)
    failure = None if mode == ScoreMode.SAMPLES else next(
        (f"{e.task}: {s.name}: {s.reason}" for e in evaluations for s in e.stages
         if s.status == Status.FAILED and s.name in TOOL_STAGES), None)
    ratios = {task: _task_ratio(samples, baseline.get(task), mode) for task, samples in by_task.items()}
    objectives = None
    if all(r is not None for r in ratios.values()):
        objectives = {k: geometric_mean([r[k] for r in ratios.values()]) for k in OBJECTIVES}
    per_task = {task: _task_summary(samples, baseline.get(task), ratios[task]) for task, samples in by_task.items()}
    return Score(objectives, constraints, failure, per_task, _funnel(by_task) if mode == ScoreMode.SAMPLES else {})


def _task_ratio(samples: list[Evaluation], base: Metrics | None, mode: ScoreMode) -> dict[str, float] | None:
    """Return the task's PPA ratio to ``base`` (None where there is no ratio: a sample or the
    baseline flow unmeasured, in a flow's scoring)."""
    if base is None and mode == ScoreMode.FLOW:
        return None

    def ratio(e: Evaluation) -> dict[str, float]:
        return ppa_ratio(e.metrics, base)

    if mode == ScoreMode.FLOW:
        if any(e.metrics is None for e in samples):
            return None
        return {k: sum(ratio(e)[k] for e in samples) / len(samples) for k in OBJECTIVES}
    passing = [e for e in samples if e.functional]
    if not passing:
        return dict.fromkeys(OBJECTIVES, PPA_CAP)
    values = [{k: min(v, PPA_CAP) for k, v in ratio(e).items()} if e.metrics else dict.fromkeys(OBJECTIVES, PPA_CAP)
              for e in passing]
    return {k: sum(v[k] for v in values) / len(values) for k in OBJECTIVES}


def geometric_mean(values: list[float]) -> float:
    """Return the geometric mean of positive ``values``."""
    return math.exp(sum(math.log(max(v, 1e-12)) for v in values) / len(values))


def pass_at_k(n: int, c: int, k: int) -> float:
    """Return the unbiased pass@k estimate from ``n >= k`` samples of which ``c`` pass."""
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def _best(samples: list[Evaluation]) -> Evaluation:
    """The sample that represents a task: the feasible one with the lowest geometric-mean PPA,
    else the one that got furthest through the cascade."""
    def rank(e: Evaluation) -> tuple:
        progress = sum(s.passed for s in e.stages)
        size = geometric_mean(list(ppa(e.metrics).values())) if e.metrics else math.inf
        return (not e.feasible, -progress, size)

    return min(samples, key=rank)


def _task_summary(samples: list[Evaluation], base: Metrics | None, ratio: dict | None) -> TaskSummary:
    """Return what the trial table keeps per task: verdict, metrics and ratio of the representative
    sample, and the funnel when there are several samples."""
    best = _best(samples)
    summary = TaskSummary(best.feasible, best.failure, best.key, best.sample, best.metrics, best.netlist_sha256,
                          best.measurement_reused)
    if best.metrics is not None and base is not None:
        summary.ratio = ppa_ratio(best.metrics, base)
    if len(samples) > 1 or best.sample is not None:
        summary.ppa = ratio
        summary.funnel = stage_counts(samples)
    return summary


def stage_counts(samples: list[Evaluation]) -> dict[str, int]:
    """Return how many of one task's ``samples`` passed each stage: ``syntax``, ``functional``
    (the testbench), ``synthesized``, ``equivalent`` (the netlist proved equivalent to the RTL),
    ``gatesim`` (the netlist verified) and ``measured`` (PPA read), with ``samples``."""
    return {
        "samples": len(samples),
        "syntax": sum(e.stage("syntax").passed for e in samples),
        "functional": sum(e.functional for e in samples),
        "synthesized": sum(e.stage("synthesis").passed for e in samples),
        "equivalent": sum(e.stage("equivalence").details.get("outcome") == "proved" for e in samples),
        "gatesim": sum(e.gate_level_ok for e in samples),
        "measured": sum(e.metrics is not None for e in samples),
    }


def _funnel(by_task: dict[str, list[Evaluation]]) -> dict[str, float]:
    """Return the TuRTLe-style funnel rates and pass@1 / pass@k averaged over tasks."""
    counts = [stage_counts(samples) for samples in by_task.values()]
    total = sum(c["samples"] for c in counts)
    # pass@k is defined only where every task has at least k samples.
    k = min(c["samples"] for c in counts)
    return {
        "syntax_rate": sum(c["syntax"] for c in counts) / total,
        "functional_rate": sum(c["functional"] for c in counts) / total,
        "synthesis_rate": sum(c["synthesized"] for c in counts) / total,
        "pass_at_1": sum(pass_at_k(c["samples"], c["functional"], 1) for c in counts) / len(counts),
        f"pass_at_{k}": sum(pass_at_k(c["samples"], c["functional"], k) for c in counts) / len(counts),
    }
