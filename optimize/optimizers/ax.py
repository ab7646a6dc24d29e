"""The default optimizer: Ax's ``Client`` (1.x API), multi-objective with outcome constraints.

The generation strategy is Ax's own shape (center point, Sobol initialization, then BoTorch with
a hypervolume acquisition for several objectives) with cheaper acquisition and fitting settings
(:mod:`optimize.optimizers.ax_strategy`). Objective thresholds are the campaign's reference point (the baseline flow by
default); constraint metrics become outcome constraints; tool failures are failed trials.

The space reaches Ax as its parameters (:func:`ax_parameters`, :func:`ax_constraints`; a sequence
knob as one choice per position), for the knobs that act only under some settings of others as
rules on the inputs of Ax's model (:func:`ax_inactive_inputs`), and for sequence knobs as the
inputs of a sub-sequence string kernel (:func:`ax_sequence_inputs`; option ``sequence_kernel``).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from objectives.errors import RtlboError
from optimize.optimizers.base import Optimizer, OptimizerOptions, Outcome, Problem
from search_spaces.space import Config, Knob, Scalar, SearchSpace


@contextmanager
def ax_importing() -> Iterator[None]:
    """Keep the INFO lines Ax logs while it is imported out of the output."""
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def quiet_ax() -> None:
    """Keep Ax's per-trial INFO logs and library warnings out of the campaign's output."""
    from ax.utils.common.logger import set_ax_logger_levels

    set_ax_logger_levels(logging.ERROR)
    for name in ("botorch", "gpytorch", "linear_operator"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"(ax|botorch|gpytorch|linear_operator)(\..*)?")
    warnings.filterwarnings("ignore", message=r".*To copy construct from a tensor.*")


class AxOptions(OptimizerOptions):
    """The ax optimizer's options."""

    torch_device: str | None = Field(None, description="torch device for the GP fit and acquisition, e.g. cuda")
    sequence_kernel: Literal["ssk", "categorical"] = Field(
        "ssk", description="the GP's covariance over a sequence knob: ssk (sub-sequence string kernel) or "
        "categorical (its positions as independent choices, like any other)")
    random_share: float = Field(
        0.25, ge=0.0, lt=1.0, description="the least share of the trials after the initialization drawn at random "
        "between the proposals (random interleaving); 0 leaves every trial to the model")

    def check(self, space: SearchSpace) -> None:
        with ax_importing():
            ax_inactive_inputs(space)
            if self.sequence_kernel == "ssk":
                ax_sequence_inputs(space)
        if self.torch_device is None:
            return
        import torch

        try:
            torch.empty(0, device=torch.device(self.torch_device))
        except (RuntimeError, AssertionError) as exc:
            raise RtlboError(f"'torch_device' {self.torch_device!r} cannot be used ({str(exc).splitlines()[0][:120]}); "
                             "give cpu or an available cuda device") from None


