"""Knob screening: which knobs change the netlists of the designs at hand, learnt before the search
spends trials on them.

One factor at a time, as in a classic screening design: in each context where the space declares a
synthesis knob active (the baseline, or the baseline with one of its ``active_when`` conditions
set), the knob takes each of its values (every choice; a number at evenly spaced points and its
default) and every task's reference RTL is synthesized with the real tools (synthesis only: nothing is
measured, and the digests are cached). A conditional knob is also screened with each of its
conditions beside each other value of the space's *switches* (the knobs some ``active_when`` names:
the ABC recipe, gate sizing) and of its *modes* (a conditional choice or bool, with its condition:
the mapping of an ABC sequence, buffering beside sizing): its effect depends on them. Every knob is
also screened beside each *toggle* (an unconditional bool, such as ``flatten``) at its other value,
where its own contexts left the toggle unpinned, for idleness only (the case closes at the first two
values that differ): a hierarchical design kept unflattened maps its small modules alike under every
delay target. Tasks are
taken in turn until every value of every knob is told apart or the tasks run out. The knobs' own
contexts come first and decide what the search offers (below); a crossed context then screens only
the values offered (one point per level of a number), so it stops at the first task that tells them
all apart.

- A knob none of whose values changes any task's netlist, in any context, is *pinned* at its
  default: the optimizer no longer sees it.
- A choice value that gives the same netlists as another in every context *merges* into it (the
  other stands for both), where the other turns on every knob the value does (which it runs at
  their defaults): the default stands for its class, else the value that turns on the most
  (``resyn2`` merges into ``sequence``, whose default operations are resyn2's).
- A conditional knob that changes no netlist in some of its contexts is *idle* there: the setting of
  the switches in that context joins its ``idle_when`` (the delay target beside gate sizing, where
  the recipe's mapper already reaches its best delay; buffering beside a recipe whose mapping leaves
  no net to buffer), so the search no longer varies it where it changes nothing.
- A number whose neighbouring points give the same netlists in every context becomes *levels*: an
  ordered choice of one point per run of such neighbours. Synthesis tools act on a number in
  steps (ABC's delay target changes the mapping only where it crosses what the design reaches),
  so the search no longer spends trials between points that change nothing.
- Choice values (or levels) told apart in some contexts but giving the same netlists in another
  are *merged there*: the setting of the switches joins the knob's ``merged_when`` with the groups
  of values that coincide (delay-target levels told apart under resyn2's mapping that the speed
  script beside gate sizing maps alike), so the search no longer varies the knob within a group
  there.

A sequence knob is screened at its default and a few random sequences (the same each time), for
idleness only: it can be pinned, or idle where none of them changes a netlist (a hierarchical design
kept unflattened), but its values are too many to merge. An interaction that one factor at a time
cannot see (a knob that acts only beside a non-default value of a choice that is neither a switch
nor a mode, or beside two settings at once) is missed;
``screening: false`` in the campaign turns screening off, and a number caps its syntheses (a large
design's take minutes each): a case the cap leaves short concludes nothing, so what is found holds.
The result is kept in the run directory (``screening.json``), so a resumed campaign searches the
same space.
"""

from __future__ import annotations

import json
import math
import random
from bisect import bisect_left
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from objectives.cache import EvalCache
from objectives.cascade import synthesized_netlist
from objectives.errors import RtlboError
from objectives.files import write_atomically
from objectives.recipe import Recipe
from objectives.tasks import Task
from objectives.trial import SYNTHESIS_KNOBS, recipe_of
from search_spaces.space import Config, Knob, Merge, Scalar, SearchSpace, Value, any_setting_holds

SCREENING = "screening.json"
NUMBER_POINTS = 9  # a number is screened at this many evenly spaced points (geometric on a log scale)
SEQUENCE_SAMPLES = 4  # a sequence is screened at its default and this many random sequences


