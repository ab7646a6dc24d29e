"""The Ax strategy's GP: the fit warm-started from its surrogate's previous fit, the direct posterior at
single points, which must agree with BoTorch's own posterior, samples and acquisition gradients, and the
sub-sequence string kernel of sequence knobs."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import torch
from botorch.acquisition.multi_objective.logei import qLogExpectedHypervolumeImprovement
from botorch.acquisition.multi_objective.objective import IdentityMCMultiOutputObjective
from botorch.fit import fit_gpytorch_mll
from botorch.models.transforms import Normalize, Standardize
from botorch.posteriors import GPyTorchPosterior
from botorch.posteriors.transformed import TransformedPosterior
from botorch.sampling.normal import SobolQMCNormalSampler
from botorch.utils.datasets import SupervisedDataset
from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning
from gpytorch.mlls import ExactMarginalLogLikelihood

from optimize.optimizers.ax_strategy import gp_model
from optimize.optimizers.ax_strategy.gp_model import InactiveInputs, IndependentNormalPosterior, WarmStartSingleTaskGP
from optimize.optimizers.ax_strategy.ssk import MAX_SUBSEQUENCE, SubsequenceStringKernel


@pytest.fixture(scope="module")
def fitted() -> WarmStartSingleTaskGP:
    """Three objectives and two constraints on 40 points of a 6-dimensional space, as Ax fits them."""
    generator = torch.Generator().manual_seed(0)
    X = torch.rand(40, 6, dtype=torch.double, generator=generator)
    W = torch.randn(6, 5, dtype=torch.double, generator=generator)
    Y = torch.sin(X @ W) + 0.2 * (X @ W) ** 2
    model = WarmStartSingleTaskGP(X, Y, outcome_transform=Standardize(m=5), input_transform=Normalize(6))
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    model.posterior(X)  # BoTorch's path builds GPyTorch's prediction caches
    return model


@contextmanager
def botorch_path(model: WarmStartSingleTaskGP) -> Iterator[None]:
    """BoTorch's own posterior for the duration of the block."""
    model.fast_posterior = False
    try:
        yield
    finally:
        model.fast_posterior = True


def test_direct_posterior_matches_botorch_at_single_points(fitted):
    X = torch.rand(16, 1, 6, dtype=torch.double, generator=torch.Generator().manual_seed(1))
    X[0] = fitted.train_inputs[0][0, :1]  # a training point (normalized inputs are its raw ones here)
    direct = fitted.posterior(X)
    with botorch_path(fitted):
        reference = fitted.posterior(X)
    assert isinstance(direct, TransformedPosterior) and isinstance(direct._posterior, IndependentNormalPosterior)
    assert isinstance(reference, GPyTorchPosterior)
    assert direct.mean.shape == reference.mean.shape == (16, 1, 5)
    assert torch.allclose(direct.mean, reference.mean, rtol=1e-9, atol=1e-9)
    assert torch.allclose(direct.variance, reference.variance, rtol=1e-7, atol=1e-9)

    sampler = SobolQMCNormalSampler(sample_shape=torch.Size([8]), seed=5)
    samples = sampler(direct)
    sampler = SobolQMCNormalSampler(sample_shape=torch.Size([8]), seed=5)
    assert torch.allclose(samples, sampler(reference), rtol=1e-7, atol=1e-7)