class AxOptimizer(Optimizer):
    name = "ax"
    Options = AxOptions
    options: AxOptions

    def __init__(self, problem: Problem, options: AxOptions | None = None):
        super().__init__(problem, options)
        with ax_importing():
            from ax.api.client import Client
        quiet_ax()

        self.client = Client(random_seed=problem.seed)
        self.client.configure_experiment(
            parameters=ax_parameters(self.space),
            parameter_constraints=ax_constraints(self.space) or None,
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

        init = initialization_trials(len(self.space.coordinates), problem.budget)
        self.initial_draws = init - 1  # the baseline is the first of the initialization's trials
        self.random_share = self.options.random_share
        idle = ax_inactive_inputs(self.space)
        sequences = ax_sequence_inputs(self.space) if self.options.sequence_kernel == "ssk" else []
        strategy = fast_generation_strategy(problem.seed, self.options.torch_device, init, inactive_inputs=idle,
                                            sequence_inputs=sequences)
        self.client.set_generation_strategy(strategy)
        self.strategy = strategy
        self._passed: list[dict[str, Any]] = []  # Ax's parameters of the candidates passed over (``probing``)

    def ask(self, n: int) -> list[tuple[int, Config]]:
        # Ax moves one node per generation: after trials were attached (a resumed campaign's
        # replay, a warm start's imports) it would still draw one Sobol point before BoTorch. Take
        # every transition the trials already allow first.
        self.strategy.current_generator_run_limit()
        from ax.exceptions.core import OptimizationComplete
        from ax.exceptions.generation_strategy import GenerationStrategyCompleted

        from optimize.optimizers.ax_strategy import probing

        known = self.known_flow
        try:
            with nullcontext() if known is None else probing(lambda p: known(self.space.complete(p)), self._passed):
                trials = self.client.get_next_trials(max_trials=n)
        except (OptimizationComplete, GenerationStrategyCompleted):  # every configuration measured or pending
            return []
        finally:
            self.passed_over = len(self._passed)
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
        index = self.client.attach_trial(self.space.by_coordinate(config))
        self.next_id = index + 1
        return index

    def save(self, folder: str) -> None:
        """Write Ax's experiment snapshot (readable by ``Client.load_from_json_file``)."""
        Path(folder).mkdir(parents=True, exist_ok=True)
        self.client.save_to_json_file(str(Path(folder) / "ax_client.json"))


def ax_parameters(space: SearchSpace) -> list[Any]:
    """Return Ax ``RangeParameterConfig``/``ChoiceParameterConfig`` for the tunable knobs, a
    sequence knob as one choice per position (:attr:`SearchSpace.coordinates`)."""
    from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig

    params: list[Any] = []
    for k in space.coordinates:
        if k.type in ("float", "int"):
            bounds = (float(k.low), float(k.high)) if k.type == "float" else (int(k.low), int(k.high))
            params.append(RangeParameterConfig(k.name, bounds, k.type, scaling="log" if k.log else None))
        elif k.type == "bool":
            params.append(ChoiceParameterConfig(k.name, [False, True], "bool"))
        else:
            kind = _value_type(k.choices)
            params.append(ChoiceParameterConfig(k.name, list(k.choices), kind, is_ordered=k.ordered))
    return params


def ax_constraints(space: SearchSpace) -> list[str]:
    """Return the space's linear constraints as Ax writes them (``1*a + 0.5*b <= 2``)."""
    return [" + ".join(f"{c:g}*{k}" for k, c in con.coefficients.items()) + f" <= {con.bound:g}"
            for con in space.constraints]


def ax_inactive_inputs(space: SearchSpace) -> list[dict[str, Any]]:
    """Return the conditional knobs' rules on the inputs of Ax's model (see
    ``optimize.optimizers.ax_strategy.gp_model.InactiveInputs``): per knob with ``active_when``,
    ``idle_when`` or ``merged_when``, its inputs with the values to hold them at, :meth:`Knob.conditions`
    as (input, 1 or 0) pairs, each ``idle_when`` setting as a list of such pairs, and each
    ``merged_when`` setting with what it moves: one-hot inputs into the input of the value that
    stands for them, or an ordered choice's input from each value's to the standing value's. Ax
    feeds a bool or a choice of two values as one 0/1 input, an unordered choice of more as one 0/1
    input per value, an ordered choice as its value (its place when not a number), a number as
    itself (log10 when log-scaled).

    Raises RtlboError for an ordered choice in a setting (Ax feeds it as one ordinal input).
    """
    def unordered(knob: Knob) -> Knob:
        if knob.ordered:
            raise RtlboError(f"knob '{knob.name}' is an ordered choice in an active_when, idle_when or merged_when "
                             "setting, which the ax optimizer cannot model; make it unordered or pick another "
                             "optimizer")
        return knob

    def one_hot(knob: Knob) -> list[str]:
        return _one_hot_inputs(unordered(knob))

    def indicator(knob: Knob, value: Scalar) -> tuple[str, float]:
        if knob.type == "bool" or len(knob.choices) == 2:  # one 0/1 input
            if _number_values(knob):
                unordered(knob)  # an ordered pair of numbers is fed as the numbers
            return (knob.name, float(_ax_order(knob.choices).index(value)))
        return (one_hot(knob)[knob.choices.index(value)], 1.0)

    def setting(values: dict[str, Scalar]) -> list[tuple[str, float]]:
        return [indicator(space.knob(name), v) for name, v in values.items()]

    rules = []
    for k in space.coordinates:
        if not (k.active_when or k.idle_when or k.merged_when):
            continue
        default = k.baseline()
        if k.type == "choice" and k.ordered:  # one input
            hold = [(k.name, _ordinal(k, default))]
        elif k.type == "choice" and len(k.choices) == 2:
            hold = [indicator(k, default)]
        elif k.type == "choice":
            hold = [(name, float(v == default)) for name, v in zip(one_hot(k), k.choices, strict=True)]
        else:
            hold = [(k.name, math.log10(default) if k.log else float(default))]
        merges = []
        for merge in k.merged_when:
            if k.ordered:
                points = [(_ordinal(k, v), _ordinal(k, merge.stand_in(v))) for v in _ax_order(k.choices)]
                moves = {"snap": (k.name, points)}
            else:
                inputs = dict(zip(k.choices, one_hot(k), strict=True))
                moves = {"move": [(inputs[group[0]], [inputs[v] for v in group[1:]]) for group in merge.values]}
            merges.append({"where": setting(merge.when), **moves})
        rules.append({"hold": hold, "when": [indicator(space.knob(name), v) for name, v in k.conditions()],
                      "idle": [setting(idle) for idle in k.idle_when], "merge": merges})
    return rules


def ax_sequence_inputs(space: SearchSpace) -> list[list[list[str]]]:
    """Return, per tunable sequence knob, the inputs of Ax's model that hold it: per position, the
    one-hot inputs of its values in the knob's order (the sub-sequence string kernel's columns, see
    ``optimize.optimizers.ax_strategy.ssk``).

    Raises RtlboError for a sequence of two values, which Ax feeds as one ordinal input per position.
    """
    sequences = []
    for k in space.tunable:
        if k.type != "sequence":
            continue
        if len(k.choices) == 2:
            raise RtlboError(f"sequence knob '{k.name}' has two values, which the ax optimizer's string kernel "
                             "cannot model; add a value or give the optimizer sequence_kernel: categorical")
        sequences.append([_one_hot_inputs(position) for position in k.coordinates()])
    return sequences


def _one_hot_inputs(knob: Knob) -> list[str]:
    """Return the inputs of Ax's model for an unordered choice knob of three or more values: one
    0/1 input per value, in the knob's order (Ax sorts numeric values before numbering them)."""
    from ax.adapter.transforms.one_hot import OH_PARAM_INFIX

    values = _ax_order(knob.choices)
    return [f"{knob.name}{OH_PARAM_INFIX}{values.index(v)}" for v in knob.choices]


def _ax_order(values: list[Scalar]) -> list[Scalar]:
    """Return choices in the order Ax numbers them: strings as given, numbers sorted."""
    return values if _value_type(values) == "str" else sorted(values)


def _ordinal(knob: Knob, value: Scalar) -> float:
    """Return the input Ax feeds for ``value`` of an ordered choice: the number, or its place."""
    return float(value) if _number_values(knob) else float(_ax_order(knob.choices).index(value))


def _number_values(knob: Knob) -> bool:
    """Whether a choice knob's values are numbers (Ax feeds an ordered one as the numbers themselves)."""
    return knob.type == "choice" and _value_type(knob.choices) in ("int", "float")


def _value_type(values: list[Scalar]) -> str:
    """Return Ax's parameter type for choices of these values."""
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "float"
    return "str"
