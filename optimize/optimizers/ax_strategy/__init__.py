"""A cheaper Ax generation strategy for rtlbo's campaigns.

The shape is Ax's own (center point, Sobol initialization, then BoTorch's modular model with a
hypervolume acquisition for several objectives); what changes is the cost of each BO step,
measured by benchmarks/bo_overhead.py, and the size of the initialization
(benchmarks/sample_efficiency.py):

- where Ax picks qLogNEHVI, each candidate is scored by qLogEHVI against the front of the
  posterior mean at the observed and pending points, with the GP conditioned on the pending
  points at that mean (a kriging believer). rtlbo's outcomes are deterministic, so the noisy
  variant's per-sample fronts are the observed front again; the
  believer needs one box decomposition per candidate instead of one per MC sample and per
  pending point, and scores the candidate alone (q=1) instead of jointly with the pending ones;
- the acquisition draws ``MC_SAMPLES`` quasi-MC samples instead of 128;
- the acquisition optimizer runs fewer restarts and raw samples (``NUM_RESTARTS``,
  ``RAW_SAMPLES``), fewer alternating rounds over the discrete knobs, fewer L-BFGS-B
  iterations per continuous step and fewer starting points sprayed around each point of the
  front (``MIXED_OPTIONS``), and it alternates between the discrete and the continuous knobs even
  where Ax would enumerate up to ten discrete combinations with a full continuous optimization each
  (minutes per proposal beside a sequence knob, once screening leaves few discrete knobs);
- Ax feeds a sequence's positions (and any unordered choice of three or more values) one-hot and
  optimizes them relaxed to numbers in [0, 1], then rounds; a climb over the choices themselves
  follows from the candidate, one value changed a step (``_climb``, BOiLS's local search), and the
  point it reaches is proposed where it scores higher;
- BoTorch starts after ``initialization_trials`` Sobol points (Ax's rule for a known budget);
- while the campaign asks (``probing``), a candidate whose flow it knows (a trial measured it, or
  synthesis gives netlists a trial measured: many ABC sequences converge on one netlist) gives way
  to the best of the points the acquisition optimizer scored on its way whose flow is new; the
  candidates passed over are scored as worthless in every later generation, like points already
  seen, and never told to the model;
- the GP (``gp_model.WarmStartSingleTaskGP``) caps its marginal likelihood fit, warm-starts it
  from the previous fit's hyperparameters when the training data only grew (a running campaign),
  computes the posterior at single points without GPyTorch's lazy distributions, holds
  conditional knobs at their defaults where they do not act (the space's ``active_when``), and
  models sequence knobs with BOiLS's sub-sequence string kernel (``ssk``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any

import torch
from ax.adapter.base import clamp_observation_features
from ax.adapter.registry import Generators
from ax.adapter.torch import TorchAdapter
from ax.adapter.transforms.one_hot import OH_PARAM_INFIX
from ax.core.experiment_status import ExperimentStatus
from ax.core.observation import ObservationFeatures
from ax.core.trial_status import TrialStatus
from ax.exceptions.generation_strategy import GenerationStrategyRepeatedPoints
from ax.generation_strategy.center_generation_node import CenterGenerationNode
from ax.generation_strategy.dispatch_utils import calculate_num_initialization_trials, get_derelativize_config
from ax.generation_strategy.generation_strategy import GenerationNode, GenerationStrategy
from ax.generation_strategy.generator_spec import GeneratorSpec
from ax.generation_strategy.transition_criterion import MaxTrialsAwaitingData, MinTrials
from ax.generators.torch.botorch_modular import acquisition as ax_acquisition
from ax.generators.torch.botorch_modular.acquisition import Acquisition
from ax.generators.torch.botorch_modular.surrogate import ModelConfig, SurrogateSpec
from ax.storage.botorch_modular_registry import register_acquisition, register_model
from botorch.acquisition.acquisition import AcquisitionFunction
from botorch.acquisition.multi_objective import logei
from botorch.acquisition.multi_objective.logei import (
    qLogExpectedHypervolumeImprovement,
    qLogNoisyExpectedHypervolumeImprovement,
)
from botorch.acquisition.multi_objective.monte_carlo import (
    qExpectedHypervolumeImprovement,
    qNoisyExpectedHypervolumeImprovement,
)
from botorch.models.model import Model
from botorch.sampling.normal import SobolQMCNormalSampler
from botorch.utils.constraints import get_outcome_constraint_transforms
from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning
from botorch.utils.multi_objective.pareto import is_non_dominated
from gpytorch import settings as gpytorch_settings

from optimize.optimizers.ax_strategy.gp_model import InactiveInputs, WarmStartSingleTaskGP

# BoTorch JIT-compiles a fused C++ log-EI kernel (torch.utils.cpp_extension, under a file lock in
# the torch extensions cache) the first time a log-EI acquisition is built; a campaign killed
# meanwhile leaves the lock and every later one waits on it forever. Marking the load as already
# attempted keeps BoTorch on its pure-PyTorch path: no compiler, no lock (benchmarks/bo_overhead.py
# --fused-kernel measures what the kernel would save).
logei._load_attempted = True

# -- settings measured with benchmarks/bo_overhead.py -----------------------------------------------
MC_SAMPLES = 8
NUM_RESTARTS = 4
RAW_SAMPLES = 64
MIXED_OPTIONS: dict[str, Any] = {"maxiter_alternating": 3, "maxiter_continuous": 4, "num_spray_points": 8}
SOBOL_DRAWS = 200  # see _sobol_spec
CLIMB_STEPS = 6  # steps of the climb over the choices from Ax's candidate (``FastAcquisition.optimize``)
PROBES = 16  # questions one ask of the optimizer (a batch) may put to the campaign (``probing``)
RUNNERS_UP = 64  # distinct points scored on the way that may take a known candidate's place
WORTHLESS = -1e9  # the acquisition value of a point already seen

# Acquisition functions whose BoTorch input constructor takes ``mc_samples``.
_MC_ACQFS = (
    qLogNoisyExpectedHypervolumeImprovement,
    qNoisyExpectedHypervolumeImprovement,
    qLogExpectedHypervolumeImprovement,
    qExpectedHypervolumeImprovement,
)


_NOISY_ACQFS = (qLogNoisyExpectedHypervolumeImprovement, qNoisyExpectedHypervolumeImprovement)


class _Unseen(AcquisitionFunction):
    """An acquisition function that scores a point already observed or pending as worthless: a
    trial's outcome is deterministic, so measuring its configuration again teaches nothing, yet
    on discrete knobs the acquisition optimizer lands on such points again and again (the GP's
    inferred noise leaves them some value). Points are compared as the GP sees them, knobs idle
    where their conditions do not hold at their defaults (``gp_model.InactiveInputs``)."""

    def __init__(self, acqf: AcquisitionFunction, seen: torch.Tensor):
        super().__init__(model=acqf.model)
        self.acqf = acqf
        self.held = next((m for m in acqf.model.modules() if isinstance(m, InactiveInputs)), None)
        self.rounding: Callable[[torch.Tensor], torch.Tensor] | None = None  # Ax's, for relaxed choices
        self.seen = self._held(seen)
        self.scored: list[tuple[torch.Tensor, torch.Tensor]] = []  # single points scored: (rounded X, value)

    def _rounded(self, X: torch.Tensor) -> torch.Tensor:
        return X if self.rounding is None else self.rounding(X.reshape(-1, X.shape[-1])).reshape(X.shape)

    def _held(self, X: torch.Tensor) -> torch.Tensor:
        return X if self.held is None else self.held.transform(X)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        value = self.acqf(X)
        rounded = self._rounded(X)
        # X: batch x q x d against seen: n x d; a batch holding any seen point is worthless.
        repeated = ((self._held(rounded).unsqueeze(-2) - self.seen).abs() <= 1e-6).all(-1).any(-1).any(-1)
        value = torch.where(repeated, torch.full_like(value, WORTHLESS), value)
        if X.shape[-2] == 1:
            self.scored.append((rounded.detach().reshape(-1, X.shape[-1]), value.detach().reshape(-1)))
        return value

    @property
    def X_pending(self) -> torch.Tensor | None:
        return self.acqf.X_pending

    def set_X_pending(self, X_pending: torch.Tensor | None = None) -> None:
        self.acqf.set_X_pending(X_pending)

    def keys(self, X: torch.Tensor) -> list[tuple[float, ...]]:
        """The identities of points (n x d) as the GP sees them (idle knobs at their defaults)."""
        return [_point_key(x) for x in self._held(X)]

    def runners_up(self, taken: torch.Tensor) -> torch.Tensor:
        """Return up to ``RUNNERS_UP`` points (rounded) that were scored on the way, distinct as the
        GP sees them, and neither seen nor in ``taken``, best first; forget the points scored."""
        if not self.scored:
            return taken[:0]
        X, value = (torch.cat(parts) for parts in zip(*self.scored, strict=True))
        self.scored = []
        order = torch.argsort(value, descending=True)
        order = order[value[order] > WORTHLESS / 2]
        taken_keys, distinct = set(self.keys(taken)), []
        for index, key in zip(order.tolist(), self.keys(X[order]), strict=True):
            if len(distinct) == RUNNERS_UP:
                break
            if key not in taken_keys:
                taken_keys.add(key)
                distinct.append(X[index])
        return torch.stack(distinct) if distinct else taken[:0]

    def beside(self, X: torch.Tensor, passed: torch.Tensor) -> torch.Tensor:
        """Return the acquisition values of the points ``X`` (n x d) with the GP conditioned on the
        points ``passed`` at its posterior mean, as the believer holds pending points (a point near
        one of them has less left to gain); the values as they are for an acquisition function of
        another kind. (Held pending instead, each point would be scored jointly with all of them,
        at a cost exponential in their number for a hypervolume improvement.)"""
        model = self.acqf.model
        with torch.no_grad():
            if isinstance(self.acqf, qLogExpectedHypervolumeImprovement):
                self.acqf.model = _believing(model, passed, model.posterior(passed).mean)
            try:
                return self.acqf(X.unsqueeze(-2))
            finally:
                self.acqf.model = model


def _believing(model: Model, X: torch.Tensor, believed: torch.Tensor) -> Model:
    """Return ``model`` conditioned on outcomes ``believed`` at the points ``X`` (the kriging
    believer), with the least noise GPyTorch allows."""
    noise = torch.full_like(believed, gpytorch_settings.min_fixed_noise.value(believed.dtype))
    return model.condition_on_observations(X, believed, noise=noise)


def _point_key(x: torch.Tensor) -> tuple[float, ...]:
    """A point's identity up to float noise."""
    return tuple(torch.round(x * 1e6).tolist())


