"""The GP of rtlbo's Ax strategy: Ax's default ``SingleTaskGP`` with a cheaper fit and posterior.

- The marginal likelihood fit is capped in L-BFGS-B iterations and warm-starts from the
  hyperparameters of the model Ax's surrogate fitted before, when the training data only grew (a
  running campaign): the state lives with the campaign's own surrogate, none in this module.
- The posterior at single points (q = 1, what the acquisition optimizer asks for hundreds of
  times per batch) is computed with plain tensor operations from GPyTorch's own prediction
  caches, instead of through GPyTorch's lazy distributions: the same mean, variance and MC
  samples (to rounding), a fraction of the Python overhead. Anything else takes BoTorch's path.
- Knobs that act only under some settings of others (a search space's ``active_when``) are held
  at their defaults where they do not act (``InactiveInputs``), so the GP sees configurations
  that run the same flow as one point and the acquisition sees nothing to gain in varying them.
- A sequence knob's one-hot inputs are modelled by a sub-sequence string kernel
  (:mod:`optimize.optimizers.ax_strategy.ssk`), times the default kernel over the other inputs.
"""

from __future__ import annotations

from typing import Any

import torch
from ax.core.search_space import SearchSpaceDigest
from ax.generators.torch.botorch_modular.surrogate import ModelConfig, Surrogate, submodel_input_constructor
from botorch.fit import _fit_fallback
from botorch.models import SingleTaskGP
from botorch.models.model import Model
from botorch.models.transforms.input import ChainedInputTransform, InputTransform
from botorch.models.transforms.outcome import OutcomeTransform
from botorch.models.utils.assorted import gpt_posterior_settings
from botorch.posteriors import Posterior
from botorch.utils.datasets import SupervisedDataset
from botorch.utils.types import DEFAULT, _DefaultType
from gpytorch import settings as gpytorch_settings
from gpytorch.likelihoods import Likelihood
from gpytorch.means import Mean
from gpytorch.mlls import MarginalLogLikelihood
from gpytorch.module import Module

from optimize.optimizers.ax_strategy.ssk import sequence_covariance

COLD_FIT_MAXITER = 40
WARM_FIT_MAXITER = 20


def _is_prefix(X_old: torch.Tensor, X: torch.Tensor) -> bool:
    """Whether the training inputs ``X`` begin with the rows of ``X_old``."""
    return (
        X_old.shape[:-2] == X.shape[:-2]
        and X_old.shape[-1] == X.shape[-1]
        and 0 < X_old.shape[-2] <= X.shape[-2]
        and X_old.device == X.device
        and X_old.dtype == X.dtype
        and torch.equal(X[..., : X_old.shape[-2], :], X_old)
    )


class IndependentNormalPosterior(Posterior):
    """Independent normal outputs at single points: ``mean`` and ``variance`` of shape
    ``batch x 1 x m``. Base samples map to samples as GPyTorch's multitask normal maps them for
    q = 1 (a diagonal covariance), so a sampler's draws give the same samples."""

    def __init__(self, mean: torch.Tensor, variance: torch.Tensor):
        self._mean = mean
        self._variance = variance

    @property
    def mean(self) -> torch.Tensor:
        return self._mean

    @property
    def variance(self) -> torch.Tensor:
        return self._variance

    @property
    def device(self) -> torch.device:
        return self._mean.device

    @property
    def dtype(self) -> torch.dtype:
        return self._mean.dtype

    @property
    def base_sample_shape(self) -> torch.Size:
        return self._mean.shape

    @property
    def batch_range(self) -> tuple[int, int]:
        return (0, -2)

    def _extended_shape(self, sample_shape: torch.Size = torch.Size()) -> torch.Size:  # noqa: B008
        return sample_shape + self._mean.shape

    def rsample_from_base_samples(self, sample_shape: torch.Size, base_samples: torch.Tensor) -> torch.Tensor:
        if base_samples.shape[: len(sample_shape)] != sample_shape:
            raise RuntimeError(f"sample_shape {tuple(sample_shape)} disagrees with base samples {base_samples.shape}")
        return self._mean + self._variance.sqrt() * base_samples

    def rsample(self, sample_shape: torch.Size | None = None) -> torch.Tensor:
        shape = torch.Size([1]) if sample_shape is None else sample_shape
        base_samples = torch.randn(shape + self._mean.shape, dtype=self.dtype, device=self.device)
        return self.rsample_from_base_samples(shape, base_samples)


