"""A GP surrogate of a campaign's objectives, for the implied trade-off weights of Pareto points.

Inputs: each tunable knob as a feature (numeric knobs on their unit coordinate, choices and the
positions of a sequence one-hot);
outputs: the log ratio of each objective to the baseline. One BoTorch ``SingleTaskGP`` per
objective. The weights of a Pareto point are the min-norm convex combination of the gradients of
the objectives' posterior means with respect to the continuous knobs (see docs/pama.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from botorch.fit import fit_gpytorch_mll
from botorch.models import ModelListGP, SingleTaskGP
from botorch.models.transforms import Standardize
from gpytorch.mlls import SumMarginalLogLikelihood

from objectives.errors import RtlboError
from optimize.pama import min_norm_weights
from optimize.store import COMPLETED, Trial
from search_spaces.space import Config, SearchSpace


def features(space: SearchSpace, config: Config) -> list[float]:
    """Return the surrogate's input vector for ``config``."""
    row: list[float] = []
    values = space.by_coordinate(config)
    for knob in space.coordinates:
        if knob.type in ("float", "int"):
            row.append(knob.encode(values[knob.name]))
        else:
            row += [1.0 if values[knob.name] == c else 0.0 for c in knob.choices]
    return row


def continuous_columns(space: SearchSpace) -> list[tuple[str, int]]:
    """Return (knob name, feature column) of the float knobs."""
    columns, position = [], 0
    for knob in space.coordinates:
        if knob.type == "float":
            columns.append((knob.name, position))
        position += 1 if knob.type in ("float", "int") else len(knob.choices)
    return columns


@dataclass
class Explanation:
    """A Pareto point's implied trade-off weights and its stationarity gap."""

    trial: Trial
    weights: dict[str, float]
    gap: float
    gradients: np.ndarray


def explain(space: SearchSpace, trials: list[Trial], front: list[Trial], names: list[str]) -> list[Explanation]:
    """Return the implied weights of each point of ``front``, from a GP fitted on ``trials``.

    Raises RtlboError when the space has no continuous knob or too few measured trials.
    """
    columns = continuous_columns(space)
    if not columns:
        raise RtlboError("the space has no continuous knob; implied weights need at least one float knob")
    data = [t for t in trials if t.status == COMPLETED and t.objectives]
    if len(data) < 4:
        raise RtlboError(f"only {len(data)} measured trials; implied weights need at least 4")
    X = torch.tensor([features(space, t.config) for t in data], dtype=torch.float64)
    models = []
    for name in names:
        Y = torch.tensor([[math.log(t.objectives[name])] for t in data], dtype=torch.float64)
        models.append(SingleTaskGP(X, Y, outcome_transform=Standardize(m=1)))
    model = ModelListGP(*models)
    fit_gpytorch_mll(SumMarginalLogLikelihood(model.likelihood, model))
    explanations = []
    index = [c for _, c in columns]
    for trial in front:
        x = torch.tensor([features(space, trial.config)], dtype=torch.float64, requires_grad=True)
        mean = model.posterior(x).mean.squeeze(0)
        grads = np.stack([torch.autograd.grad(mean[k], x, retain_graph=True)[0][0, index].numpy()
                          for k in range(len(names))])
        lam, gap = min_norm_weights(grads)
        explanations.append(Explanation(trial, dict(zip(names, lam.tolist(), strict=True)), gap, grads))
    return explanations
