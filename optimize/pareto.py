"""Pareto sets and hypervolume over (power, delay, area) ratios to the baseline flow.

Lower is better on every objective. The hypervolume's reference point is the baseline flow's PPA
times the campaign's ``reference_point`` factor in every objective (default 2: a configuration
adds volume while it is less than twice the baseline on every objective; 1.0 counts only
configurations that beat the baseline on all of them).

Plain NumPy (the commands that read a campaign do not load torch); ``tests/test_pama.py`` checks
both against BoTorch's ``is_non_dominated`` and ``Hypervolume``.
"""

from __future__ import annotations

import numpy as np

from optimize.store import Trial, TrialKind, TrialStatus


def objective_matrix(trials: list[Trial], objectives: list[str]) -> np.ndarray:
    """Return the ``n x m`` matrix of the trials' objectives (ratios; lower is better)."""
    return np.array([[t.objectives[o] for o in objectives] for t in trials], dtype=float).reshape(-1, len(objectives))


def feasible(trials: list[Trial]) -> list[Trial]:
    """Return the completed, feasible trials with measured objectives."""
    return [t for t in trials if t.status == TrialStatus.COMPLETED and t.feasible and t.objectives]


def non_dominated(points: np.ndarray) -> np.ndarray:
    """Return the ``n`` mask of the rows of ``points`` (``n x m``, lower is better) that no other
    row dominates, each duplicate row kept once (its first occurrence)."""
    keep = np.zeros(len(points), dtype=bool)
    for i, y in enumerate(points):
        dominated = ((points <= y).all(axis=1) & (points < y).any(axis=1)).any()
        keep[i] = not dominated and not (points[:i] == y).all(axis=1).any()
    return keep


def dominated_volume(points: np.ndarray, reference: np.ndarray) -> float:
    """Return the exact volume that the rows of ``points`` (``n x m``, lower is better, each below
    ``reference``, an ``m`` vector) dominate up to ``reference``: slices along the last objective,
    each the volume the rows below it dominate in the other objectives."""
    if points.shape[1] == 1:
        return float(reference[0] - points[:, 0].min())
    points = points[np.argsort(points[:, -1], kind="stable")]
    tops = np.append(points[1:, -1], reference[-1])
    return sum(float(top - y[-1]) * dominated_volume(points[: i + 1, :-1], reference[:-1])
               for i, (y, top) in enumerate(zip(points, tops, strict=True)) if top > y[-1])


def pareto_front(trials: list[Trial], objectives: list[str]) -> list[Trial]:
    """Return the feasible trials no other feasible trial dominates (duplicates kept once)."""
    candidates = feasible(trials)
    if not candidates:
        return []
    mask = non_dominated(objective_matrix(candidates, objectives))
    return [t for t, keep in zip(candidates, mask.tolist(), strict=True) if keep]


def hypervolume(trials: list[Trial], objectives: list[str], reference: float = 1.0) -> float:
    """Return the hypervolume the feasible trials dominate, up to ``reference`` in each objective."""
    Y = objective_matrix(pareto_front(trials, objectives), objectives)
    Y = Y[(reference > Y).all(axis=1)]
    if len(Y) == 0:
        return 0.0
    return dominated_volume(Y, np.full(len(objectives), float(reference)))


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