def test_direct_posterior_of_a_conditioned_model_matches_botorch(fitted):
    """The kriging believer conditions the GP on pending points; its caches must serve the direct path."""
    generator = torch.Generator().manual_seed(2)
    pending = torch.rand(3, 6, dtype=torch.double, generator=generator)
    with torch.no_grad():
        believed = fitted.posterior(pending).mean
    conditioned = fitted.condition_on_observations(pending, believed, noise=torch.full_like(believed, 1e-6))
    assert isinstance(conditioned, WarmStartSingleTaskGP) and conditioned.fast_posterior
    X = torch.cat([pending.unsqueeze(-2), torch.rand(5, 1, 6, dtype=torch.double, generator=generator)])
    direct = conditioned.posterior(X)
    assert isinstance(direct._posterior, IndependentNormalPosterior)
    with botorch_path(conditioned):
        reference = conditioned.posterior(X)
    assert torch.allclose(direct.mean, reference.mean, rtol=1e-8, atol=1e-8)
    assert torch.allclose(direct.variance, reference.variance, rtol=1e-6, atol=1e-9)
    with torch.no_grad():
        before = fitted.posterior(pending.unsqueeze(-2)).variance
    assert (direct.variance[:3] < 1e-3 * before).all()  # nothing left to learn at a believed point