@dataclass
class Screening:
    """What screening found: the knobs pinned at their defaults, per choice knob the values merged
    into an earlier one as (value, the value that stands for it), and per number the runs of
    screened points that gave the same netlists (in order; each run's level is the default where
    it holds it, else its first point), per conditional knob the settings of the switches in
    which it changed no netlist, and per knob the settings in which groups of its values (levels
    for a number) gave the same netlists, as ``merged_when`` declares them."""

    pinned: list[str] = field(default_factory=list)
    merged: dict[str, list[tuple[Value, Value]]] = field(default_factory=dict)
    levels: dict[str, list[list[float]]] = field(default_factory=dict)
    idle: dict[str, list[dict[str, Value]]] = field(default_factory=dict)
    merged_when: dict[str, list[dict]] = field(default_factory=dict)
    syntheses: int = 0
    unscreened: int = 0  # cases left unscreened at the campaign's cap on syntheses (concluding nothing)

    def space(self, space: SearchSpace) -> SearchSpace:
        """Return ``space`` as the optimizer searches it: pinned knobs fixed at their defaults,
        merged values dropped, idle settings in ``idle_when``, values merged in some settings in
        ``merged_when``."""
        gone = {name: [value for value, _ in pairs] for name, pairs in self.merged.items()}
        pinned = {name: space.knob(name).baseline() for name in self.pinned}
        knobs = []
        for knob in space.knobs:
            # A condition on a pinned knob always or never holds; a merged value is stood for.
            always = any(pinned.get(name) in values for name, values in knob.active_when.items())
            when = {} if always else {
                name: [v for v in values if v not in gone.get(name, [])]
                for name, values in knob.active_when.items() if name not in pinned}
            idle = _settings([*knob.idle_when, *self.idle.get(knob.name, [])], pinned, gone)
            if knob.name in pinned or (knob.active_when and not always and not when) or {} in idle:
                knob = knob.model_copy(update={"type": "fixed", "value": knob.baseline(), "default": None,
                                               "active_when": {}})
            else:
                update: dict = {"active_when": when, "idle_when": idle,
                                "merged_when": self._merged_when(knob, pinned, gone)}
                if knob.name in gone:
                    update["values"] = [v for v in knob.choices if v not in gone[knob.name]]
                if knob.name in self.levels:
                    update |= {"type": "choice", "values": self._levels(knob), "ordered": True, "low": None,
                               "high": None, "log": False, "default": knob.baseline()}
                knob = knob.model_copy(update=update)
            knobs.append(knob)
        return space.model_copy(update={"knobs": knobs})

    def canonical(self, space: SearchSpace, config: Config) -> Config:
        """Return ``config`` inside the screened space: pinned knobs at their defaults, merged values
        replaced by the value that stands for them (the same netlists), idle knobs at their defaults."""
        canonical = dict(config)
        for name in self.pinned:
            canonical[name] = space.knob(name).baseline()
        for name, pairs in self.merged.items():
            canonical[name] = dict(pairs).get(canonical[name], canonical[name])
        for name, runs in self.levels.items():
            points = sorted(p for run in runs for p in run)
            at = bisect_left(points, canonical[name])
            nearest = min(points[max(0, at - 1) : at + 1], key=lambda p: abs(p - canonical[name]))
            run = next(i for i, run in enumerate(runs) if nearest in run)
            canonical[name] = self._levels(space.knob(name))[run]
        for name, settings in self.idle.items():
            if any_setting_holds(settings, canonical):
                canonical[name] = space.knob(name).baseline()
        for name, merges in self.merged_when.items():
            for merge in map(Merge.model_validate, merges):
                if merge.holds(canonical):
                    canonical[name] = merge.stand_in(canonical[name])
        return canonical

    def _merged_when(self, knob: Knob, pinned: dict[str, Value], gone: dict[str, list[Value]]) -> list[Merge]:
        """The knob's ``merged_when`` in the screened space: the space's own and screening's, each
        setting as :func:`_settings` keeps it, values merged away left out of their groups."""
        merges = []
        for merge in [*(m.model_dump() for m in knob.merged_when), *self.merged_when.get(knob.name, [])]:
            groups = [[v for v in group if v not in gone.get(knob.name, [])] for group in merge["values"]]
            groups = [group for group in groups if len(group) > 1]
            merges += [Merge(when=setting, values=groups) for setting in _settings([merge["when"]], pinned, gone)
                       if groups]
        return merges

    def offered(self, knob: Knob) -> list[Value]:
        """The values of ``knob`` the search offers, of those screened (the default first): merged
        values left out, a number's levels for its points."""
        if knob.name in self.levels:
            levels = self._levels(knob)
            return [knob.baseline(), *(v for v in levels if v != knob.baseline())]
        gone = {value for value, _ in self.merged.get(knob.name, [])}
        return [v for v in _values(knob) if v not in gone]

    def _levels(self, knob: Knob) -> list[float]:
        """The values a number with levels takes: per run, the default where it holds it, else its first point."""
        default = knob.baseline()
        return [default if default in run else run[0] for run in self.levels[knob.name]]

    def lines(self) -> list[str]:
        """What screening found, for the console."""
        cap = f", {self.unscreened} knob contexts left unscreened at the cap" if self.unscreened else ""
        lines = [f"screening ({self.syntheses} syntheses{cap}): "
                 + (f"pinned at their defaults, no netlist changed: {', '.join(self.pinned)}" if self.pinned
                    else "every knob screened changes some netlist")]
        lines += [f"  {name}: {', '.join(f'{v} gives the netlists of {kept}' for v, kept in pairs)}"
                  for name, pairs in self.merged.items()]
        for name, settings in self.idle.items():
            where = "; ".join(", ".join(f"{n}={v}" for n, v in setting.items()) for setting in settings)
            lines.append(f"  {name}: no netlist changed where {where}")
        for name, runs in self.levels.items():
            spans = ", ".join("..".join(f"{p:g}" for p in dict.fromkeys((run[0], run[-1]))) for run in runs)
            lines.append(f"  {name}: {len(runs)} levels, runs of the {sum(map(len, runs))} points screened that "
                         f"gave the same netlists ({spans})")
        for name, merges in self.merged_when.items():
            for merge in merges:
                groups = "; ".join(", ".join(map(str, group)) for group in merge["values"])
                where = ", ".join(f"{n}={v}" for n, v in merge["when"].items())
                lines.append(f"  {name}: {groups} give one netlist where {where}")
        return lines

    @classmethod
    def told(cls, run_dir: Path) -> list[str]:
        """What the screening kept in ``run_dir`` found (:meth:`lines`), or that its file is damaged;
        nothing without one."""
        try:
            screening = cls.load(run_dir)
        except RtlboError as exc:
            return [f"{exc}; 'rtlbo run {run_dir} --resume' screens again"]
        return [] if screening is None else screening.lines()

    def save(self, run_dir: Path) -> None:
        """Keep the screening in ``run_dir`` (atomically: a run killed meanwhile keeps none)."""
        write_atomically(run_dir / SCREENING, json.dumps(
            {"pinned": self.pinned, "merged": self.merged, "levels": self.levels, "idle": self.idle,
             "merged_when": self.merged_when, "syntheses": self.syntheses, "unscreened": self.unscreened},
            indent=1) + "\n")

    @classmethod
    def load(cls, run_dir: Path) -> Screening | None:
        """Return the screening kept in ``run_dir``, or None when there is none. Raises RtlboError
        when the file is damaged (its shape and types; :meth:`check` its knobs and values)."""
        path = run_dir / SCREENING
        if not path.is_file():
            return None
        try:
            saved = _Saved.model_validate_json(path.read_bytes())
        except ValueError as exc:  # pydantic's ValidationError too
            raise RtlboError(f"{path} is damaged ({str(exc).splitlines()[0][:80]})") from None
        merged_when = {name: [merge.model_dump() for merge in merges] for name, merges in saved.merged_when.items()}
        return cls(saved.pinned, saved.merged, saved.levels, saved.idle, merged_when, saved.syntheses,
                   saved.unscreened)

    def check(self, space: SearchSpace) -> None:
        """Raise RtlboError where this screening names a knob ``space`` lacks, or a value or level
        the knob cannot take (a damaged file, or one of another space)."""
        knobs = {knob.name: knob for knob in space.knobs}

        def knob(name: str, types: tuple[str, ...]) -> Knob:
            if name not in knobs or knobs[name].type not in types:
                raise RtlboError(f"screening names knob {name!r}, which this space has not (as {'/'.join(types)})")
            return knobs[name]

        def values(name: str, given: list[Value]) -> None:
            choices = knob(name, ("bool", "choice")).choices
            if any(v not in choices for v in given):
                raise RtlboError(f"screening gives knob {name!r} values it cannot take: {given}")

        def setting(values_of: dict[str, Value]) -> None:
            for name, value in values_of.items():
                values(name, [value])

        tunable = ("bool", "choice", "float", "int", "sequence")
        for name in self.pinned:
            knob(name, tunable)
        for name, pairs in self.merged.items():
            values(name, [v for pair in pairs for v in pair])
        for name, runs in self.levels.items():
            number = knob(name, ("float", "int"))
            if not all(runs) or any(not number.low <= p <= number.high for run in runs for p in run):
                raise RtlboError(f"screening gives knob {name!r} levels outside its range: {runs}")
        for name, settings in self.idle.items():
            knob(name, tunable)
            for idle in settings:
                setting(idle)
        for name, merges in self.merged_when.items():
            knob(name, ("choice", "float", "int"))
            for merge in merges:
                setting(merge["when"])


