"""Optuna baselines: NSGA-II and multivariate TPE through Optuna's ask/tell interface.

Outcome constraints reach both samplers through ``Trial.set_constraint`` (values <= 0 are feasible).
A proposal that violates the space's own linear constraints is told as failed and re-asked.
"""

from __future__ import annotations

import logging

import numpy as np
import optuna
from optuna.trial import TrialState

from objectives.errors import RtlboError
from optimize.optimizers.base import Optimizer, Outcome, Problem
from search_spaces.space import Config

MAX_REJECTIONS = 1000


class OptunaOptimizer(Optimizer):
    def __init__(self, problem: Problem, sampler: str):
        super().__init__(problem)
        optuna.logging.set_verbosity(logging.WARNING)
        self.name = f"optuna-{sampler}"
        self.study = optuna.create_study(directions=["minimize"] * len(problem.objectives),
                                         sampler=self._sampler(problem.seed))
        self.distributions = self.space.optuna_distributions()
        self.trials: dict[int, optuna.trial.Trial] = {}
        self.replayed = 0  # own earlier proposals attached since the last ask

    def _sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        if self.name == "optuna-nsga2":
            return optuna.samplers.NSGAIISampler(seed=seed)
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)

    def _ask_one(self) -> tuple[optuna.trial.Trial, Config]:
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
        self.study.enqueue_trial({k.name: config[k.name] for k in self.space.tunable})
        trial_id = self._take_ids(1)[0]
        self.trials[trial_id] = self.study.ask(self.distributions)
        return trial_id
