"""The default optimizer: Ax's ``Client`` (1.x API), multi-objective with outcome constraints.

The generation strategy is Ax's own shape (center point, Sobol initialization, then BoTorch with
a hypervolume acquisition for several objectives) with cheaper acquisition and fitting settings
(:mod:`optimize.optimizers.ax_strategy`). Objective thresholds are the campaign's reference point (the baseline flow by
default); constraint metrics become outcome constraints; tool failures are failed trials.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from optimize.optimizers.base import Optimizer, Outcome, Problem
from search_spaces.space import Config


def quiet_ax() -> None:
    """Keep Ax's per-trial INFO logs and library warnings out of the campaign's output."""
    from ax.utils.common.logger import set_ax_logger_levels

    set_ax_logger_levels(logging.ERROR)
    for name in ("botorch", "gpytorch", "linear_operator"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"(ax|botorch|gpytorch|linear_operator)(\..*)?")
    warnings.filterwarnings("ignore", message=r".*To copy construct from a tensor.*")


class AxOptimizer(Optimizer):
    name = "ax"

    def __init__(self, problem: Problem, torch_device: str | None = None):
        super().__init__(problem)
        logging.disable(logging.INFO)  # Ax logs at INFO while it is imported
        try:
            from ax.api.client import Client
        finally:
            logging.disable(logging.NOTSET)
        quiet_ax()

        self.client = Client(random_seed=problem.seed)
        self.client.configure_experiment(
            parameters=self.space.ax_parameters(),
            parameter_constraints=self.space.ax_constraints() or None,
            name="rtlbo",
        )
        thresholds = [f"{o} <= {problem.reference_point:g}" for o in problem.objectives]
        self.client.configure_optimization(
            objective=", ".join(f"-{o}" for o in problem.objectives),
            outcome_constraints=thresholds + [str(c) for c in problem.constraints],
        )
        # Ax's own "fast" strategy spends 30-140 s per batch on this kind of space (see
        # benchmarks/bo_overhead.py); the same nodes with cheaper settings keep BO off the critical path.
        from optimize.optimizers.ax_strategy import fast_generation_strategy, initialization_trials

        init = initialization_trials(len(self.space.tunable), problem.budget)
        idle = self.space.ax_inactive_inputs()
        strategy = fast_generation_strategy(problem.seed, torch_device, init, inactive_inputs=idle)
        self.client.set_generation_strategy(strategy)

    def _tuned(self, config: Config) -> Config:
        return {k.name: config[k.name] for k in self.space.tunable}

    def ask(self, n: int) -> list[tuple[int, Config]]:
        trials = self.client.get_next_trials(max_trials=n)
        proposals = [(index, self.space.complete(params)) for index, params in sorted(trials.items())]
        self.next_id += len(proposals)
        return proposals

    def tell(self, trial_id: int, outcome: Outcome) -> None:
        if outcome.failure is not None:
            self.client.mark_trial_failed(trial_id, failed_reason=outcome.failure[:500])
            return
        data = {name: (float(value), 0.0) for name, value in outcome.constraints.items()}
        data.update({name: (float(value), 0.0) for name, value in (outcome.objectives or {}).items()})
        self.client.complete_trial(trial_id, raw_data=data)

    def attach(self, config: Config, proposed: bool) -> int:
        index = self.client.attach_trial(self._tuned(config))
        self.next_id = index + 1
        return index

    def save(self, folder: str) -> None:
        """Write Ax's experiment snapshot (readable by ``Client.load_from_json_file``)."""
        Path(folder).mkdir(parents=True, exist_ok=True)
        self.client.save_to_json_file(str(Path(folder) / "ax_client.json"))
