"""The sub-sequence string kernel (SSK) of BOiLS (Grosnit et al., "BOiLS: Bayesian Optimisation
for Logic Synthesis", DATE 2022), after Lodhi et al. (JMLR 2002) and its vectorized form by Moss et
al. ("BOSS", NeurIPS 2020), as a GPyTorch kernel over the one-hot columns of a sequence knob.

Two sequences are similar when they share sub-sequences, contiguous or not: for sub-sequence
lengths q = 1..n, every common sub-sequence u counts with weight
``match_decay^(2q) * gap_decay^(gaps in s + gaps in t)``, summed, and normalized so that
k(s, s) = 1. A symbol is a vector over the alphabet (one-hot for a sequence, relaxed between 0 and
1 by the acquisition optimizer), and two symbols match by their inner product, which keeps the
kernel positive semi-definite and differentiable in the inputs.
"""

from __future__ import annotations

import torch
from gpytorch.constraints import Interval
from gpytorch.kernels import Kernel, ProductKernel
from gpytorch.module import Module

MAX_SUBSEQUENCE = 3


class SubsequenceStringKernel(Kernel):
    """SSK over sequences of ``length`` symbols from an alphabet of ``alphabet`` values.

    Inputs ``batch x n x (length * alphabet)``: per position, its ``alphabet`` columns (position
    by position, the values in the same order at every position). ``match_decay`` and
    ``gap_decay`` lie in (0, 1), one each per batch of ``batch_shape`` (a GP's outputs), and are
    learnt with the other hyperparameters by maximizing the marginal likelihood.
    """

    has_lengthscale = False

    def __init__(self, length: int, alphabet: int, max_subsequence: int = MAX_SUBSEQUENCE, **kwargs: object):
        super().__init__(**kwargs)
        self.length, self.alphabet, self.max_subsequence = length, alphabet, max_subsequence
        for name in ("match_decay", "gap_decay"):
            self.register_parameter(f"raw_{name}", torch.nn.Parameter(torch.zeros(*self.batch_shape, 1)))
            self.register_constraint(f"raw_{name}", Interval(0.0, 1.0))

    @property
    def match_decay(self) -> torch.Tensor:
        return self.raw_match_decay_constraint.transform(self.raw_match_decay)

    @property
    def gap_decay(self) -> torch.Tensor:
        return self.raw_gap_decay_constraint.transform(self.raw_gap_decay)

    def _unnormalized(self, matches: torch.Tensor, points: int) -> torch.Tensor:
        """Return the kernel before normalization from ``matches``, ``... x length x length``
        inner products of the two sequences' symbols, whose ``points`` dims before the last two
        are the points compared (1 for a point against itself, 2 for all pairs)."""
        shape = (*self.batch_shape, *([1] * (points + 2)))
        match = self.match_decay.view(shape) ** 2
        gap = self.gap_decay.view(shape)
        # decay[i, j] = gap^(j - i - 1) for i < j: the weight of the positions skipped from i to j.
        steps = torch.arange(self.length, device=matches.device)
        skipped = steps.unsqueeze(0) - steps.unsqueeze(1) - 1
        decay = torch.where(skipped >= 0, gap ** skipped.clamp_min(0).to(gap), torch.zeros_like(gap))
        # ending[i, j]: the common sub-sequences of length q that end at position i of one sequence
        # and j of the other.
        ending = match * matches
        total = ending.sum((-1, -2))
        for _ in range(1, self.max_subsequence):
            ending = match * matches * _sandwich(decay, ending, points)
            total = total + ending.sum((-1, -2))
        return total

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, diag: bool = False, last_dim_is_batch: bool = False,
                **params: object) -> torch.Tensor:
        if last_dim_is_batch:
            raise ValueError("SubsequenceStringKernel has no last_dim_is_batch mode")
        if diag:  # normalized
            return torch.ones(torch.broadcast_shapes(x1.shape[:-2], self.batch_shape) + x1.shape[-2:-1]).to(x1)
        s1 = x1.unflatten(-1, (self.length, self.alphabet))
        s2 = x2.unflatten(-1, (self.length, self.alphabet))
        self1 = self._unnormalized(s1 @ s1.transpose(-1, -2), 1).clamp_min(1e-12)
        self2 = self._unnormalized(s2 @ s2.transpose(-1, -2), 1).clamp_min(1e-12)
        cross = self._unnormalized(s1.unsqueeze(-3) @ s2.unsqueeze(-4).transpose(-1, -2), 2)
        return cross / (self1.unsqueeze(-1) * self2.unsqueeze(-2)).sqrt()


def _sandwich(decay: torch.Tensor, ending: torch.Tensor, points: int) -> torch.Tensor:
    """Return ``decay^T @ ending @ decay`` for every pair of points: ``ending`` is ``... x points
    x length x length`` and ``decay`` the same for all its ``points`` dims (size 1 there). As two
    large matrix products over all the points at once instead of one pair of tiny ones per point
    (the same numbers to rounding; at a 31-point GP's sizes, forward and backward take two thirds
    of the time)."""
    lead, compared, length = ending.shape[:-2 - points], ending.shape[-2 - points:-2], ending.shape[-1]
    decay = decay.reshape(*decay.shape[:-2 - points], length, length).expand(*lead, length, length)
    ending = ending.reshape(*lead, -1, length, length)
    count = ending.shape[-3]
    # decay^T @ ending: ending's rows side by side, (length) x (points * length).
    left = decay.transpose(-1, -2) @ ending.transpose(-3, -2).reshape(*lead, length, count * length)
    left = left.reshape(*lead, length, count, length).transpose(-3, -2)
    return (left.reshape(*lead, count * length, length) @ decay).reshape(*lead, *compared, length, length)


def sequence_covariance(width: int, sequences: list[list[list[int]]], batch_shape: torch.Size) -> Module:
    """Return the covariance over ``width`` input columns: an SSK per sequence knob (its columns
    per position, in value order) times BoTorch's default kernel over the remaining columns.

    Raises ValueError when a sequence's positions do not all have the same number of columns.
    """
    from botorch.models.utils.gpytorch_modules import get_covar_module_with_dim_scaled_prior

    kernels: list[Module] = []
    used: set[int] = set()
    for positions in sequences:
        if len({len(columns) for columns in positions}) != 1:
            raise ValueError("every position of a sequence needs one column per value of its alphabet")
        dims = [c for columns in positions for c in columns]
        used.update(dims)
        kernels.append(SubsequenceStringKernel(len(positions), len(positions[0]), batch_shape=batch_shape,
                                               active_dims=torch.tensor(dims)))
    rest = [c for c in range(width) if c not in used]
    if rest:
        kernels.append(get_covar_module_with_dim_scaled_prior(ard_num_dims=len(rest), batch_shape=batch_shape,
                                                              active_dims=rest))
    return kernels[0] if len(kernels) == 1 else ProductKernel(*kernels)
