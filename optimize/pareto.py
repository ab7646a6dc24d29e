"""Pareto sets and hypervolume over (power, delay, area) ratios to the baseline flow.

Lower is better on every objective. The hypervolume's reference point is the baseline flow's PPA
times the campaign's ``reference_point`` factor in every objective (default 1.1: a configuration
adds volume while it is less than 10% worse than the baseline on every objective; 1.0 counts only
configurations that beat the baseline on all of them).
"""

from __future__ import annotations

import numpy as np
import torch
from botorch.utils.multi_objective.hypervolume import Hypervolume
from botorch.utils.multi_objective.pareto import is_non_dominated

from optimize.store import Trial, TrialKind, TrialStatus


def objective_matrix(trials: list[Trial], objectives: list[str]) -> np.ndarray:
    """Return the ``n x m`` matrix of the trials' objectives (ratios; lower is better)."""
    return np.array([[t.objectives[o] for o in objectives] for t in trials], dtype=float).reshape(-1, len(objectives))


def feasible(trials: list[Trial]) -> list[Trial]:
    """Return the completed, feasible trials with measured objectives."""
    return [t for t in trials if t.status == TrialStatus.COMPLETED and t.feasible and t.objectives]


def pareto_front(trials: list[Trial], objectives: list[str]) -> list[Trial]:
    """Return the feasible trials no other feasible trial dominates (duplicates kept once)."""
    candidates = feasible(trials)
    if not candidates:
        return []
    Y = torch.tensor(objective_matrix(candidates, objectives))
    mask = is_non_dominated(-Y, deduplicate=True)
    return [t for t, keep in zip(candidates, mask.tolist(), strict=True) if keep]


def hypervolume(trials: list[Trial], objectives: list[str], reference: float = 1.0) -> float:
    """Return the hypervolume the feasible trials dominate, up to ``reference`` in each objective."""
    front = pareto_front(trials, objectives)
    if not front:
        return 0.0
    Y = torch.tensor(objective_matrix(front, objectives))
    Y = Y[(reference > Y).all(dim=-1)]
    if len(Y) == 0:
        return 0.0
    ref = torch.full((len(objectives),), -float(reference), dtype=Y.dtype)
    return float(Hypervolume(ref_point=ref).compute(-Y))


def hypervolume_history(trials: list[Trial], objectives: list[str], reference: float = 1.0) -> list[float]:
    """Return the hypervolume after each trial, in trial-id order."""
    ordered = sorted(trials, key=lambda t: t.id)
    return [hypervolume(ordered[: i + 1], objectives, reference) for i in range(len(ordered))]


def hypervolume_by_evaluation(trials: list[Trial], objectives: list[str], reference: float = 1.0) -> list[float]:
    """Return the hypervolume before the campaign's first own (proposed) evaluation — the baseline
    and imported trials only — and after each proposed evaluation, in trial-id order."""
    ordered = sorted(trials, key=lambda t: t.id)
    given = [t for t in ordered if t.kind != TrialKind.PROPOSED]
    proposed = [t for t in ordered if t.kind == TrialKind.PROPOSED]
    return [hypervolume(given + proposed[:i], objectives, reference) for i in range(len(proposed) + 1)]