Pair = tuple[int, float]  # an input column and the value (1 or 0) that makes a condition hold


Move = tuple[int, list[int]]  # a one-hot column, and the columns of the values it stands for
Snap = tuple[int, list[float], list[float]]  # an ordinal column, its values, the values standing for them


class InactiveInputs(InputTransform):
    """Holds conditional inputs at fixed values where their conditions do not hold, and moves
    merged values onto the value that stands for them where their settings hold.

    ``rules``: per conditional knob, its input columns with the values to hold them at; its
    conditions as (column, on) pairs, one of which must hold for the knob to act (none: it acts
    unless idle); and its idle settings, each a list of (column, on) pairs that together make it
    idle. A pair holds where its column holds ``on`` (1 or 0; one-hot and boolean inputs). Between
    0 and 1 (the acquisition optimizer's continuous relaxation) the knob acts by
    ``(1 - prod(1 - condition)) * prod(1 - prod(setting))``, exact at 0 and 1.

    ``merges``: per setting (a list of pairs) of a knob's ``merged_when``, the one-hot moves (a
    column takes the values of the columns it stands for, which fall to 0) or the ordinal snap (a
    column's value maps to the value standing for it, linearly between the listed values), weighted
    by how far the setting holds: exact at 0 and 1, as for the rules. Merges come first.
    """

    def __init__(self, rules: list[tuple[list[Pair], list[Pair], list[list[Pair]]]],
                 merges: list[tuple[list[Pair], list[Move], list[Snap]]] = ()):
        super().__init__()
        self.rules = rules
        self.merges = list(merges)
        self.transform_on_train = True
        self.transform_on_eval = True
        self.transform_on_fantasize = True

    def transform(self, X: torch.Tensor) -> torch.Tensor:
        held = list(X.unbind(-1))  # one tensor per column, replaced (never changed in place: autograd)

        def holds(column: int, on: float) -> torch.Tensor:
            return X[..., column] if on else 1 - X[..., column]

        def met(setting: list[Pair]) -> torch.Tensor:
            product = torch.ones_like(X[..., 0])
            for column, on in setting:
                product = product * holds(column, on)
            return product

        for setting, moves, snaps in self.merges:
            weight = met(setting)
            for column, others in moves:
                for other in others:
                    held[column] = held[column] + weight * held[other]
                    held[other] = held[other] * (1 - weight)
            for column, values, stand_ins in snaps:
                mapped = _piecewise_linear(held[column], values, stand_ins)
                held[column] = held[column] + weight * (mapped - held[column])
        for targets, conditions, idle_settings in self.rules:
            acts = torch.ones_like(X[..., 0])
            if conditions:
                for column, on in conditions:
                    acts = acts * (1 - holds(column, on))
                acts = 1 - acts
            for setting in idle_settings:
                acts = acts * (1 - met(setting))
            for column, value in targets:
                held[column] = held[column] + (1 - acts) * (value - held[column])
        return torch.stack(held, dim=-1)


def _piecewise_linear(x: torch.Tensor, xs: list[float], ys: list[float]) -> torch.Tensor:
    """The function through the points (``xs``, ``ys``), ``xs`` increasing, flat beyond them."""
    knots = torch.tensor(xs, dtype=x.dtype, device=x.device)
    values = torch.tensor(ys, dtype=x.dtype, device=x.device)
    right = torch.searchsorted(knots, x.detach().contiguous()).clamp(1, len(xs) - 1)
    x0, x1, y0, y1 = knots[right - 1], knots[right], values[right - 1], values[right]
    return y0 + (y1 - y0) * ((x.clamp(xs[0], xs[-1]) - x0) / (x1 - x0))


