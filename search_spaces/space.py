"""Search spaces: typed knobs loaded from YAML, their baseline, effective configurations and
constraints, and the unit-cube encoding.

A space file looks like::

    knobs:
      booth:       {type: bool, default: false}
      abc_recipe:  {type: choice, values: [yosys-default, resyn2, area], default: yosys-default}
      temperature: {type: float, low: 0.05, high: 1.5, log: true, default: 0.2}
      exemplars:   {type: int, low: 0, high: 3, default: 0}
      abc_delay_target: {type: float, low: 0, high: 1.5, default: 0,
                         active_when: {abc_recipe: [resyn2]}}
      model:       {type: fixed, value: qwen2.5-coder-7b-instruct}
      abc_sequence: {type: sequence, values: [balance, rewrite, refactor], length: 4,
                     default: [balance, rewrite, refactor, balance], active_when: {abc_recipe: [sequence]}}
    constraints:
      - "temperature + 0.5 * exemplars <= 2.0"

A knob with ``active_when`` acts only when one of the named knobs takes one of the listed values
(:meth:`Knob.conditions`); elsewhere the flow runs it at its default (:meth:`SearchSpace.effective`).
A knob with ``idle_when`` (a list of settings, such as ``[{gate_sizing: true, abc_recipe: area}]``)
acts nowhere one of those settings holds in full; a choice knob with ``merged_when`` (such as
``[{when: {abc_recipe: speed}, values: [[0.75, 1.125, 1.5]]}]``) runs one flow for each group of
values where ``when`` holds in full, the group's first value standing for the rest. Screening writes
both for the design at hand.

A sequence knob is an ordered list of ``length`` values drawn from ``values`` (repeats allowed).
Optimizers see it as one choice knob per position, named ``abc_sequence[0]``, ... (its
:meth:`Knob.coordinates`); :attr:`SearchSpace.coordinates` lists every tunable knob that way, and
:meth:`SearchSpace.complete` assembles the positions back into the list.

Every optimizer sees the same space. The space knows no optimizer library: each optimizer in
``optimize/optimizers/`` translates it for its own (Ax's parameters, Optuna's distributions), and
the numeric ones share the unit-cube encoding :meth:`SearchSpace.decode` / :meth:`SearchSpace.encode`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from objectives.errors import RtlboError
from objectives.files import load_yaml, parse_model

Scalar = bool | int | float | str
Value = Scalar | list[str]
Config = dict[str, Value]


class Merge(BaseModel):
    """Groups of a choice knob's values that run one flow where every knob of ``when`` takes its
    value: in each group the first value stands for the rest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: dict[str, Scalar]
    values: list[list[Scalar]]

    def holds(self, config: Config) -> bool:
        return any_setting_holds([self.when], config)

    def stand_in(self, value: Scalar) -> Scalar:
        """Return the value that stands for ``value``: its group's first, or itself."""
        return next((group[0] for group in self.values if value in group), value)


# The fields that belong to some knob types only, and those types.
_FIELD_TYPES = {"low": ("float", "int"), "high": ("float", "int"), "log": ("float", "int"),
                "values": ("choice", "sequence"), "ordered": ("choice",), "length": ("sequence",), "value": ("fixed",)}


