"""pymoo's NSGA-II through its ask/tell interface, on the unit-cube encoding of the space.

NSGA-II works a generation at a time: a generation's offspring are handed out in batches as
the campaign asks, and told to pymoo together once all of them are back. Failed or unmeasured
trials are infeasible individuals (a violated feasibility constraint), never penalty objectives.
"""

from __future__ import annotations

import numpy as np

from optimize.optimizers.base import Optimizer, OptimizerOptions, Outcome, Problem
from search_spaces.space import Config

POPULATION = 12


class PymooNSGA2(Optimizer):
    name = "pymoo-nsga2"

    def __init__(self, problem: Problem, options: OptimizerOptions | None = None):
        super().__init__(problem, options)
        from pymoo.algorithms.moo.nsga2 import NSGA2
        from pymoo.core.problem import Problem as PymooProblem

        d = max(self.space.dimension, 1)
        n_constr = len(problem.constraints) + 1 + len(self.space.constraints)
        self.problem_def = PymooProblem(n_var=d, n_obj=len(problem.objectives), n_ieq_constr=n_constr,
                                        xl=np.zeros(d), xu=np.ones(d))
        self.algorithm = NSGA2(pop_size=POPULATION, eliminate_duplicates=True)
        self.algorithm.setup(self.problem_def, termination=("n_gen", 10**9), seed=problem.seed, verbose=False)
        self.generation = None
        self.queue: list[int] = []  # indices of the current generation not yet handed out
        self.members: dict[int, int] = {}  # trial id -> index in the generation
        self.results: dict[int, Outcome] = {}

    def _start_generation(self) -> None:
        self.generation = self.algorithm.ask()
        self.queue = list(range(len(self.generation)))
        self.members, self.results = {}, {}

    def _hand_out(self) -> tuple[int, Config]:
        if self.generation is None:
            self._start_generation()
        index = self.queue.pop(0)
        trial_id = self._take_ids(1)[0]
        self.members[trial_id] = index
        return trial_id, self.space.decode(self.generation[index].X)

    def ask(self, n: int) -> list[tuple[int, Config]]:
        if self.generation is None:
            self._start_generation()
        # A generation is told only once complete: none is started while one is still out.
        return [self._hand_out() for _ in range(min(n, len(self.queue)))]

    def tell(self, trial_id: int, outcome: Outcome) -> None:
        if trial_id not in self.members:
            return  # baseline or imported: not part of a generation
        self.results[trial_id] = outcome
        if self.queue or len(self.results) < len(self.members):
            return
        from pymoo.core.evaluator import Evaluator
        from pymoo.problems.static import StaticProblem

        F, G = [], []
        for trial_id_, index in sorted(self.members.items(), key=lambda item: item[1]):
            F_row, G_row = self._encode(self.results[trial_id_], self.generation[index].X)
            F.append(F_row)
            G.append(G_row)
        static = StaticProblem(self.problem_def, F=np.array(F), G=np.array(G))
        Evaluator().eval(static, self.generation)
        self.algorithm.tell(infills=self.generation)
        self.generation = None

    def _encode(self, outcome: Outcome, x: np.ndarray) -> tuple[list[float], list[float]]:
        measured = outcome.failure is None and outcome.objectives is not None
        config = self.space.decode(x)
        # Unmeasured individuals are infeasible; their objective row is never used by the
        # constrained ranking, which sorts infeasible individuals by violation alone.
        F = [outcome.objectives[o] if measured else np.inf for o in self.problem.objectives]
        G = [c.violation(outcome.constraints.get(c.metric, c.bound)) for c in self.problem.constraints]
        G.append(0.0 if measured else 1.0)
        G += [c.excess(config) for c in self.space.constraints]
        return F, G

    def attach(self, config: Config, proposed: bool) -> int:
        if proposed:
            return self._hand_out()[0]  # replay: the same seed hands out the same proposals
        return self._take_ids(1)[0]
