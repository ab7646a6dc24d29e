"""PAMA-style selection from a Pareto set (He & Maghsudi, "Pareto Multi-Objective Alignment for
Language Models", 2025), adapted to black-box PPA. The math is in docs/pama.md.

Objectives are log-normalised against the baseline flow, f~_k(x) = log(f_k(x) / f_k(baseline)),
and a configuration's improvement vector is a_k(x) = f~_k(baseline) - f~_k(x) = -log ratio_k(x).
PAMA's closed form for the optimal combined signal, the projection of 0 onto
[min_k a_k, max_k a_k], gives s*(x): s* > 0 means x beats the baseline on every objective by at
least a factor exp(-s*); s* = 0 marks a trade-off; s* < 0 means x is worse on every objective.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from pymoo.decomposition.asf import ASF
from pymoo.mcdm.high_tradeoff import HighTradeoffPoints

from optimize.store import Trial


def improvements(objectives: dict[str, float], names: list[str]) -> np.ndarray:
    """Return a(x): the log improvement over the baseline on each objective (> 0 = better)."""
    return np.array([-math.log(objectives[n]) for n in names])


def s_star(a: np.ndarray) -> float:
    """Return proj_0([min a, max a]): PAMA's closed-form combined signal."""
    return float(np.clip(0.0, a.min(), a.max()))


@dataclass
class PamaScore:
    """A configuration's improvement vector, s*, and the guaranteed gain when s* > 0."""

    trial: Trial
    a: np.ndarray
    s: float

    @property
    def beats_baseline(self) -> bool:
        return self.s > 0

    @property
    def min_gain(self) -> float:
        """The smallest relative improvement over the baseline across objectives (0.05 = 5%)."""
        return 1.0 - math.exp(-self.s) if self.s > 0 else 0.0


def rank(front: list[Trial], names: list[str]) -> list[PamaScore]:
    """Return the trials ranked by s* (ties broken by the mean log improvement)."""
    scores = [PamaScore(t, a, s_star(a)) for t in front for a in [improvements(t.objectives, names)]]
    return sorted(scores, key=lambda p: (p.s, p.a.mean()), reverse=True)


def _normalised(front: list[Trial], names: list[str]) -> np.ndarray:
    F = np.array([[math.log(t.objectives[n]) for n in names] for t in front])
    span = F.max(axis=0) - F.min(axis=0)
    return (F - F.min(axis=0)) / np.where(span > 0, span, 1.0)


def prefer(front: list[Trial], names: list[str], weights: dict[str, float]) -> Trial:
    """Return the Pareto point that best fits ``weights`` (higher = that objective matters more):
    the minimiser of the achievement scalarization over the normalised log objectives."""
    importance = np.array([weights.get(n, 1.0) for n in names], dtype=float)
    values = ASF().do(_normalised(front, names), 1.0 / importance, utopian_point=np.zeros(len(names)))
    return front[int(np.argmin(values))]


def knee(front: list[Trial], names: list[str]) -> Trial | None:
    """Return the Pareto set's knee (pymoo's highest trade-off point), or None when it has none."""
    if len(front) < 3:
        return None
    found = HighTradeoffPoints().do(_normalised(front, names))
    return front[int(found[0])] if found is not None and len(found) else None


def min_norm_weights(grads: np.ndarray) -> tuple[np.ndarray, float]:
    """Return (lambda, gap): the convex combination of the rows of ``grads`` (k x d, k <= 3) with
    the smallest norm, and that norm — zero when the point is Pareto-stationary.

    Vertices and edges use the closed form t* = clip((M_jj - M_ij) / (M_ii + M_jj - 2 M_ij), 0, 1)
    on the Gram matrix M; the interior of the 3-simplex solves the KKT system 2 M lambda = nu 1,
    sum(lambda) = 1 (3 weights and the multiplier).
    """
    k = len(grads)
    M = grads @ grads.T
    candidates = [np.eye(k)[i] for i in range(k)]
    for i, j in combinations(range(k), 2):
        denominator = M[i, i] + M[j, j] - 2 * M[i, j]
        t = float(np.clip((M[j, j] - M[i, j]) / denominator, 0.0, 1.0)) if denominator > 1e-18 else 0.5
        lam = np.zeros(k)
        lam[i], lam[j] = t, 1.0 - t
        candidates.append(lam)
    if k == 3:
        # Interior: stationarity 2 M lambda = nu 1 with sum(lambda) = 1 (M may be singular).
        kkt = np.block([[2 * M, np.ones((3, 1))], [np.ones((1, 3)), np.zeros((1, 1))]])
        lam = np.linalg.lstsq(kkt, np.array([0.0, 0.0, 0.0, 1.0]), rcond=None)[0][:3]
        if (lam >= -1e-12).all() and abs(lam.sum() - 1.0) < 1e-9:
            candidates.append(np.clip(lam, 0.0, None) / np.clip(lam, 0.0, None).sum())
    best = min(candidates, key=lambda lam: float(np.linalg.norm(lam @ grads)))
    return best, float(np.linalg.norm(best @ grads))
