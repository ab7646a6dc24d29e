"""Optimizers behind one ask/tell interface; the campaign file picks one by name.

Each module of this package is an optimizer (or a family of them) that registers itself when it
is imported (:class:`Optimizer`). Importing the package imports every module, so that a campaign
file can name any of them: a module imports its library inside its methods, and heavier parts
live in a subpackage (``ax_strategy``), which is not imported until used.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from optimize.optimizers.base import Optimizer, OptimizerOptions, Outcome, OutcomeConstraint, Problem

__all__ = ["Optimizer", "OptimizerOptions", "Outcome", "OutcomeConstraint", "Problem", "make_optimizer",
           "optimizer_options"]

for _module in pkgutil.iter_modules(__path__):
    if not _module.ispkg:
        importlib.import_module(f"{__name__}.{_module.name}")


def optimizer_options(value: object) -> OptimizerOptions:
    """Return the options a campaign's ``optimizer`` gives: a name, or a mapping of ``name`` and
    that optimizer's options. Raises ValueError naming an unknown optimizer or option, pydantic's
    ValidationError for a bad value."""
    if isinstance(value, OptimizerOptions):
        return value
    names = ", ".join(Optimizer.registry)
    if not isinstance(value, str | dict):
        raise ValueError(f"give an optimizer's name ({names}) or a mapping like {{name: ax, torch_device: cuda}}")
    spec = {"name": value} if isinstance(value, str) else value
    if "name" not in spec:
        raise ValueError(f"give the optimizer's 'name' ({names}) beside its options")
    optimizer = Optimizer.registry.get(spec["name"])
    if optimizer is None:
        raise ValueError(f"unknown optimizer {spec['name']!r}; give one of {names}")
    unknown = sorted(set(spec) - set(optimizer.Options.model_fields))
    if unknown:
        known = ", ".join(f for f in optimizer.Options.model_fields if f != "name") or "none"
        raise ValueError(f"optimizer {optimizer.name} has no option '{unknown[0]}'; its options: {known}")
    return optimizer.Options.model_validate(spec, strict=True)


def make_optimizer(optimizer: str | dict[str, Any] | OptimizerOptions, problem: Problem) -> Optimizer:
    """Return the optimizer a campaign's ``optimizer`` names (see :func:`optimizer_options`), set
    up for ``problem``."""
    options = optimizer_options(optimizer)
    return Optimizer.registry[options.name](problem, options)
