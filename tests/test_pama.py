"""PAMA-style selection: the closed forms against brute force, and the picks; Pareto sets and hypervolume
against BoTorch."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from optimize.campaign import Campaign
from optimize.pama import improvements, knee, min_norm_weights, prefer, rank, s_star
from optimize.pareto import dominated_volume, hypervolume, non_dominated
from optimize.store import Trial, TrialKind, TrialStatus

NAMES = ["power", "delay", "area"]


def trial(i: int, power: float, delay: float, area: float) -> Trial:
    return Trial(i, TrialKind.PROPOSED, TrialStatus.COMPLETED, {}, {"power": power, "delay": delay, "area": area}, {},
                 True, "", {}, "", 0.0)


def test_s_star_is_the_projection_of_zero():
    assert s_star(np.array([0.1, 0.3, 0.2])) == pytest.approx(0.1)  # beats all: the smallest gain
    assert s_star(np.array([-0.2, -0.1, -0.4])) == pytest.approx(-0.1)  # worse on all
    assert s_star(np.array([-0.2, 0.1, 0.0])) == 0.0  # a trade-off
    rng = np.random.default_rng(0)
    for a in rng.normal(size=(200, 3)):
        grid = np.linspace(a.min(), a.max(), 20001)
        assert s_star(a) == pytest.approx(grid[np.argmin(np.abs(grid))], abs=1e-3 * (np.ptp(a) + 1e-9))


def test_rank_reports_who_beats_the_baseline_and_by_how_much():
    front = [trial(1, 0.9, 0.95, 0.97), trial(2, 0.8, 1.1, 0.9), trial(3, 0.99, 0.98, 0.99)]
    ranked = rank(front, NAMES)
    assert [p.trial.id for p in ranked] == [1, 3, 2]
    assert ranked[0].beats_baseline and ranked[0].min_gain == pytest.approx(0.03)
    assert not ranked[2].beats_baseline and ranked[2].s == 0.0
    assert improvements({"power": 0.5, "delay": 1.0, "area": 2.0}, NAMES) == pytest.approx(
        [math.log(2), 0.0, -math.log(2)])


def test_preference_and_knee():
    front = [trial(1, 0.7, 1.3, 1.0), trial(2, 1.0, 1.0, 1.0), trial(3, 1.3, 0.7, 1.0), trial(4, 0.9, 0.9, 1.2)]
    assert prefer(front, NAMES, {"power": 1, "delay": 10, "area": 1}).id == 3
    assert prefer(front, NAMES, {"power": 10, "delay": 1, "area": 1}).id == 1
    assert prefer(front, NAMES, {"power": 1, "delay": 1, "area": 10}).id in (1, 2, 3)
    assert knee(front[:2], NAMES) is None


def _brute_force(grads: np.ndarray, steps: int = 400) -> float:
    k = len(grads)
    best = math.inf
    for i in range(steps + 1):
        for j in range(steps + 1 - i if k == 3 else 1):
            lam = np.array([i, steps - i]) / steps if k == 2 else np.array([i, j, steps - i - j]) / steps
            best = min(best, float(np.linalg.norm(lam @ grads)))
    return best


@pytest.mark.parametrize(("k", "d"), list(itertools.product([2, 3], [1, 2, 4])))
def test_min_norm_closed_form_matches_brute_force(k: int, d: int):
    rng = np.random.default_rng(k * 10 + d)
    for _ in range(15):
        grads = rng.normal(size=(k, d))
        lam, gap = min_norm_weights(grads)
        assert lam.min() >= -1e-12 and lam.sum() == pytest.approx(1.0)
        assert gap == pytest.approx(float(np.linalg.norm(lam @ grads)), abs=1e-9)
        assert gap <= _brute_force(grads, 400 if k == 2 else 120) + 1e-9


def test_min_norm_detects_pareto_stationarity():
    grads = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    lam, gap = min_norm_weights(grads)
    assert gap == pytest.approx(0.0, abs=1e-12) and lam[2] == pytest.approx(0.0, abs=1e-12)


def test_front_and_hypervolume_agree_with_botorch():
    """optimize.pareto is NumPy so that reading a campaign does not load torch; it must give
    BoTorch's answers (duplicates and ties included, one to three objectives)."""
    import torch
    from botorch.utils.multi_objective.hypervolume import Hypervolume
    from botorch.utils.multi_objective.pareto import is_non_dominated

    rng = np.random.default_rng(0)
    for _ in range(200):
        m, n = int(rng.integers(1, 4)), int(rng.integers(1, 40))
        points = np.round(rng.uniform(0.5, 1.3, (n, m)), 2)
        mask = non_dominated(points)
        assert mask.tolist() == is_non_dominated(-torch.tensor(points), deduplicate=True).tolist()
        front = points[mask][(points[mask] < 1.1).all(axis=1)]
        if len(front):
            expected = Hypervolume(ref_point=torch.full((m,), -1.1, dtype=torch.double)).compute(-torch.tensor(front))
            assert dominated_volume(front, np.full(m, 1.1)) == pytest.approx(expected, rel=1e-12)


def test_the_default_box_counts_a_flow_that_trades_area_and_power_for_delay():
    """The flows of least area-delay product on outside adders take 1.3x the area and 1.6x the power
    for less than half the delay (docs/pama.md); the campaign's default box must give them volume,
    or the optimizer, whose objective thresholds are the same box, never looks for them."""
    baseline, fast = trial(0, 1.0, 1.0, 1.0), trial(1, 1.6, 0.46, 1.3)
    reference = Campaign().reference_point
    assert hypervolume([baseline, fast], NAMES, reference) > hypervolume([baseline], NAMES, reference)
    assert hypervolume([baseline, fast], NAMES, 1.1) == hypervolume([baseline], NAMES, 1.1)