class FastAcquisition(Acquisition):
    """Ax's ``Acquisition`` with the believer qLogEHVI and a smaller MC sample count.

    Ax still picks the BoTorch acquisition function per call (qLogNEHVI for 2-4 objectives,
    qLogProbabilityOfFeasibility while no observed point is feasible). With
    ``options["believer"]`` qLogNEHVI becomes ``_believer_ehvi``; otherwise
    ``options["mc_samples"]`` is added for the classes whose input constructor accepts it, and the
    noisy ones get ``incremental_nehvi=False``. ``options["climb"]`` (default on) climbs over the
    one-hot choices after Ax's optimizer (``optimize``).
    """

    def optimize(self, n: int, search_space_digest: Any, *args: Any, rounding_func: Any = None,
                 **kwargs: Any) -> Any:
        """Ax's ``optimize``, alternating where Ax would enumerate the discrete combinations; a
        point already seen is recognized after Ax's rounding of relaxed choices (``rounding_func``).
        Ax relaxes the choices it feeds one-hot (the positions of a sequence) to numbers in [0, 1]
        and rounds the optimum; a climb over the choices themselves follows from the candidate
        (``_climb``), and the point it reaches takes the candidate's place where it scores higher.
        While the campaign probes, a candidate whose flow is known gives way to a runner-up
        (``probing``)."""
        if isinstance(self.acqf, _Unseen):
            self.acqf.rounding = rounding_func
        with _alternating_optimizer():
            candidates, values, weights = super().optimize(n, search_space_digest, *args,
                                                           rounding_func=rounding_func, **kwargs)
        fixed = kwargs.get("fixed_features") or {}
        groups = [g for g in _choice_groups(search_space_digest.feature_names) if not fixed.keys() & set(g)]
        if groups and n == 1 and self.options.get("climb", True):
            point, value = _climb(self.acqf, candidates, groups)
            if value > values.reshape(-1)[0]:
                candidates, values = point.unsqueeze(0), value.reshape(values.shape)
        if _probing is not None and isinstance(self.acqf, _Unseen):
            candidates, values = _probing.pass_over_known(candidates, values, self.acqf)
        return candidates, values, weights

    def _construct_botorch_acquisition(
        self,
        botorch_acqf_class: type[AcquisitionFunction],
        botorch_acqf_options: dict[str, Any],
        model: Model,
    ) -> AcquisitionFunction:
        acqf = self._acquisition(botorch_acqf_class, botorch_acqf_options, model)
        passed = None if _probing is None else _probing.passed_inputs()
        seen = [X for X in (self.X_observed, self.X_pending, passed) if X is not None and len(X)]
        return _Unseen(acqf, torch.cat(seen)) if seen else acqf

    def _acquisition(self, botorch_acqf_class: type[AcquisitionFunction], botorch_acqf_options: dict[str, Any],
                     model: Model) -> AcquisitionFunction:
        """The acquisition function Ax's choice becomes (class docstring)."""
        mc_samples = self.options.get("mc_samples")
        if self.options.get("believer") and issubclass(botorch_acqf_class, qLogNoisyExpectedHypervolumeImprovement):
            return self._believer_ehvi(model, int(mc_samples or 128))
        if (
            mc_samples is not None
            and issubclass(botorch_acqf_class, _MC_ACQFS)
            and "mc_samples" not in botorch_acqf_options
            and "sampler" not in botorch_acqf_options
        ):
            botorch_acqf_options = {**botorch_acqf_options, "mc_samples": int(mc_samples)}
        if issubclass(botorch_acqf_class, _NOISY_ACQFS):
            botorch_acqf_options = {"incremental_nehvi": False, **botorch_acqf_options}
        return super()._construct_botorch_acquisition(
            botorch_acqf_class=botorch_acqf_class, botorch_acqf_options=botorch_acqf_options, model=model
        )

    def _believer_ehvi(self, model: Model, mc_samples: int) -> AcquisitionFunction:
        """qLogEHVI over the front of the posterior mean at the observed and pending points.

        The outcomes are deterministic (reported with SEM 0), so the front under the posterior
        mean is the observed front; pending points are believed to come out at their posterior
        mean (the kriging believer): they join the front, and the GP is conditioned on them, so
        a candidate at or near a pending point has little left to gain. Each candidate is scored
        alone (q=1) against one box decomposition.
        """
        objective, _ = self.get_botorch_objective_and_transform(
            botorch_acqf_class=qLogExpectedHypervolumeImprovement,
            model=model,
            objective_weights=self._objective_weights,
            outcome_constraints=self._outcome_constraints,
            X_observed=self.X_observed,
        )
        constraints = get_outcome_constraint_transforms(self._outcome_constraints)
        X = self.X_observed if self.X_pending is None else torch.cat([self.X_observed, self.X_pending])
        with torch.no_grad():
            mean = model.posterior(X).mean
        if self.X_pending is not None:
            model = _believing(model, self.X_pending, mean[self.X_observed.shape[0] :])
        if constraints:
            feasible = torch.stack([c(mean) <= 0 for c in constraints], dim=-1).all(dim=-1)
            X, mean = X[feasible], mean[feasible]
        Y = objective(mean)
        ref_point = self._objective_thresholds
        acqf = qLogExpectedHypervolumeImprovement(
            model=model,
            ref_point=ref_point,
            partitioning=FastNondominatedPartitioning(ref_point=ref_point, Y=Y),
            sampler=SobolQMCNormalSampler(sample_shape=torch.Size([mc_samples])),
            objective=objective,
            constraints=constraints,
        )
        # The mixed optimizer starts from neighbours of X_baseline (all training points otherwise).
        acqf.X_baseline = X[is_non_dominated(Y)]
        return acqf


