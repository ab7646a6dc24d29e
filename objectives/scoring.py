"""Scoring a configuration over a suite: PPA ratios to the baseline flow, aggregated, and the
feasibility metrics that campaigns constrain.

Objectives (lower is better): for each of power, delay and area, the geometric mean over tasks of
the task's value divided by the same task's value under the baseline flow. With generated RTL
(several samples per task) a task's value follows TuRTLe's PPA score: the mean over functionally
passing samples of the ratio, each capped at ``cap`` (2x), a passing sample without PPA and a task
with no passing sample counted at the cap.

Constraint metrics: ``pass_rate`` (share of samples whose RTL passes its testbench),
``gatesim_rate`` (share of those whose netlist passes it too) and ``worst_slack`` (the smallest
slack over measured samples, as a fraction of the clock period; >= 0 means timing is met).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

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


@dataclass
class Score:
    """A configuration's aggregate over the suite: objectives (None when some task has no PPA),
    constraint metrics, the tool failure that makes the trial a failed one (if any), per-task
    summaries and trial-level extras (the generation funnel)."""

    objectives: dict[str, float] | None
    constraints: dict[str, float]
    failure: str | None = None
    per_task: dict[str, dict] = field(default_factory=dict)
    extra: dict[str, float] = field(default_factory=dict)


def score(evaluations: list[Evaluation], baseline: dict[str, Metrics], cap: float | None = None) -> Score:
    """Return the Score of the evaluations (one or more samples per task) against the baseline
    flow's metrics per task. ``cap`` switches on TuRTLe-style scoring of generated samples."""
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
    failure = None if cap is not None else next(
        (f"{e.task}: {s.name}: {s.reason}" for e in evaluations for s in e.stages
         if s.status == Status.FAILED and s.name in TOOL_STAGES), None)
    ratios = {task: _task_ratio(samples, baseline[task], cap) for task, samples in by_task.items()}
    objectives = None
    if all(r is not None for r in ratios.values()):
        objectives = {k: geometric_mean([r[k] for r in ratios.values()]) for k in OBJECTIVES}
    per_task = {task: _task_summary(samples, baseline.get(task), ratios[task]) for task, samples in by_task.items()}
    return Score(objectives, constraints, failure, per_task, _funnel(by_task) if cap is not None else {})


def _task_ratio(samples: list[Evaluation], base: Metrics, cap: float | None) -> dict[str, float] | None:
    def ratio(e: Evaluation) -> dict[str, float]:
        return ppa_ratio(e.metrics, base)

    if cap is None:
        if any(e.metrics is None for e in samples):
            return None
        return {k: sum(ratio(e)[k] for e in samples) / len(samples) for k in OBJECTIVES}
    passing = [e for e in samples if e.functional]
    if not passing:
        return dict.fromkeys(OBJECTIVES, cap)
    values = [{k: min(v, cap) for k, v in ratio(e).items()} if e.metrics else dict.fromkeys(OBJECTIVES, cap)
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


def _task_summary(samples: list[Evaluation], base: Metrics | None, ratio: dict | None) -> dict:
    """Return what the trial table keeps per task: verdict, metrics and ratio of the representative
    sample, and the funnel when there are several samples."""
    best = _best(samples)
    summary: dict = {"feasible": best.feasible, "failure": best.failure, "key": best.key, "sample": best.sample,
                     "metrics": asdict(best.metrics) if best.metrics else None, "netlist": best.netlist_sha256,
                     "measurement_reused": best.measurement_reused}
    if best.metrics is not None and base is not None:
        summary["ratio"] = ppa_ratio(best.metrics, base)
    if len(samples) > 1 or best.sample is not None:
        summary["ppa"] = ratio
        summary["funnel"] = stage_counts(samples)
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
