"""Space-filling baselines on the unit-cube encoding of the space: Sobol and uniform random."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable

import numpy as np

from objectives.errors import RtlboError
from optimize.optimizers.base import Optimizer, OptimizerOptions, Outcome, Problem
from search_spaces.space import Config

MAX_REJECTIONS = 10_000


class UnitCubeSampler(Optimizer):
    """Proposes points of a deterministic sequence in [0, 1]^d, skipping those that violate the
    space's constraints. Outcomes are ignored: these are the baselines BO must beat."""

    def __init__(self, problem: Problem, options: OptimizerOptions | None = None):
        super().__init__(problem, options)
        self._draw = self._make_sequence(problem.seed, max(self.space.dimension, 1))

    @abstractmethod
    def _make_sequence(self, seed: int, d: int) -> Callable[[], np.ndarray]:
        """Return a function that draws the next point of the sequence."""

    def _next_config(self) -> Config:
        for _ in range(MAX_REJECTIONS):
            config = self.space.decode(self._draw()[: self.space.dimension])
            if not self.space.violations(config):
                return config
        raise RtlboError("the space's constraints reject almost every point; loosen them")

    def ask(self, n: int) -> list[tuple[int, Config]]:
        return [(i, self._next_config()) for i in self._take_ids(n)]

    def tell(self, trial_id: int, outcome: Outcome) -> None:
        pass

    def attach(self, config: Config, proposed: bool) -> int:
        if proposed:
            self._next_config()  # keep the sequence where the original run had it
        return self._take_ids(1)[0]


class SobolSampler(UnitCubeSampler):
    name = "sobol"

    def _make_sequence(self, seed: int, d: int) -> Callable[[], np.ndarray]:
        from scipy.stats import qmc

        engine = qmc.Sobol(d, scramble=True, seed=seed)
        return lambda: engine.random(1)[0]


class RandomSampler(UnitCubeSampler):
    name = "random"

    def _make_sequence(self, seed: int, d: int) -> Callable[[], np.ndarray]:
        rng = np.random.default_rng(seed)
        return lambda: rng.random(d)