class Knob(BaseModel):
    """One tunable dimension."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = ""
    type: Literal["float", "int", "choice", "bool", "fixed", "sequence"]
    low: float | None = None
    high: float | None = None
    log: bool = False
    values: list[Scalar] | None = None
    length: int | None = None
    ordered: bool = False
    value: Value | None = None
    default: Value | None = None
    active_when: dict[str, list[Scalar]] = Field(default_factory=dict)
    idle_when: list[dict[str, Scalar]] = Field(default_factory=list)
    merged_when: list[Merge] = Field(default_factory=list)
    description: str = ""
    source: str = Field("", exclude=True)  # the file that declares the knob, for messages

    @model_validator(mode="after")
    def _check(self) -> Knob:
        stray = [f for f, types in _FIELD_TYPES.items()
                 if getattr(self, f) is not None and getattr(self, f) is not False and self.type not in types]
        if stray:
            raise ValueError(f"'{stray[0]}' is not a field of {self.type} knobs (only of "
                             f"{' and '.join(_FIELD_TYPES[stray[0]])}); drop it")
        if self.type in ("float", "int"):
            if self.low is None or self.high is None:
                raise ValueError(f"a {self.type} knob needs 'low' and 'high'")
            if not self.low < self.high:
                raise ValueError(f"'low' ({self.low:g}) must be below 'high' ({self.high:g})")
            if self.log and self.low <= 0:
                raise ValueError("a log-scaled knob needs 'low' > 0")
            if self.type == "int" and (self.low != int(self.low) or self.high != int(self.high)):
                raise ValueError("an int knob needs whole-number bounds")
        elif self.type in ("choice", "sequence"):
            if not self.values:
                raise ValueError(f"a {self.type} knob needs a non-empty 'values' list")
            if len(set(map(str, self.values))) != len(self.values):
                raise ValueError("'values' has duplicates; list each value once")
        if self.type == "sequence":
            if self.length is None or self.length < 1:
                raise ValueError("a sequence knob needs 'length', a whole number >= 1")
            if not all(isinstance(v, str) for v in self.values):
                raise ValueError("a sequence knob's 'values' must be strings")
        elif self.type == "fixed" and self.value is None:
            raise ValueError("a fixed knob needs 'value'")
        for merge in self.merged_when:
            self._check_merge(merge)
        if self.default is not None and not self.contains(self.default):
            raise ValueError(f"default {self.default!r} is outside the knob's domain{self._domain_hint()}")
        return self

    def _check_merge(self, merge: Merge) -> None:
        if self.type != "choice":
            raise ValueError(f"merged_when is for choice knobs, not {self.type}; drop it")
        grouped = [value for group in merge.values for value in group]
        if not merge.values or any(len(group) < 2 for group in merge.values):
            raise ValueError("merged_when: each group of 'values' needs two values or more")
        if any(value not in self.values for value in grouped):
            raise ValueError(f"merged_when: list values of {self.values}, not {grouped}")
        if len(set(map(str, grouped))) != len(grouped):
            raise ValueError("merged_when: a value is in two groups; list it once")
        if len(grouped) == len(self.values) and len(merge.values) == 1:
            raise ValueError("merged_when: one group of every value means the knob is idle there; "
                             "write the setting in idle_when instead")

    def _domain_hint(self) -> str:
        if self.type != "sequence":
            return ""
        return f" (give a list of {self.length} of: {', '.join(map(str, self.values))})"

    @property
    def choices(self) -> list[Scalar]:
        """The discrete values of a choice or bool knob, the alphabet of a sequence knob."""
        return [False, True] if self.type == "bool" else list(self.values or [])

    @property
    def tunable(self) -> bool:
        return self.type != "fixed"

    @property
    def numeric(self) -> bool:
        """Whether the knob takes numbers in their order: a float or int, or an ordered choice of
        numbers (a number screening turned into levels)."""
        return self.type in ("float", "int") or (self.type == "choice" and self.ordered and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in self.choices))

    def contains(self, value: Any) -> bool:
        """Return True when ``value`` lies in this knob's domain."""
        if self.type == "fixed":
            return value == self.value
        if self.type == "bool":
            return isinstance(value, bool)
        if self.type == "choice":
            return value in self.values
        if self.type == "sequence":
            return isinstance(value, list | tuple) and len(value) == self.length and all(
                v in self.values for v in value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.type == "int" and value != int(value):
            return False
        return self.low <= value <= self.high

    def probes(self) -> list[Value]:
        """Return values that cover the knob's domain for a consumer's range check: every choice,
        both bounds, or for a sequence each value repeated ``length`` times."""
        if self.type == "fixed":
            return [self.value]
        if self.type == "sequence":
            return [[v] * self.length for v in self.choices]
        if self.type in ("choice", "bool"):
            return self.choices
        return [int(self.low), int(self.high)] if self.type == "int" else [self.low, self.high]

    def conditions(self) -> list[tuple[str, Scalar]]:
        """Return the (knob, value) pairs of ``active_when``: this knob acts when one of them holds
        (always when there are none)."""
        return [(name, value) for name, values in self.active_when.items() for value in values]

    def acts_in(self, config: Config) -> bool:
        """Whether this knob changes the flow of ``config``: one of its :meth:`conditions` holds, and
        none of its ``idle_when`` settings holds in full."""
        if any_setting_holds(self.idle_when, config):
            return False
        return not self.active_when or any(config[name] == value for name, value in self.conditions())

    def stand_in(self, config: Config) -> Value:
        """Return the value that runs this knob's part of ``config``'s flow: the first of its group
        where a ``merged_when`` setting holds, else its own."""
        value = config[self.name]
        for merge in self.merged_when:
            if merge.holds(config):
                value = merge.stand_in(value)
        return value

    def baseline(self) -> Value:
        """Return the knob's default: ``default``, else the fixed value, the first choice (``length``
        times the first value for a sequence), the low bound."""
        if self.default is not None:
            return list(self.default) if self.type == "sequence" else self.default
        if self.type == "fixed":
            return self.value
        if self.type == "sequence":
            return [self.choices[0]] * self.length
        if self.type in ("choice", "bool"):
            return self.choices[0]
        return int(self.low) if self.type == "int" else self.low

    def coordinates(self) -> list[Knob]:
        """Return the knob as optimizers see it: itself, or for a sequence one choice knob per
        position (``name[i]``, the default's value there, the same ``active_when`` and ``idle_when``)."""
        if self.type != "sequence":
            return [self]
        default = self.baseline()
        return [Knob(name=f"{self.name}[{i}]", type="choice", values=self.values, default=default[i],
                     active_when=self.active_when, idle_when=self.idle_when, source=self.source)
                for i in range(self.length)]

    def decode(self, u: float) -> Scalar:
        """Return the value at unit coordinate ``u`` in [0, 1] (a knob of :meth:`coordinates`)."""
        u = min(max(float(u), 0.0), 1.0)
        if self.type in ("choice", "bool"):
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        if self.log:
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        x = self.high if u == 1.0 else min(max(x, self.low), self.high)
        if self.type == "int":
            return int(min(max(round(x), self.low), self.high))
        return float(x)

    def encode(self, value: Scalar) -> float:
        """Return the unit coordinate of ``value`` (the centre of its cell for discrete knobs)."""
        if self.type in ("choice", "bool"):
            return (self.choices.index(value) + 0.5) / len(self.choices)
        if self.log:
            return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (float(value) - self.low) / (self.high - self.low)


class LinearConstraint(BaseModel):
    """``sum(coefficients[k] * knob_k) <= bound`` over numeric knobs."""

    model_config = ConfigDict(frozen=True)

    coefficients: dict[str, float]
    bound: float
    text: str

    def excess(self, config: Config) -> float:
        """Return how far ``config`` is over the bound (<= 0 when it satisfies the constraint)."""
        return sum(c * float(config[k]) for k, c in self.coefficients.items()) - self.bound

    def satisfied(self, config: Config) -> bool:
        return self.excess(config) <= 1e-9


class SearchSpace(BaseModel):
    """Knobs by name, in declaration order, and linear constraints among them."""

    knobs: list[Knob]
    constraints: list[LinearConstraint] = Field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [k.name for k in self.knobs]

    @property
    def tunable(self) -> list[Knob]:
        """Knobs an optimizer chooses (every knob but the fixed ones)."""
        return [k for k in self.knobs if k.tunable]

    def knob(self, name: str) -> Knob:
        for k in self.knobs:
            if k.name == name:
                return k
        raise RtlboError(f"unknown knob '{name}'; the space has: {', '.join(self.names)}")

    def baseline(self) -> Config:
        """Return every knob at its default: the baseline flow."""
        return {k.name: k.baseline() for k in self.knobs}

    @property
    def switches(self) -> list[Knob]:
        """The tunable knobs some ``active_when`` names: they choose which other knobs act (the ABC
        recipe, gate sizing)."""
        named = {name for knob in self.tunable for name in knob.active_when}
        return [knob for knob in self.tunable if knob.name in named]

    def branches(self) -> list[Config]:
        """Return the baseline with each other value of each switch, in declaration order: every
        flow the space's structure offers, at its defaults (each canned ABC recipe, gate sizing)."""
        base = self.baseline()
        return [self.effective(base | {s.name: value}) for s in self.switches for value in s.choices
                if value != base[s.name]]

    @property
    def coordinates(self) -> list[Knob]:
        """The tunable knobs one value each, as optimizers see them (:meth:`Knob.coordinates`)."""
        return [c for k in self.tunable for c in k.coordinates()]

    def by_coordinate(self, config: Config) -> dict[str, Scalar]:
        """Return the tunable values of ``config`` by the names of :attr:`coordinates`."""
        values: dict[str, Scalar] = {}
        for k in self.tunable:
            if k.type == "sequence":
                values.update((c.name, v) for c, v in zip(k.coordinates(), config[k.name], strict=True))
            else:
                values[k.name] = config[k.name]
        return values

    def complete(self, tuned: dict[str, Any]) -> Config:
        """Return ``tuned`` with the fixed knobs added, values cast to the knobs' types; a sequence
        knob is taken as a list under its name or by position (``name[i]``, see :attr:`coordinates`)."""
        config: Config = {}
        for k in self.knobs:
            if k.type == "fixed":
                value = k.value
            elif k.type == "sequence" and k.name not in tuned:
                value = [tuned[c.name] for c in k.coordinates()]
            else:
                value = tuned[k.name]
            if k.type == "sequence":
                value = [str(v) for v in value]
            elif k.type == "int":
                value = int(value)
            elif k.type == "float":
                value = float(value)
            elif k.type == "bool":
                value = bool(value)
            config[k.name] = value
        return config

    def effective(self, config: Config) -> Config:
        """Return ``config`` with every knob that does not act in it at its default, and every
        merged value at the value that stands for it: the flow it runs."""
        return {k.name: k.stand_in(config) if k.acts_in(config) else k.baseline() for k in self.knobs}

    def misfits(self, config: dict[str, Any]) -> list[str]:
        """Return the knobs ``config`` lacks or sets outside their domains (empty when none)."""
        problems = [f"{k.name}={config.get(k.name)!r} is outside its domain" for k in self.knobs
                    if k.name in config and not k.contains(config[k.name])]
        return problems + [f"missing knob '{name}'" for name in self.names if name not in config]

    def violations(self, config: dict[str, Any]) -> list[str]:
        """Return why ``config`` is outside the space (empty when it is inside)."""
        problems = self.misfits(config)
        if not problems:
            problems += [f"violates '{c.text}'" for c in self.constraints if not c.satisfied(config)]
        return problems

    # -- the unit cube: pymoo, Sobol, random search ------------------------------------------

    @property
    def dimension(self) -> int:
        return len(self.coordinates)

    def decode(self, u: Sequence[float] | np.ndarray) -> Config:
        """Return the configuration at unit-cube point ``u`` (one coordinate per knob of
        :attr:`coordinates`)."""
        return self.complete({k.name: k.decode(x) for k, x in zip(self.coordinates, u, strict=True)})

    def draw(self, rng: np.random.Generator) -> Config:
        """Return a random configuration: every coordinate uniform, except that a switch takes each
        value with weight one plus the coordinates that value makes act. Draws then spread over the
        space's dimensions rather than its knobs: `abc_recipe: sequence`, which opens an operation
        per position, is drawn more often than a canned recipe, which opens one knob or none."""
        config = self.decode(rng.random(self.dimension))
        for switch in self.switches:
            weights = np.array([1 + sum((switch.name, value) in c.conditions() for c in self.coordinates)
                                for value in switch.choices], dtype=float)
            config[switch.name] = switch.choices[int(rng.choice(len(weights), p=weights / weights.sum()))]
        return config

    def encode(self, config: Config) -> np.ndarray:
        """Return the unit-cube point of ``config``."""
        values = self.by_coordinate(config)
        return np.array([k.encode(values[k.name]) for k in self.coordinates])


def any_setting_holds(settings: list[dict[str, Scalar]], config: Config) -> bool:
    """Whether every knob of one of ``settings`` takes its value in ``config`` (``idle_when``)."""
    return any(all(config[name] == value for name, value in setting.items()) for setting in settings)


_TERM = re.compile(r"\s*([+-])?\s*(?:(\d+(?:\.\d*)?(?:e-?\d+)?)\s*\*?\s*)?([A-Za-z_]\w*)")


def parse_constraint(text: str, space_knobs: dict[str, Knob], where: str) -> LinearConstraint:
    """Return the linear constraint written as ``"a + 2*b <= 3"`` (or ``>=``) over numeric knobs."""
    match = re.fullmatch(r"(.+?)(<=|>=)\s*(-?\d+(?:\.\d*)?(?:e-?\d+)?)\s*", text)
    if not match:
        raise RtlboError(f"{where}: constraint '{text}' is not 'linear expression <= number' (or >=)")
    lhs, op, bound = match.group(1), match.group(2), float(match.group(3))
    coefficients: dict[str, float] = {}
    position = 0
    for term in _TERM.finditer(lhs):
        if term.start() != position:
            break
        sign = -1.0 if term.group(1) == "-" else 1.0
        coefficients[term.group(3)] = coefficients.get(term.group(3), 0.0) + sign * float(term.group(2) or 1)
        position = term.end()
    if position != len(lhs.rstrip()) or not coefficients:
        raise RtlboError(f"{where}: cannot read constraint '{text}'; write it like 'a + 0.5*b <= 2'")
    for name in coefficients:
        knob = space_knobs.get(name)
        if knob is None or knob.type not in ("float", "int"):
            raise RtlboError(f"{where}: constraint '{text}' names '{name}', which is not a numeric knob")
    if op == ">=":
        coefficients = {k: -c for k, c in coefficients.items()}
        bound = -bound
    return LinearConstraint(coefficients=coefficients, bound=bound, text=text)


def _check_conditions(knob: Knob, space_knobs: dict[str, Knob], where: str) -> None:
    """Raise RtlboError unless ``knob.active_when``, ``knob.idle_when`` and the settings of
    ``knob.merged_when`` name unconditional bool or choice knobs and their values."""
    settings = [("active_when", knob.active_when)]
    for key, held in [("idle_when", knob.idle_when), ("merged_when", [m.when for m in knob.merged_when])]:
        if {} in held:
            raise RtlboError(f"{where}: knob '{knob.name}' {key} holds an empty setting; name a knob and its "
                             "value in each")
        settings += [(key, {name: [value] for name, value in setting.items()}) for setting in held]
    for key, setting in settings:
        for name, values in setting.items():
            _check_condition(knob, space_knobs, f"{where}: knob '{knob.name}' {key}", name, values)


def _check_condition(knob: Knob, space_knobs: dict[str, Knob], prefix: str, name: str, values: list) -> None:
    """Raise RtlboError unless ``name`` is an unconditional bool or choice knob that takes ``values``."""
    other = space_knobs.get(name)
    if other is None or other is knob:
        raise RtlboError(f"{prefix} names '{name}', not another knob; name one of {', '.join(space_knobs)}")
    if other.type not in ("bool", "choice") or other.active_when:
        raise RtlboError(f"{prefix} names '{name}'; name bool or choice knobs that have no active_when themselves")
    if not values or any(v not in other.choices for v in values):
        raise RtlboError(f"{prefix}: '{name}' takes {other.choices}, not {values}; list some of those values")


class _SpaceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    knobs: dict[str, dict[str, Any]]
    constraints: list[str] = Field(default_factory=list)


def load_space(paths: str | Path | Sequence[str | Path]) -> SearchSpace:
    """Return the space declared by one or more YAML files (knob names must be unique).

    Raises RtlboError with the file and key for unknown types, empty choices, bad bounds, ...
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    return build_space([(str(path), load_yaml(path)) for path in paths])


def build_space(files: Sequence[tuple[str, Any]]) -> SearchSpace:
    """Return the space declared by ``files``: (source, parsed space file) pairs, the source naming
    the file in messages. Raises RtlboError as :func:`load_space` does."""
    knobs: dict[str, Knob] = {}
    pending: list[tuple[str, str]] = []
    for where, declarations in files:
        data = parse_model(_SpaceFile, declarations, where)
        if not data.knobs:
            raise RtlboError(f"{where}: 'knobs' is empty; declare at least one knob")
        for name, fields in data.knobs.items():
            if name in knobs:
                raise RtlboError(f"{where}: knob '{name}' is declared twice; keep one")
            if not isinstance(fields, dict):
                raise RtlboError(f"{where}: knob '{name}' must be a mapping like {{type: bool}}")
            knobs[name] = parse_model(Knob, {**fields, "name": name, "source": where}, f"{where}: knob '{name}'")
        pending += [(c, where) for c in data.constraints]
    first = files[0][0]
    for knob in knobs.values():
        _check_conditions(knob, knobs, first)
    constraints = [parse_constraint(text, knobs, where) for text, where in pending]
    space = SearchSpace(knobs=list(knobs.values()), constraints=constraints)
    if space.violations(space.baseline()):
        raise RtlboError(f"{first}: the knobs' defaults violate a constraint; change a default")
    return space