class WarmStartSingleTaskGP(SingleTaskGP):
    """``SingleTaskGP`` (same kernel, priors and transforms as Ax's default) whose marginal
    likelihood fit is capped at ``COLD_FIT_MAXITER`` L-BFGS-B iterations, or ``WARM_FIT_MAXITER``
    when it starts from the hyperparameters of a previous fit on a prefix of its data, and whose
    posterior at single points skips GPyTorch's lazy distributions (``fast_posterior``), whose
    inputs pass through ``InactiveInputs`` first when there are ``inactive_inputs`` rules, and whose
    kernel is a sub-sequence string kernel over ``sequence_columns`` (per sequence knob, per
    position, its one-hot columns) times the default kernel over the other inputs.
    """

    def __init__(
        self,
        train_X: torch.Tensor,
        train_Y: torch.Tensor,
        train_Yvar: torch.Tensor | None = None,
        likelihood: Likelihood | None = None,
        covar_module: Module | None = None,
        mean_module: Mean | None = None,
        outcome_transform: OutcomeTransform | _DefaultType | None = DEFAULT,
        input_transform: InputTransform | None = None,
        fast_posterior: bool = True,
        inactive_inputs: InactiveInputs | None = None,
        sequence_columns: list[list[list[int]]] | None = None,
        warm_start: dict[str, torch.Tensor] | None = None,
    ):
        # Named arguments, not *args: Ax reads the signature to see which submodules it may pass.
        outputs = train_Y.shape[-1]
        batch_shape = train_X.shape[:-2] + (torch.Size([outputs]) if outputs > 1 else torch.Size())
        if sequence_columns:
            covar_module = sequence_covariance(train_X.shape[-1], sequence_columns, batch_shape)
        if inactive_inputs is not None and input_transform is not None:
            input_transform = ChainedInputTransform(inactive=inactive_inputs, given=input_transform)
        elif inactive_inputs is not None:
            input_transform = inactive_inputs
        super().__init__(
            train_X, train_Y, train_Yvar, likelihood, covar_module, mean_module, outcome_transform, input_transform
        )
        if sequence_columns:
            # BoTorch subsets the outputs of its own kernel only: every parameter here leads with
            # the output batch dimension too.
            self._subset_batch_dict = {
                "mean_module.raw_constant": -1,
                **({"likelihood.noise_covar.raw_noise": -2} if train_Yvar is None else {}),
                **{f"covar_module.{name}": -p.dim() for name, p in self.covar_module.named_parameters()},
            }
        self.fast_posterior = fast_posterior
        self._warm_start = warm_start  # hyperparameters to start the fit from (see _inputs_with_warm_start)

    @classmethod
    def construct_inputs(
        cls,
        training_data: SupervisedDataset,
        *,
        fast_posterior: bool = True,
        inactive_inputs: list[dict[str, Any]] | None = None,
        sequence_inputs: list[list[list[str]]] | None = None,
    ) -> dict[str, Any]:
        """BoTorch's inputs, with ``inactive_inputs`` rules named by feature ({"hold": [(feature,
        value), ...], "when": [(feature, 1 or 0), ...], "idle": [[(feature, 1 or 0), ...], ...],
        "merge": [{"where": [(feature, 1 or 0), ...], "move": [(feature, [feature, ...]), ...]} or
        {"where": ..., "snap": (feature, [(value, standing value), ...])}, ...]}) turned into an
        ``InactiveInputs``, and
        ``sequence_inputs`` (per sequence knob, per position, its features in value order) into
        the kernel's columns."""
        inputs = {**super().construct_inputs(training_data), "fast_posterior": fast_posterior}
        column = {name: i for i, name in enumerate(training_data.feature_names)}
        if sequence_inputs:
            inputs["sequence_columns"] = [[[column[name] for name in position] for position in sequence]
                                          for sequence in sequence_inputs]
        if inactive_inputs:
            def pairs(setting: list[tuple[str, float]]) -> list[Pair]:
                return [(column[name], float(on)) for name, on in setting]

            rules = [(pairs(rule["hold"]), pairs(rule["when"]), [pairs(s) for s in rule.get("idle", [])])
                     for rule in inactive_inputs]
            merges = [(pairs(merge["where"]),
                       [(column[name], [column[o] for o in others]) for name, others in merge.get("move", [])],
                       [(column[name], [x for x, _ in points], [y for _, y in points])
                        for name, points in ([merge["snap"]] if "snap" in merge else [])])
                      for rule in inactive_inputs for merge in rule.get("merge", [])]
            inputs["inactive_inputs"] = InactiveInputs(rules, merges)
        return inputs

    def subset_output(self, idcs: list[int]) -> WarmStartSingleTaskGP:
        """BoTorch's subset (Ax keeps only the outputs its acquisition needs), with the raw training
        inputs subset too: BoTorch leaves them at all outputs, which breaks conditioning the subset
        on pending points (the kriging believer) and a later switch back to train mode."""
        subset = super().subset_output(idcs)
        original = getattr(self, "_original_train_inputs", None)
        if original is not None and original.dim() > 2 and original.shape[-3] == self._num_outputs:
            subset._original_train_inputs = original[..., idcs, :, :]
        return subset

    def custom_fit(
        self,
        mll: MarginalLogLikelihood,
        closure: Any = None,
        closure_kwargs: dict[str, Any] | None = None,
        optimizer_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> MarginalLogLikelihood:
        current = self.state_dict()
        warm = {k: v for k, v in (self._warm_start or {}).items() if k in current and current[k].shape == v.shape}
        self._warm_start = None  # used once: a refit starts from its own hyperparameters
        if warm:
            self.load_state_dict(warm, strict=False)
        maxiter = WARM_FIT_MAXITER if warm else COLD_FIT_MAXITER
        optimizer_kwargs = dict(optimizer_kwargs or {})
        options = dict(optimizer_kwargs.get("options") or {})
        if maxiter:
            options.setdefault("maxiter", maxiter)
        optimizer_kwargs["options"] = options
        _fit_fallback(mll, closure=closure, closure_kwargs=closure_kwargs, optimizer_kwargs=optimizer_kwargs, **kwargs)
        return mll

    def posterior(
        self,
        X: torch.Tensor,
        output_indices: list[int] | None = None,
        observation_noise: bool | torch.Tensor = False,
        posterior_transform: Any = None,
    ) -> Posterior:
        """BoTorch's posterior; at single points of a fitted multi-output model, computed directly."""
        self.eval()
        if (
            not self.fast_posterior
            or X.shape[-2] != 1
            or output_indices is not None
            or observation_noise is not False
            or posterior_transform is not None
            or self._num_outputs < 2
            or len(self._input_batch_shape) > 0
            or self.prediction_strategy is None  # GPyTorch builds its caches on the first call
        ):
            return super().posterior(X, output_indices, observation_noise, posterior_transform)
        Xt = self.transform_inputs(X).unsqueeze(-3)  # batch x 1 (outputs) x 1 x d
        with gpt_posterior_settings():
            strategy = self.prediction_strategy
            cross = self.covar_module(Xt, self.train_inputs[0]).to_dense()  # batch x m x 1 x n
            mean = self.mean_module(Xt) + (cross @ strategy.mean_cache.unsqueeze(-1)).squeeze(-1)
            # GPyTorch's predictive variance: prior minus the squared norm of cross @ root(K^-1).
            variance = self.covar_module(Xt, diag=True) - (cross @ strategy.covar_cache).pow(2).sum(-1)
        variance = variance.clamp_min(gpytorch_settings.min_variance.value(variance.dtype))
        posterior: Posterior = IndependentNormalPosterior(mean.transpose(-1, -2), variance.transpose(-1, -2))
        if hasattr(self, "outcome_transform"):
            posterior = self.outcome_transform.untransform_posterior(posterior, X=X)
        return posterior


@submodel_input_constructor.register(WarmStartSingleTaskGP)
def _inputs_with_warm_start(
    botorch_model_class: type[Model],
    model_config: ModelConfig,
    dataset: SupervisedDataset,
    search_space_digest: SearchSpaceDigest,
    surrogate: Surrogate,
) -> dict[str, Any]:
    """Ax's inputs for the GP, with ``warm_start``: the hyperparameters of the model ``surrogate``
    fitted to the same outcomes before, when its training inputs are a prefix of ``dataset``'s
    (the same campaign, a few trials later: Ax orders the training data by trial)."""
    inputs = submodel_input_constructor.dispatch(SingleTaskGP)(
        botorch_model_class, model_config, dataset, search_space_digest, surrogate
    )
    outcomes = tuple(dataset.outcome_names)
    previous, data = surrogate._submodels.get(outcomes), surrogate._last_datasets.get(outcomes)
    if previous is not None and data is not None and _is_prefix(data.X, dataset.X):
        inputs["warm_start"] = {k: v.detach().clone() for k, v in previous.named_parameters()}
    return inputs
