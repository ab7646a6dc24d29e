"""Optuna baselines: NSGA-II and multivariate TPE through Optuna's ask/tell interface.

Outcome constraints reach both samplers through ``Trial.set_constraint`` (values <= 0 are feasible).
A proposal that violates the space's own linear constraints is told as failed and re-asked. The
space reaches Optuna as one distribution per tunable knob, or per position of a sequence knob
(:func:`distributions`).
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from typing import TYPE_CHECKING, Any

import numpy as np

from objectives.errors import RtlboError
from optimize.optimizers.base import Optimizer, OptimizerOptions, Outcome, Problem
from search_spaces.space import Config, SearchSpace

if TYPE_CHECKING:
    import optuna

MAX_REJECTIONS = 1000


class OptunaOptimizer(Optimizer):
    """An Optuna study driven by ask/tell; subclasses pick the sampler."""

    def __init__(self, problem: Problem, options: OptimizerOptions | None = None):
        super().__init__(problem, options)
        import optuna

        optuna.logging.set_verbosity(logging.WARNING)
        self.study = optuna.create_study(directions=["minimize"] * len(problem.objectives),
                                         sampler=self._sampler(problem.seed))
        self.distributions = distributions(self.space)
        self.trials: dict[int, optuna.trial.Trial] = {}
        self.replayed = 0  # own earlier proposals attached since the last ask

    @abstractmethod
    def _sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        """Return the sampler, seeded with ``seed``."""

    def _ask_one(self) -> tuple[optuna.trial.Trial, Config]:
        from optuna.trial import TrialState

        for _ in range(MAX_REJECTIONS):
            trial = self.study.ask(self.distributions)
            config = self.space.complete(trial.params)
            if not self.space.violations(config):
                return trial, config
            self.study.tell(trial, state=TrialState.FAIL)
        raise RtlboError("the space's constraints reject almost every point; loosen them")

    def ask(self, n: int) -> list[tuple[int, Config]]:
        if self.replayed:
            # A resumed campaign: a sampler drawing from its seed again would propose the replayed
            # trials again; it continues from a random stream of its own, fixed by the table.
            seed = int(np.random.SeedSequence([self.problem.seed, self.replayed]).generate_state(1)[0])
            self.study.sampler, self.replayed = self._sampler(seed), 0
        proposals = []
        for trial_id in self._take_ids(n):
            trial, config = self._ask_one()
            self.trials[trial_id] = trial
            proposals.append((trial_id, config))
        return proposals

    def tell(self, trial_id: int, outcome: Outcome) -> None:
        from optuna.trial import TrialState

        trial = self.trials.pop(trial_id)
        for c in self.problem.constraints:
            # An unmeasured constraint metric counts as violated.
            trial.set_constraint(c.metric, c.violation(outcome.constraints[c.metric])
                                 if c.metric in outcome.constraints else 1.0)
        if outcome.failure is not None or outcome.objectives is None:
            self.study.tell(trial, state=TrialState.FAIL)
        else:
            self.study.tell(trial, [outcome.objectives[o] for o in self.problem.objectives])

    def attach(self, config: Config, proposed: bool) -> int:
        self.replayed += proposed
        self.study.enqueue_trial(self.space.by_coordinate(config))
        trial_id = self._take_ids(1)[0]
        self.trials[trial_id] = self.study.ask(self.distributions)
        return trial_id


class OptunaNSGA2(OptunaOptimizer):
    name = "optuna-nsga2"

    def _sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        import optuna

        return optuna.samplers.NSGAIISampler(seed=seed)


class OptunaTPE(OptunaOptimizer):
    name = "optuna-tpe"

    def _sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        import optuna

        return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)


def distributions(space: SearchSpace) -> dict[str, Any]:
    """Return Optuna distributions for the tunable knobs, a sequence knob as one categorical per
    position (:attr:`SearchSpace.coordinates`)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    dists: dict[str, Any] = {}
    for k in space.coordinates:
        if k.type == "float":
            dists[k.name] = FloatDistribution(k.low, k.high, log=k.log)
        elif k.type == "int":
            dists[k.name] = IntDistribution(int(k.low), int(k.high), log=k.log)
        else:
            dists[k.name] = CategoricalDistribution(k.choices)
    return dists
