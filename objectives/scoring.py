"""Scoring a configuration over a suite: PPA ratios to the baseline flow, aggregated, and the
feasibility metrics that campaigns constrain.

Objectives (lower is better): for each of power, delay and area, the geometric mean over tasks of
the task's value divided by the same task's value under the baseline flow. Constraint metrics:
``pass_rate`` (share of tasks whose RTL passes its testbench), ``gatesim_rate`` (share whose
netlist passes it too) and ``worst_slack`` (the smallest slack over tasks, as a fraction of the
task's clock period; >= 0 means every task meets timing).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from objectives.results import FAILED, Evaluation, Metrics

OBJECTIVES = ("power", "delay", "area")
CONSTRAINT_METRICS = ("pass_rate", "gatesim_rate", "worst_slack")
# Stages whose failure means a tool could not produce an answer, not that the design is bad.
TOOL_STAGES = ("synthesis", "sta")


def ppa(metrics: Metrics) -> dict[str, float]:
    """Return ``{"power": mW, "delay": ns, "area": µm²}`` of one measurement."""
    return {"power": metrics.power_mw, "delay": metrics.delay_ns, "area": metrics.area_um2}


@dataclass
class Score:
    """A configuration's aggregate over the suite: objectives (None when some task has no PPA),
    constraint metrics, and the tool failure that makes the trial a failed one (if any)."""

    objectives: dict[str, float] | None
    constraints: dict[str, float]
    failure: str | None = None
    per_task: dict[str, dict] = field(default_factory=dict)


def score(evaluations: list[Evaluation], baseline: dict[str, Metrics]) -> Score:
    """Return the Score of one evaluation per task against the baseline flow's metrics per task."""
    per_task = {e.task: _task_summary(e, baseline.get(e.task)) for e in evaluations}
    failure = next(
        (f"{e.task}: {s.name}: {s.reason}" for e in evaluations for s in e.stages
         if s.status == FAILED and s.name in TOOL_STAGES),
        None,
    )
    n = len(evaluations)
    constraints = {
        "pass_rate": sum(e.functional for e in evaluations) / n,
        "gatesim_rate": sum(e.gate_level_ok for e in evaluations) / n,
    }
    measured = [e for e in evaluations if e.metrics is not None]
    objectives = None
    if len(measured) == n:
        constraints["worst_slack"] = min(e.metrics.slack_ns / e.metrics.period_ns for e in measured)
        objectives = {
            k: geometric_mean([ppa(e.metrics)[k] / ppa(baseline[e.task])[k] for e in measured])
            for k in OBJECTIVES
        }
    return Score(objectives, constraints, failure, per_task)


def geometric_mean(values: list[float]) -> float:
    """Return the geometric mean of positive ``values``."""
    return math.exp(sum(math.log(max(v, 1e-12)) for v in values) / len(values))


def _task_summary(evaluation: Evaluation, base: Metrics | None) -> dict:
    """Return what the trial table keeps per task: verdict, metrics, ratios to the baseline."""
    summary: dict = {"feasible": evaluation.feasible, "failure": evaluation.failure, "key": evaluation.key,
                     "metrics": asdict(evaluation.metrics) if evaluation.metrics else None}
    if evaluation.metrics is not None and base is not None:
        summary["ratio"] = {k: v / ppa(base)[k] for k, v in ppa(evaluation.metrics).items()}
    return summary
