"""Knobs that compose: every synthesis knob changes the netlist of at least one built-in task, in
every context where the packaged space declares it active (a sequence knob: every one of its
operations, repeated, runs through the tools and changes a netlist).

The space is the packaged ``synthesis`` space, loaded as a campaign loads it. A context is one
way the knob's ``active_when`` can be met (:meth:`Knob.conditions`: the baseline recipe with one
other knob at one of its listed values); a knob without ``active_when`` has one context, the
baseline.

In each context the knob is moved from its default to each other value (every choice; for a
number, the midpoint and the bounds of its domain other than the default), and the built-in tasks
are synthesized with the real Yosys and ABC until one netlist differs from the one at the default.
Tasks that the knob is likely to change go first, and netlist digests are kept per (task, recipe),
so a recipe shared by several cases (a context's baseline, say) is synthesized once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from objectives.cascade import synthesized_netlist
from objectives.recipe import Recipe
from objectives.tasks import Task, builtin_tasks
from objectives.technology import Technology
from optimize.spaces import space_files, space_of
from search_spaces import Knob

SPACE = space_of(space_files(["synthesis"], Path.cwd()))
TASKS = {task.name: task for task in builtin_tasks()}
WORKERS = max(1, min(4, len(os.sched_getaffinity(0))))  # Yosys and ABC run single-threaded

# Tasks tried first for each knob, the likeliest to show its effect; the other tasks follow.
LIKELY = {
    "flatten": ["fir4"],
    "booth": ["mul8", "mul16", "pipemul", "mac8", "fir4"],
    "arith_tree": ["mac8", "fir4", "pipemul", "mul8"],
    "alumacc": ["adder32", "alu", "counter"],
    "share": ["fir4", "alu", "barrel"],
    "adder": ["adder32", "alu", "mul8"],
    "fsm_encoding": ["seqdet"],  # the one built-in task with an FSM that Yosys extracts
    "abc_recipe": ["mul8", "adder32"],
    "abc_sequence": ["mul8", "mac8"],
    "abc_mapping": ["mul8", "adder32"],
    "abc_delay_target": ["mul8", "mac8", "adder32", "fir4"],
    "gate_sizing": ["mul8", "barrel"],
    "buffering": ["mul8", "barrel"],
    "retime": ["mac8", "pipemul", "fir4"],
}
# Values that coincide with the default on every built-in task, and why (strict: a change fails).
SAME_AS_DEFAULT = {("fsm_encoding", "one-hot"): "auto picks one-hot for FSMs of fewer than 32 states, as all "
                                                "of the built-in suite's are"}


def _values(knob: Knob) -> list:
    """The values to try besides the default: every choice; for a number, the midpoint and bounds;
    for a sequence, each of its values at every position (so that each runs through the tools)."""
    if knob.type == "sequence":
        values = [[v] * knob.length for v in knob.choices]
    elif knob.type in ("bool", "choice"):
        values = knob.choices
    else:
        middle = (knob.low + knob.high) / 2
        values = [knob.low, int(round(middle)) if knob.type == "int" else middle, knob.high]
    return [v for v in values if v != knob.baseline()]


def _contexts(knob: Knob) -> list[tuple[str, dict]]:
    """(label, the knobs set away from the baseline) for each way ``knob``'s active_when is met."""
    return [(f"{other}={value}", {other: value}) for other, value in knob.conditions()] or [("baseline", {})]


def _cases() -> list:
    cases = []
    for knob in SPACE.tunable:
        for label, context in _contexts(knob):
            for value in _values(knob):
                same = SAME_AS_DEFAULT.get((knob.name, str(value)))
                marks = [pytest.mark.xfail(strict=True, reason=same)] if same else []
                case_id = f"{knob.name}={value}-when-{label}"
                cases.append(pytest.param(knob.name, value, context, marks=marks, id=case_id))
    return cases


class Netlists:
    """Digests of mapped netlists by (task name, recipe), synthesized on demand, ``WORKERS`` at a time."""

    def __init__(self, pool: ThreadPoolExecutor):
        self.pool, self.tech = pool, Technology.from_env()
        self.known: dict[tuple[str, Recipe], str] = {}

    def _synthesize(self, task: Task, recipe: Recipe) -> str:
        digest = synthesized_netlist(task, recipe, tech=self.tech)
        assert not digest.startswith("failed"), f"{task.name} under {recipe.changes()}: {digest}"
        return digest

    def first_difference(self, tasks: list[Task], recipes: tuple[Recipe, Recipe]) -> str | None:
        """Return the first of ``tasks`` whose netlists under the two recipes differ (None: none do).
        The netlists still unknown are synthesized in task order: the first task's alone (it
        usually decides), then ``WORKERS`` at a time, at most ``WORKERS - 1`` beyond the deciding task's."""
        pending = list(tasks)
        while pending:
            keys = [(pending[0].name, recipe) for recipe in recipes]
            if all(key in self.known for key in keys):
                if self.known[keys[0]] != self.known[keys[1]]:
                    return pending[0].name
                pending.pop(0)
                continue
            ahead = pending if len(pending) < len(tasks) else pending[:1]
            jobs = [(task, recipe) for task in ahead for recipe in recipes
                    if (task.name, recipe) not in self.known][:WORKERS]
            futures = {(task.name, recipe): self.pool.submit(self._synthesize, task, recipe) for task, recipe in jobs}
            for key, future in futures.items():
                self.known[key] = future.result()
        return None


@pytest.fixture(scope="module")
def netlists() -> Iterator[Netlists]:
    with ThreadPoolExecutor(WORKERS) as pool:
        yield Netlists(pool)


def test_cases_cover_every_knob_and_context():
    assert set(SPACE.names) == set(Recipe.model_fields)
    assert all(_values(knob) for knob in SPACE.tunable)
    covered = {(case.values[0], tuple(case.values[2].items())) for case in _cases()}
    for knob in SPACE.tunable:
        for _, context in _contexts(knob):
            assert (knob.name, tuple(context.items())) in covered, (knob.name, context)
    assert set(LIKELY) <= set(SPACE.names) and all(set(tasks) <= set(TASKS) for tasks in LIKELY.values())


@pytest.mark.parametrize(("knob", "value", "context"), _cases())
def test_knob_changes_some_netlist_where_active(knob: str, value, context: dict, netlists: Netlists):
    base = {**SPACE.baseline(), **context}
    changed = {**base, knob: value}
    # The space itself says the knob acts here, so the flow runs it at this value.
    assert SPACE.knob(knob).acts_in(changed) and SPACE.effective(changed) == changed
    recipes = Recipe.from_knobs(base), Recipe.from_knobs(changed)
    order = [*LIKELY.get(knob, []), *sorted(set(TASKS) - set(LIKELY.get(knob, [])))]
    if netlists.first_difference([TASKS[name] for name in order], recipes) is None:
        pytest.fail(f"{knob}={value!r} leaves the netlist of every built-in task unchanged with "
                    f"{context or 'the baseline recipe'} ({len(order)} tasks: {', '.join(order)}), though the "
                    "space declares it active there")