class _Saved(BaseModel):
    """The shape of ``screening.json``, strictly typed."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    pinned: list[str]
    merged: dict[str, list[tuple[Scalar, Scalar]]]
    levels: dict[str, list[list[float]]] = {}
    idle: dict[str, list[dict[str, Scalar]]] = {}
    merged_when: dict[str, list[Merge]] = {}
    syntheses: int = Field(ge=0)
    unscreened: int = Field(0, ge=0)


@dataclass
class _Case:
    """One knob in one context: its values, and the classes of values with equal netlists so far.
    A *crossed* context (a condition beside another switch value) tells where the knob is idle or
    some of its values merge, not which values the search offers: it screens those offered only.
    A case that looks for idleness only (a sequence's, or beside a toggle) closes at the first two
    values that differ."""

    knob: Knob
    context: dict[str, Value]
    values: list[Value]
    classes: list[list[Value]]
    idle_only: bool = False
    unscreened: bool = False

    def config(self, space: SearchSpace, value: Value) -> Config:
        return {**space.baseline(), **self.context, self.knob.name: value}

    @property
    def open(self) -> bool:
        return len(self.classes) == 1 if self.idle_only else len(self.classes) < len(self.values)

    def leave_unscreened(self) -> None:
        """Conclude nothing: every value apart (a coincidence on the tasks so far may not hold on
        the rest)."""
        self.classes, self.unscreened = [[v] for v in self.values], True

    def groups(self, offered: list[Value], first: Value) -> list[list[Value]]:
        """The ``offered`` values grouped by class, groups of one left out (``first`` leads its group)."""
        parts: dict[int, list[Value]] = {}
        for value in sorted(offered, key=lambda v: v != first):  # stable: the rest keep their order
            parts.setdefault(next(i for i, group in enumerate(self.classes) if value in group), []).append(value)
        return [part for part in parts.values() if len(part) > 1]


def screen(space: SearchSpace, tasks: list[Task], cache: EvalCache | None, workers: int,
           cap: int | None = None) -> Screening:
    """Screen the synthesis knobs of ``space`` on ``tasks`` (module docstring), ``workers``
    syntheses at a time, at most ``cap`` of them. The knobs' own contexts are screened first: they
    decide what the search offers (pinned knobs, merged values, levels), and the crossed contexts
    then screen only the values offered, so a crossed case whose values all differ closes, and the
    tasks after it cost nothing. A case the cap leaves short of its syntheses concludes nothing."""
    switches = space.switches
    synthesis = [knob for knob in space.tunable if knob.name in SYNTHESIS_KNOBS]
    modes = [knob for knob in synthesis
             if knob.active_when and knob.type in ("bool", "choice") and knob not in switches]
    toggles = [knob for knob in synthesis if knob.type == "bool" and not knob.active_when]
    own = [_Case(knob, context, values, [values], knob.type == "sequence") for knob in synthesis
           for context in _own_contexts(knob) for values in [_values(knob)]]
    digests: dict[tuple[str, Recipe], str] = {}
    with ThreadPoolExecutor(max(1, workers)) as pool:
        _tell_apart(space, own, tasks, digests, pool, cache, cap)
        screening = _offered(space, own)
        unpinned = [knob for knob in toggles if knob.name not in screening.pinned]
        crossed = [_Case(knob, context, values, [values], idle_only or knob.type == "sequence")
                   for knob in synthesis if knob.name not in screening.pinned
                   for context, idle_only in _crossed_contexts(knob, switches, modes, unpinned)
                   for values in [screening.offered(knob)]]
        _tell_apart(space, crossed, tasks, digests, pool, cache, cap)
    _where(space, own + crossed, switches, screening)
    screening.syntheses = len(digests)
    screening.unscreened = sum(case.unscreened for case in own + crossed)
    return screening


def _tell_apart(space: SearchSpace, cases: list[_Case], tasks: list[Task], digests: dict[tuple[str, Recipe], str],
                pool: ThreadPoolExecutor, cache: EvalCache | None, cap: int | None) -> None:
    """Synthesize the values of the open ``cases`` task by task (``digests`` keeps every netlist's),
    splitting their classes, until every case's values are told apart or the tasks run out; a case
    whose syntheses would pass ``cap`` (counted over ``digests``) is left unscreened."""
    for task in tasks:
        recipes: dict[Recipe, None] = {}  # to synthesize on this task, in the cases' order
        for case in [case for case in cases if case.open]:
            needed = dict.fromkeys(recipe_of(case.config(space, v)) for v in case.values)
            needed = [r for r in needed if (task.name, r) not in digests and r not in recipes]
            if cap is not None and len(digests) + len(recipes) + len(needed) > cap:
                case.leave_unscreened()
            else:
                recipes.update(dict.fromkeys(needed))
        open_cases = [case for case in cases if case.open]
        if not open_cases:
            return
        futures = {recipe: pool.submit(synthesized_netlist, task, recipe, cache=cache) for recipe in recipes}
        digests.update({(task.name, recipe): future.result() for recipe, future in futures.items()})
        for case in open_cases:
            # A failed synthesis tells nothing about the value: it stays apart from every other.
            digest = {v: digests[task.name, recipe_of(case.config(space, v))] for v in case.values}
            digest = {v: f"{d} ({v!r})" if d.startswith("failed") else d for v, d in digest.items()}
            case.classes = [part for group in case.classes for part in _split(group, digest)]


def _split(group: list[Value], digest: dict[Value, str]) -> list[list[Value]]:
    """Split ``group`` by digest, keeping the values' order."""
    parts: dict[str, list[Value]] = {}
    for value in group:
        parts.setdefault(digest[value], []).append(value)
    return list(parts.values())


def _offered(space: SearchSpace, own: list[_Case]) -> Screening:
    """What the knobs' own contexts decide: pin knobs whose values coincide in every context; merge
    the values that coincide and turn on the same other knobs, pinned ones aside (again until no
    more knobs are pinned: a recipe whose values turn on only knobs that change nothing is pinned
    too); find a number's levels."""
    pinned: set[str] = set()
    while set((screening := _offered_beside(space, own, pinned)).pinned) != pinned:
        pinned = set(screening.pinned)
    return screening


def _offered_beside(space: SearchSpace, own: list[_Case], pinned: set[str]) -> Screening:
    """:func:`_offered` with the knobs in ``pinned`` known to change nothing."""
    screening = Screening()
    for knob in space.tunable:
        cases = [case for case in own if case.knob.name == knob.name]
        if not cases:
            continue
        values = cases[0].values  # the default first
        enables = {v: _enables(space, knob, v) - pinned for v in values}
        together = {(a, b) for a in values for b in values if all(_together(case, a, b) for case in cases)}
        if all((values[0], v) in together and enables[v] == enables[values[0]] for v in values):
            screening.pinned.append(knob.name)
        elif knob.type == "choice":
            # A value stands for those that give its netlists and turn on no knob it does not (which it
            # runs at their defaults: `sequence` with resyn2's operations is resyn2): the default
            # first, then the value that turns on the most.
            pairs = [(v, min((kept for kept in values if (kept, v) in together and enables[kept] >= enables[v]),
                             key=lambda kept: (kept != values[0], -len(enables[kept]), values.index(kept))))
                     for v in values]
            if merged := [(v, kept) for v, kept in pairs if kept != v]:
                screening.merged[knob.name] = merged
        elif knob.type in ("float", "int"):
            points = sorted(values)
            runs = [[points[0]]]
            for low, high in zip(points, points[1:], strict=False):
                if all(_together(case, low, high) for case in cases):
                    runs[-1].append(high)
                else:
                    runs.append([high])
            if len(runs) < len(points):
                screening.levels[knob.name] = runs
    return screening


def _where(space: SearchSpace, cases: list[_Case], switches: list[Knob], screening: Screening) -> None:
    """Record the settings (the switches' values, and the context's) where the values offered of a
    knob all coincide (idle: a conditional knob, or any knob beside a toggle), and for a choice or a
    number with levels, the settings where some of them do. Values that turn on different knobs
    never coincide."""
    baseline = space.baseline()
    for knob in space.tunable:
        every = [case for case in cases if case.knob.name == knob.name]
        if not every or knob.name in screening.pinned:
            continue
        offered = screening.offered(knob)
        idle, merges = [], []
        for case in every:
            setting = {s.name: baseline[s.name] for s in switches if s is not knob} | case.context
            groups = [part for group in case.groups(offered, knob.baseline())
                      for part in _by_enables(space, knob, group, set(screening.pinned)) if len(part) > 1]
            if (knob.active_when or case.context) and [len(g) for g in groups] == [len(offered)]:
                idle.append(setting)
            elif groups and not case.idle_only and (knob.type == "choice" or knob.name in screening.levels):
                merges.append({"when": setting, "values": groups})
        if idle:
            screening.idle[knob.name] = idle
        if merges:
            screening.merged_when[knob.name] = merges


def _settings(settings: list[dict[str, Value]], pinned: dict[str, Value],
              gone: dict[str, list[Value]]) -> list[dict[str, Value]]:
    """``settings`` of the switches (``idle_when``, ``merged_when``) in the screened space: a setting
    naming a value merged away, or a pinned knob at another value, never holds (dropped); a pinned
    knob at its value always holds, and drops out of the setting."""
    kept = []
    for setting in settings:
        if any(value in gone.get(n, []) or (n in pinned and pinned[n] != value) for n, value in setting.items()):
            continue
        kept.append({n: value for n, value in setting.items() if n not in pinned})
    return kept


def _together(case: _Case, a: Value, b: Value) -> bool:
    return any(a in group and b in group for group in case.classes)


def _by_enables(space: SearchSpace, knob: Knob, group: list[Value], pinned: set[str]) -> list[list[Value]]:
    """``group`` split by the knobs its values turn on (:func:`_enables`, ``pinned`` aside), each
    part in order."""
    parts: dict[frozenset[str], list[Value]] = {}
    for value in group:
        parts.setdefault(frozenset(_enables(space, knob, value) - pinned), []).append(value)
    return list(parts.values())


def _enables(space: SearchSpace, knob: Knob, value: Value) -> set[str]:
    """The knobs that act only when ``knob`` takes ``value`` (among their other conditions)."""
    return {k.name for k in space.knobs if (knob.name, value) in k.conditions()}


def _own_contexts(knob: Knob) -> list[dict[str, Value]]:
    """Each way ``knob``'s active_when can be met (the baseline alone when it has none)."""
    return [{name: value} for name, value in knob.conditions()] or [{}]


def _crossed_contexts(knob: Knob, switches: list[Knob], modes: list[Knob],
                      toggles: list[Knob]) -> list[tuple[dict[str, Value], bool]]:
    """Each own context of ``knob`` beside a value that may change what it does, with whether the
    context looks for idleness only: for a conditional knob, each other value of each other switch,
    or of each mode (a conditional choice or bool, with its own condition: the mapping beside an ABC
    sequence) where the context leaves room for it; for every knob, each toggle (an unconditional
    bool: flatten, retime) at its other value, for idleness only."""
    crossed: dict[tuple, tuple[dict[str, Value], bool]] = {}
    for context in _own_contexts(knob):
        others = [*switches, *modes] if knob.active_when else []
        for other in [*others, *toggles]:
            if other.name in context or other.name == knob.name:
                continue
            met = [{}] if not other.active_when else [
                {name: value} for name, value in other.conditions() if context.get(name, value) == value]
            for value in other.choices:
                if value != other.baseline() and met:
                    setting = {**context, **met[0], other.name: value}
                    key = tuple(sorted(setting.items(), key=str))
                    idle_only = other not in others and crossed.get(key, (None, True))[1]
                    crossed[key] = (setting, idle_only)
    return list(crossed.values())


def _values(knob: Knob) -> list[Value]:
    """The values a knob is screened at, its default first: every choice; a number at
    :data:`NUMBER_POINTS` evenly spaced points from bound to bound (geometric on a log scale,
    rounded for an int); a sequence at :data:`SEQUENCE_SAMPLES` random ones (the same each time,
    as tuples: screening keys its values)."""
    if knob.type == "sequence":
        rng = random.Random(knob.name)
        return [tuple(knob.baseline()), *(tuple(rng.choices(knob.choices, k=knob.length))
                                          for _ in range(SEQUENCE_SAMPLES))]
    if knob.type in ("bool", "choice"):
        others = knob.choices
    else:
        low, high = (math.log(knob.low), math.log(knob.high)) if knob.log else (knob.low, knob.high)
        points = [low + (high - low) * i / (NUMBER_POINTS - 1) for i in range(NUMBER_POINTS)]
        points = [math.exp(p) for p in points] if knob.log else points
        others = list(dict.fromkeys(int(round(p)) if knob.type == "int" else float(p) for p in points))
    default = knob.baseline()
    return [default, *(v for v in others if v != default)]