def _choice_groups(feature_names: list[str]) -> list[list[int]]:
    """The model's inputs of each choice Ax feeds one-hot (``<name>_OH_PARAM_<i>``: a sequence's
    position, an unordered choice of three or more values), as column groups."""
    groups: dict[str, list[int]] = {}
    for column, name in enumerate(feature_names):
        choice, infix, _ = name.rpartition(OH_PARAM_INFIX)
        if infix:
            groups.setdefault(choice, []).append(column)
    return list(groups.values())


def _neighbours(X: torch.Tensor, groups: list[list[int]]) -> torch.Tensor:
    """The points (n x m x d) that differ from each of ``X`` (n x d, one value hot per group) in one
    choice: another value of one group hot."""
    rows = []
    for group in groups:
        for column in group:
            Y = X.clone()
            Y[:, group] = 0.0
            Y[:, column] = 1.0
            rows.append(torch.where((X[:, column] == 1.0).unsqueeze(-1), torch.nan, Y))
    Y = torch.stack(rows, dim=1)  # n x (values of all groups) x d, the points themselves as NaN rows
    return Y[~Y.isnan().any(-1)].reshape(len(X), -1, X.shape[-1])


def _climb(acqf: AcquisitionFunction, starts: torch.Tensor,
           groups: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Climb from each of ``starts`` (n x d, those with one value hot per group) over the choices of
    ``groups``, as BOiLS's local search does over a sequence: each step moves every point to its
    best neighbour (one choice changed, ``_neighbours``) where that scores higher, at most
    ``CLIMB_STEPS`` steps. Return the best point reached and its value."""
    starts = starts[torch.stack([starts[:, group].sum(-1) == 1.0 for group in groups]).all(0)]
    if not len(starts):
        return starts, torch.tensor(float("-inf"))
    with torch.no_grad():
        points, values = starts.clone(), acqf(starts.unsqueeze(-2)).reshape(-1)
        for _ in range(CLIMB_STEPS):
            neighbours = _neighbours(points, groups)
            scores = acqf(neighbours.reshape(-1, 1, points.shape[-1])).reshape(neighbours.shape[:2])
            best, where = scores.max(dim=-1)
            better = best > values
            if not better.any():
                break
            points[better] = neighbours[better, where[better]]
            values[better] = best[better]
    top = int(values.argmax())
    return points[top], values[top]


@contextmanager
def _alternating_optimizer() -> Iterator[None]:
    """Make Ax choose ``optimize_acqf_mixed_alternating`` wherever it would choose
    ``optimize_acqf_mixed`` (Ax has no option for it; the generation runs in one thread)."""
    choose = ax_acquisition.determine_optimizer

    def alternating(*args: Any, **kwargs: Any) -> str:
        optimizer = choose(*args, **kwargs)
        return "optimize_acqf_mixed_alternating" if optimizer == "optimize_acqf_mixed" else optimizer

    ax_acquisition.determine_optimizer = alternating
    try:
        yield
    finally:
        ax_acquisition.determine_optimizer = choose


@dataclass
class _Probing:
    """What the campaign knows while Ax generates (``probing``): ``known`` tells from a point's Ax
    parameters whether its flow was measured; ``passed`` holds the parameters of every candidate
    passed over so far."""

    known: Callable[[dict[str, Any]], bool]
    passed: list[dict[str, Any]]
    adapter: TorchAdapter | None = None  # the one generating now
    probes: int = 0

    def parameters(self, X: torch.Tensor) -> list[dict[str, Any]]:
        """Ax's parameters of points in the model's inputs, as the adapter would propose them."""
        assert self.adapter is not None, "parameters are decoded while an adapter generates"
        features = self.adapter._array_to_observation_features(X.detach().cpu().numpy(), None)
        for transform in reversed(list(self.adapter.transforms.values())):
            features = transform.untransform_observation_features(features)
        return [f.parameters for f in clamp_observation_features(features, self.adapter._search_space)]

    def passed_inputs(self) -> torch.Tensor | None:
        """The candidates passed over, in the model's inputs (None when there are none)."""
        if not self.passed:
            return None
        assert self.adapter is not None, "parameters are encoded while an adapter generates"
        return self.adapter.transform_observation_features([ObservationFeatures(parameters=dict(p))
                                                            for p in self.passed])

    def pass_over_known(self, candidates: torch.Tensor, values: torch.Tensor,
                        acqf: _Unseen) -> tuple[torch.Tensor, torch.Tensor]:
        """Give each candidate whose flow is known the place of a point scored on the way whose
        flow is new: the best of them with the GP conditioned on the points passed over so far
        (their neighbours, which often give the same netlists, lose the value they seemed to have). At
        most ``PROBES`` questions in all; a candidate with no such point to take its place stays, and
        is not counted as passed over."""
        chosen, chosen_values = list(candidates), list(values.reshape(-1))
        passed: list[torch.Tensor] = []
        runners_up: list[tuple[torch.Tensor, tuple[float, ...]]] | None = None  # (point, key)
        for row in range(len(chosen)):
            if self._new(chosen[row]):
                continue
            own = len(self.passed) - 1  # the candidate's entry in ``passed``
            passed.append(chosen[row])
            if runners_up is None:
                points = acqf.runners_up(candidates)
                runners_up = list(zip(points, acqf.keys(points), strict=True))
            replaced = False
            while self.probes < PROBES and not replaced:
                taken = set(acqf.keys(torch.stack([*chosen, *passed])))
                left = [x for x, key in runners_up if key not in taken]
                if not left:
                    break
                value, best = acqf.beside(torch.stack(left), torch.stack(passed)).max(dim=0)
                if replaced := self._new(left[int(best)]):
                    chosen[row], chosen_values[row] = left[int(best)], value
                else:
                    passed.append(left[int(best)])
            if not replaced:
                del self.passed[own]  # it stays: a trial, not a candidate passed over
        return torch.stack(chosen), torch.stack(chosen_values).reshape(values.shape)

    def _new(self, X: torch.Tensor) -> bool:
        """Whether the flow of a point (model inputs) is new; a known one is passed over. Each
        question counts toward ``PROBES``; past them, every point counts as new."""
        if self.probes >= PROBES:
            return True
        self.probes += 1
        (parameters,) = self.parameters(X.unsqueeze(0))
        if not self.known(parameters):
            return True
        self.passed.append(parameters)
        return False


_probing: _Probing | None = None


@contextmanager
def probing(known: Callable[[dict[str, Any]], bool], passed: list[dict[str, Any]]) -> Iterator[None]:
    """While the campaign asks: a BoTorch candidate whose flow is ``known`` (given its Ax
    parameters) gives way to the best point the acquisition optimizer scored on its way whose flow
    is new (``_Probing.pass_over_known``). The candidates passed over join ``passed`` and are
    scored as worthless in every later generation; the model is told nothing of them and does not
    hold them pending (Ax would believe a pending point at its posterior mean, an optimistic guess
    at a flow whose outcome a trial measured). ``PROBES`` questions in all, whatever the number of
    generations (a batch generates one trial at a time)."""
    gen, own = TorchAdapter.gen, "gen" in vars(TorchAdapter)
    probe = _Probing(known, passed)

    @wraps(gen)  # Ax passes only the keywords gen's signature names
    def generating(adapter: TorchAdapter, *args: Any, **kwargs: Any) -> Any:
        global _probing
        probe.adapter, _probing = adapter, probe
        try:
            return gen(adapter, *args, **kwargs)
        finally:
            _probing = None

    TorchAdapter.gen = generating
    try:
        yield
    finally:
        if own:
            TorchAdapter.gen = gen
        else:
            del TorchAdapter.gen


# Register both classes so that Client.save_to_json_file / load_from_json_file can (de)serialize
# a generation strategy that names them (loading needs this module imported first).
register_model(WarmStartSingleTaskGP)
register_acquisition(FastAcquisition)


def _sobol_spec(seed: int | None, **kwargs: Any) -> GeneratorSpec:
    """Ax's Sobol generator, drawing again a point already measured at most ``SOBOL_DRAWS`` times:
    Ax's 10 000 draws take minutes to find that a small space has no configuration left (then it
    raises SearchSpaceExhausted: the optimizer has nothing more to propose)."""
    return GeneratorSpec(generator_enum=Generators.SOBOL, generator_kwargs={"seed": seed},
                         generator_gen_kwargs={"model_gen_options": {"max_rs_draws": SOBOL_DRAWS}}, **kwargs)


def _sobol_node(seed: int, budget: int) -> GenerationNode:
    """Ax's own Sobol node (``configure_generation_strategy``'s defaults): ``budget`` trials,
    at least half of them observed before BO starts, attached trials counted."""
    not_failed = [TrialStatus.FAILED, TrialStatus.ABANDONED]
    return GenerationNode(
        name="Sobol",
        generator_specs=[_sobol_spec(seed)],
        transition_criteria=[
            MinTrials(threshold=budget, transition_to="MBM", use_all_trials_in_exp=True, not_in_statuses=not_failed),
            MinTrials(
                threshold=max(1, budget // 2),
                transition_to="MBM",
                use_all_trials_in_exp=True,
                only_in_statuses=[TrialStatus.COMPLETED],
                count_only_trials_with_data=True,
            ),
        ],
        pausing_criteria=[
            MaxTrialsAwaitingData(threshold=budget, not_in_statuses=not_failed, use_all_trials_in_exp=True)
        ],
        should_deduplicate=True,
        suggested_experiment_status=ExperimentStatus.INITIALIZATION,
    )


def build_generation_strategy(
    seed: int,
    torch_device: str | None = None,
    initialization_budget: int | None = None,
    *,
    mc_samples: int | None = MC_SAMPLES,
    num_restarts: int = NUM_RESTARTS,
    raw_samples: int = RAW_SAMPLES,
    mixed_options: dict[str, Any] | None = None,
    fast_fit: bool = True,
    fast_posterior: bool = True,
    botorch_acqf_options: dict[str, Any] | None = None,
    believer: bool = True,
    climb: bool = True,
    inactive_inputs: list[dict[str, Any]] | None = None,
    sequence_inputs: list[list[list[str]]] | None = None,
    name: str = "Center+Sobol+MBM:rtlbo-fast",
) -> GenerationStrategy:
    """``fast_generation_strategy`` with every lever exposed (for benchmarks/bo_overhead.py).
    ``inactive_inputs`` and ``sequence_inputs`` (``optimize.optimizers.ax``) need ``fast_fit``."""
    budget = 5 if initialization_budget is None else int(initialization_budget)
    options = dict(MIXED_OPTIONS if mixed_options is None else mixed_options)
    optimizer_kwargs: dict[str, Any] = {"num_restarts": num_restarts, "raw_samples": raw_samples}
    if options:
        optimizer_kwargs["options"] = options
    model_options: dict[str, Any] = {"fast_posterior": fast_posterior}
    if inactive_inputs:
        model_options["inactive_inputs"] = inactive_inputs
    if sequence_inputs:
        model_options["sequence_inputs"] = sequence_inputs
    model_config = (
        ModelConfig(
            botorch_model_class=WarmStartSingleTaskGP,
            model_options=model_options,
            name="WarmStartSingleTaskGP",
        )
        if fast_fit
        else ModelConfig(name="MBM defaults")
    )
    generator_kwargs: dict[str, Any] = {
        "surrogate_spec": SurrogateSpec(model_configs=[model_config]),
        "torch_device": None if torch_device is None else torch.device(torch_device),
        "transform_configs": get_derelativize_config(derelativize_with_raw_status_quo=True),
        "acquisition_class": FastAcquisition,
        "acquisition_options": {**({"mc_samples": mc_samples} if mc_samples else {}), "believer": believer,
                                "climb": climb},
    }
    if botorch_acqf_options:
        generator_kwargs["botorch_acqf_options"] = botorch_acqf_options
    mbm = GenerationNode(
        name="MBM",
        generator_specs=[
            GeneratorSpec(
                generator_enum=Generators.BOTORCH_MODULAR,
                generator_kwargs=generator_kwargs,
                generator_gen_kwargs={"model_gen_options": {"optimizer_kwargs": optimizer_kwargs}},
            )
        ],
        should_deduplicate=True,
        # Where BoTorch proposes only points already measured, Ax falls back on Sobol.
        fallback_specs={GenerationStrategyRepeatedPoints: _sobol_spec(None, generator_key_override="Fallback_Sobol")},
        suggested_experiment_status=ExperimentStatus.OPTIMIZATION,
    )
    nodes: list[GenerationNode] = [mbm]
    if budget > 1:
        nodes.insert(0, _sobol_node(seed, budget))
    if budget > 0:
        nodes.insert(0, CenterGenerationNode(next_node_name=nodes[0].name, use_existing_trials_for_initialization=True))
    return GenerationStrategy(name=name, nodes=nodes)


def initialization_trials(num_knobs: int, budget: int | None) -> int:
    """Return the Sobol initialization size by Ax's own rule: twice the knobs (a sequence's
    positions counted one each, as Ax's parameters), at most a
    fifth of the campaign's budget, at least 5.

    Five initial points (Ax's Client default) are too few for a mostly discrete space: the GP then
    sees the baseline as the only good point and BoTorch keeps proposing its neighbours
    (benchmarks/sample_efficiency.py).
    """
    return calculate_num_initialization_trials(num_knobs, budget)


def fast_generation_strategy(
    seed: int,
    torch_device: str | None = None,
    initialization_budget: int | None = None,
    inactive_inputs: list[dict[str, Any]] | None = None,
    sequence_inputs: list[list[list[str]]] | None = None,
) -> GenerationStrategy:
    """Return Center + Sobol + BoTorch (believer qLogEHVI) with the cheaper settings measured above.

    ``initialization_budget`` counts the center point and attached trials, as in Ax's
    ``configure_generation_strategy`` (default 5); ``inactive_inputs`` are the space's conditional
    knobs (``optimize.optimizers.ax.ax_inactive_inputs``), ``sequence_inputs`` the inputs of its
    sequence knobs, which the GP models with a sub-sequence string kernel
    (``optimize.optimizers.ax.ax_sequence_inputs``).
    """
    return build_generation_strategy(seed, torch_device, initialization_budget, inactive_inputs=inactive_inputs,
                                     sequence_inputs=sequence_inputs)
