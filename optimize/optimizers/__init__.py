"""Optimizers behind one ask/tell interface; the campaign file picks one by name."""

from __future__ import annotations

from optimize.optimizers.base import Optimizer, Outcome, OutcomeConstraint, Problem

__all__ = ["Optimizer", "Outcome", "OutcomeConstraint", "Problem", "make_optimizer"]


def make_optimizer(name: str, problem: Problem, torch_device: str | None = None) -> Optimizer:
    """Return the optimizer called ``name`` (see optimize.campaign.OPTIMIZERS) set up for ``problem``
    (``torch_device`` applies to Ax's model fitting)."""
    if name == "ax":
        from optimize.optimizers.ax import AxOptimizer

        return AxOptimizer(problem, torch_device)
    if name in ("sobol", "random"):
        from optimize.optimizers.unit_cube import RandomSampler, SobolSampler

        return (SobolSampler if name == "sobol" else RandomSampler)(problem)
    if name in ("optuna-nsga2", "optuna-tpe"):
        from optimize.optimizers.optuna_samplers import OptunaOptimizer

        return OptunaOptimizer(problem, name.removeprefix("optuna-"))
    if name == "pymoo-nsga2":
        from optimize.optimizers.pymoo_nsga2 import PymooNSGA2

        return PymooNSGA2(problem)
    raise ValueError(f"unknown optimizer {name}")