def test_output_subset_can_be_conditioned_on_pending_points(fitted):
    subset = fitted.subset_output([0, 1, 2, 4])  # what Ax does with outputs its acquisition does not need
    assert subset._original_train_inputs.shape[-3] == 4
    pending = torch.rand(2, 6, dtype=torch.double, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        believed = subset.posterior(pending).mean
    conditioned = subset.condition_on_observations(pending, believed, noise=torch.full_like(believed, 1e-6))
    direct = conditioned.posterior(pending.unsqueeze(-2))
    with botorch_path(conditioned):
        reference = conditioned.posterior(pending.unsqueeze(-2))
    assert torch.allclose(direct.mean, reference.mean, rtol=1e-8, atol=1e-8)
    assert torch.allclose(direct.mean, believed.unsqueeze(-2), rtol=1e-4, atol=1e-4)


def test_joint_points_and_observation_noise_take_botorch_path(fitted):
    X = torch.rand(3, 6, dtype=torch.double)
    assert isinstance(fitted.posterior(X), GPyTorchPosterior)  # q = 3
    assert isinstance(fitted.posterior(X[:1], observation_noise=True), GPyTorchPosterior)


def test_acquisition_values_and_gradients_match_botorch(fitted):
    with torch.no_grad():
        Y = fitted.posterior(fitted.train_inputs[0][0]).mean[:, :3]
    ref_point = Y.min(dim=0).values - 0.1
    acqf = qLogExpectedHypervolumeImprovement(
        model=fitted,
        ref_point=ref_point.tolist(),
        partitioning=FastNondominatedPartitioning(ref_point=ref_point, Y=Y),
        sampler=SobolQMCNormalSampler(sample_shape=torch.Size([8]), seed=0),
        objective=IdentityMCMultiOutputObjective(outcomes=[0, 1, 2]),
        constraints=[lambda Z: Z[..., 3] - 0.5, lambda Z: Z[..., 4]],
    )
    X = torch.rand(6, 1, 6, dtype=torch.double, generator=torch.Generator().manual_seed(2), requires_grad=True)
    direct = acqf(X)
    (direct_grad,) = torch.autograd.grad(direct.sum(), X)
    with botorch_path(fitted):
        reference = acqf(X)
        (reference_grad,) = torch.autograd.grad(reference.sum(), X)
    assert torch.isfinite(direct).all() and direct.std() > 0
    assert torch.allclose(direct, reference, rtol=1e-8, atol=1e-8)
    assert torch.allclose(direct_grad, reference_grad, rtol=1e-6, atol=1e-8)


def test_fit_warm_starts_from_its_own_surrogates_previous_fit_only_on_grown_data(monkeypatch):
    from ax.core.search_space import SearchSpaceDigest
    from ax.generators.torch.botorch_modular.surrogate import ModelConfig, Surrogate, SurrogateSpec

    fits: list[tuple[int, torch.Tensor]] = []  # (maxiter, lengthscale the fit starts from)

    def fit(mll, optimizer_kwargs, **kwargs):
        fits.append((optimizer_kwargs["options"]["maxiter"], mll.model.covar_module.lengthscale.detach().clone()))
        return real_fit(mll, optimizer_kwargs=optimizer_kwargs, **kwargs)

    real_fit = gp_model._fit_fallback
    monkeypatch.setattr(gp_model, "_fit_fallback", fit)
    digest = SearchSpaceDigest(feature_names=["a", "b", "c"], bounds=[(0.0, 1.0)] * 3)

    def surrogate() -> Surrogate:
        return Surrogate(surrogate_spec=SurrogateSpec(model_configs=[ModelConfig(WarmStartSingleTaskGP)]))

    def data(X: torch.Tensor) -> list[SupervisedDataset]:
        Y = torch.sin(3 * X).sum(-1, keepdim=True)
        return [SupervisedDataset(X, Y, feature_names=["a", "b", "c"], outcome_names=["y"])]

    X = torch.rand(8, 3, dtype=torch.double, generator=torch.Generator().manual_seed(0))
    grown = torch.cat([X, torch.rand(3, 3, dtype=torch.double, generator=torch.Generator().manual_seed(1))])
    campaign = surrogate()
    campaign.fit(data(X), search_space_digest=digest)
    fitted = campaign.model.covar_module.lengthscale.detach().clone()
    campaign.fit(data(grown), search_space_digest=digest)  # the same campaign, three trials later
    surrogate().fit(data(grown), search_space_digest=digest)  # another campaign: nothing to start from
    campaign.fit(data(grown[3:]), search_space_digest=digest)  # not a continuation of the last fit
    (cold, _), (warm, start), (other, _), (restart, _) = fits
    assert cold == other == restart == gp_model.COLD_FIT_MAXITER and warm == gp_model.WARM_FIT_MAXITER
    assert torch.allclose(start, fitted)


def test_inactive_inputs_hold_a_knob_where_none_of_its_conditions_holds():
    # Columns: a target t, a two-valued one-hot choice (c0, c1), a flag; t acts when c1 or flag.
    held = InactiveInputs([([(0, 0.0)], [(2, 1.0), (3, 1.0)], [])])
    X = torch.tensor([[0.7, 1, 0, 0], [0.7, 0, 1, 0], [0.7, 1, 0, 1], [0.7, 0.5, 0.5, 0]], dtype=torch.double)
    out = held.transform(X)
    assert out[:, 0].tolist() == pytest.approx([0.0, 0.7, 0.7, 0.35])
    assert torch.equal(out[:, 1:], X[:, 1:])
    assert held.transform(X.unsqueeze(0)).shape == (1, 4, 2 + 2)


def test_inactive_inputs_hold_a_knob_where_one_of_its_idle_settings_holds_in_full():
    # The same columns; t acts unconditionally but where c1 and flag hold together.
    held = InactiveInputs([([(0, 0.0)], [], [[(2, 1.0), (3, 1.0)]])])
    X = torch.tensor([[0.7, 0, 1, 1], [0.7, 0, 1, 0], [0.7, 1, 0, 1], [0.7, 0.5, 0.5, 1]], dtype=torch.double)
    assert held.transform(X)[:, 0].tolist() == pytest.approx([0.0, 0.7, 0.7, 0.35])


def test_inactive_inputs_move_merged_values_onto_the_value_standing_for_them_where_their_setting_holds():
    # Columns: a one-hot choice (x, y, z), an ordered number d, a flag. Where the flag holds, z
    # stands for x, and d's 0.5 and 2.0 run the flow of 1.0 (1.5 stays itself).
    held = InactiveInputs([], [([(4, 1.0)], [(2, [0])], []), ([(4, 1.0)], [], [(3, [0.5, 1.0, 1.5, 2.0],
                                                                                   [1.0, 1.0, 1.5, 1.0])])])
    X = torch.tensor([[1, 0, 0, 0.5, 1], [0, 0, 1, 2.0, 1], [0, 0, 1, 1.0, 1], [0, 1, 0, 1.5, 1],
                      [1, 0, 0, 0.5, 0], [0.5, 0, 0.5, 1.75, 0.5]], dtype=torch.double)
    out = held.transform(X)
    assert torch.equal(out[0], out[1]) and torch.equal(out[1], out[2])  # x at 0.5, z at 2.0, z at 1.0: one point
    assert out[0].tolist() == [0, 0, 1, 1.0, 1]
    assert torch.equal(out[3], X[3]) and torch.equal(out[4], X[4])  # 1.5 stays; the flag off: nothing moves
    assert out[5].tolist() == pytest.approx([0.25, 0, 0.75, 1.5, 0.5])  # halfway: halfway moved


def test_gp_sees_points_that_differ_in_an_idle_input_as_one_point():
    generator = torch.Generator().manual_seed(1)
    X = torch.rand(24, 2, dtype=torch.double, generator=generator)
    X[:, 1] = X[:, 1].round()  # flag; t (column 0) acts only when flag is 1
    Y = torch.stack([X[:, 1] * (X[:, 0] - 0.4) ** 2 + 0.3 * (1 - X[:, 1]), X[:, 1] * X[:, 0]], dim=-1)
    dataset = SupervisedDataset(X, Y, feature_names=["t", "flag"], outcome_names=["a", "b"])
    inputs = WarmStartSingleTaskGP.construct_inputs(
        dataset, inactive_inputs=[{"hold": [("t", 0.0)], "when": [("flag", 1.0)]}]
    )
    assert inputs["inactive_inputs"].rules == [([(0, 0.0)], [(1, 1.0)], [])]
    spread = {}
    for rules in (inputs["inactive_inputs"], None):
        model = WarmStartSingleTaskGP(
            X, Y, inactive_inputs=rules, outcome_transform=Standardize(m=2), input_transform=Normalize(2)
        )
        fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        with torch.no_grad():
            idle = model.posterior(torch.tensor([[[0.2, 0.0]], [[0.9, 0.0]]], dtype=torch.double))
            acting = model.posterior(torch.tensor([[[0.2, 1.0]], [[0.9, 1.0]]], dtype=torch.double))
        gaps = [float((p.mean[0] - p.mean[1]).abs().max()) for p in (idle, acting)]
        spread[rules is not None] = gaps
    assert spread[True][0] == 0 and spread[True][1] > 0.05
    assert spread[False][0] > 0  # without the rules the GP tells the idle points apart


# -- the sub-sequence string kernel ------------------------------------------------------------------

def one_hot(sequences: list[list[int]], alphabet: int = 4) -> torch.Tensor:
    """``n x (length * alphabet)``: each sequence's symbols one-hot, position by position."""
    return torch.nn.functional.one_hot(torch.tensor(sequences), alphabet).to(torch.double).flatten(-2)


def brute_force_ssk(s: list[int], t: list[int], match: float, gap: float, n: int = MAX_SUBSEQUENCE) -> float:
    """The unnormalized kernel by enumerating every sub-sequence occurrence (Lodhi et al.)."""
    def features(seq: list[int]) -> dict[tuple[int, ...], float]:
        phi: dict[tuple[int, ...], float] = {}
        for q in range(1, n + 1):
            for index in itertools.combinations(range(len(seq)), q):
                u = tuple(seq[i] for i in index)
                phi[u] = phi.get(u, 0.0) + match**q * gap ** (index[-1] - index[0] + 1 - q)
        return phi

    a, b = features(s), features(t)
    return sum(v * b.get(u, 0.0) for u, v in a.items())


def test_ssk_is_a_normalized_positive_semidefinite_kernel_of_shared_subsequences():
    sequences = torch.randint(0, 4, (30, 6), generator=torch.Generator().manual_seed(0)).tolist()
    kernel = SubsequenceStringKernel(6, 4, batch_shape=torch.Size([2])).to(torch.double)
    with torch.no_grad():
        kernel.raw_match_decay.fill_(0.4)
        kernel.raw_gap_decay.fill_(-0.3)
    K = kernel(one_hot(sequences)).to_dense().detach()
    assert K.shape == (2, 30, 30) and torch.allclose(K, K.transpose(-1, -2))
    assert torch.linalg.eigvalsh(K).min() > -1e-10
    assert torch.allclose(K.diagonal(dim1=-2, dim2=-1), torch.ones(2, 30, dtype=torch.double))
    assert torch.equal(kernel(one_hot(sequences), diag=True), torch.ones(2, 30, dtype=torch.double))
    match, gap = float(kernel.match_decay[0].detach()), float(kernel.gap_decay[0].detach())
    s, t = sequences[0], sequences[1]
    norm = (brute_force_ssk(s, s, match, gap) * brute_force_ssk(t, t, match, gap)) ** 0.5
    expected = brute_force_ssk(s, t, match, gap) / norm
    assert float(K[0, 0, 1]) == pytest.approx(expected, rel=1e-9)
    # Sharing a prefix (and its sub-sequences) is closer than sharing only the symbols' counts.
    k = kernel(one_hot([[0, 1, 2, 3, 0, 1]]), one_hot([[0, 1, 2, 3, 2, 2], [3, 3, 2, 2, 1, 0]])).to_dense()[0, 0]
    assert k[0] > k[1] > 0


def test_ssk_hyperparameters_are_learnt_by_marginal_likelihood():
    sequences = torch.randint(0, 4, (24, 5), generator=torch.Generator().manual_seed(1))
    X = one_hot(sequences.tolist())
    Y = torch.stack([(sequences[:, :-1] == sequences[:, 1:]).sum(-1), (sequences == 2).sum(-1)], -1).to(X)
    model = WarmStartSingleTaskGP(X, Y, sequence_columns=[[list(range(4 * i, 4 * i + 4)) for i in range(5)]],
                                  outcome_transform=Standardize(m=2))
    kernel = model.covar_module
    assert isinstance(kernel, SubsequenceStringKernel) and kernel.batch_shape == (2,)
    mll = ExactMarginalLogLikelihood(model.likelihood, model)
    model.train()
    loss = -mll(model(*model.train_inputs), model.train_targets).sum()
    loss.backward()
    assert kernel.raw_match_decay.grad.abs().min() > 0 and kernel.raw_gap_decay.grad.abs().min() > 0
    start = (kernel.match_decay.detach().clone(), kernel.gap_decay.detach().clone())
    fit_gpytorch_mll(mll)
    assert not torch.allclose(kernel.match_decay, start[0]) and not torch.allclose(kernel.gap_decay, start[1])


def test_ssk_gp_direct_posterior_and_output_subset_match_botorch():
    """A sequence (3 positions of 4 values) and a number: SSK times the default kernel."""
    generator = torch.Generator().manual_seed(3)
    sequences = torch.randint(0, 4, (30, 3), generator=generator)
    t = torch.rand(30, 1, dtype=torch.double, generator=generator)
    X = torch.cat([t, one_hot(sequences.tolist())], dim=-1)
    Y = torch.cat([t + (sequences == 1).sum(-1, keepdim=True), t * (sequences[:, :1] == 2)], dim=-1).to(X)
    model = WarmStartSingleTaskGP(X, Y, sequence_columns=[[list(range(1 + 4 * i, 5 + 4 * i)) for i in range(3)]],
                                  outcome_transform=Standardize(m=2))
    ssk, rest = model.covar_module.kernels
    assert ssk.active_dims.tolist() == list(range(1, 13)) and rest.active_dims.tolist() == [0]
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    model.posterior(X)
    points = X[torch.randperm(30, generator=generator)[:8]].unsqueeze(1)
    direct = model.posterior(points)
    with botorch_path(model):
        reference = model.posterior(points)
    assert torch.allclose(direct.mean, reference.mean, atol=1e-9) and torch.allclose(
        direct.variance, reference.variance, atol=1e-9)
    subset = model.subset_output([1])
    assert torch.allclose(subset.posterior(points).mean, reference.mean[..., 1:], atol=1e-7)
