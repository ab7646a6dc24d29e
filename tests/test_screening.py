"""Knob screening with the real tools, the space the optimizer then searches, and flows known to
repeat an earlier one (a number inside a range that changed nothing) answered without a tool run."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

import pytest
import yaml
from ariths_gen.multi_bit_circuits.adders import UnsignedCarrySelectAdder
from ariths_gen.wire_components import Bus
from rich.console import Console

from objectives.cache import EvalCache
from objectives.cascade import derive_periods, evaluation_key, synthesized_netlist
from objectives.errors import RtlboError
from objectives.recipe import Recipe
from objectives.suites import load_suite
from objectives.tasks import builtin_tasks
from objectives.technology import Technology
from objectives.trial import recipe_of
from optimize.loop import run
from optimize.report import build_report
from optimize.runs import Run
from optimize.screening import NUMBER_POINTS, SCREENING, SEQUENCE_SAMPLES, Screening, screen
from optimize.spaces import space_files, space_of
from search_spaces.space import Knob, SearchSpace, build_space

QUIET = Console(quiet=True)
RTLBO = str(Path(sys.executable).with_name("rtlbo"))
SPACE = space_of(space_files(["synthesis"], Path.cwd()))


def _task(name: str):
    (task,) = derive_periods([t for t in builtin_tasks() if t.name == name])
    return task


SCREENED = tempfile.TemporaryDirectory(prefix="rtlbo-screened-")  # removed when the tests end
SCREENED_CACHE = Path(SCREENED.name) / "cache.sqlite"


@cache
def _screened(name: str) -> Screening:
    """The packaged space screened on one built-in task: several tests read the same screening (and
    its cache, :func:`_synthesized`)."""
    return screen(SPACE, [_task(name)], EvalCache(SCREENED_CACHE), 2)


def _synthesized(name: str, knobs: dict) -> bool:
    """Whether :func:`_screened` synthesized the task ``name`` under ``knobs`` (the rest at baseline)."""
    task, recipe = _task(name), recipe_of({**SPACE.baseline(), **knobs})
    key = evaluation_key(task, recipe, task.reference_rtl, Technology.from_env())[1]
    return EvalCache(SCREENED_CACHE).get_record("synthesized", key) is not None


def test_screening_pins_what_changes_no_netlist_and_keeps_what_does():
    adder = _task("adder32")  # combinational, no FSM
    screening = _screened("adder32")
    assert {"retime", "fsm_encoding"} <= set(screening.pinned)
    assert not {"abc_recipe", "abc_delay_target", "gate_sizing", "adder"} & set(screening.pinned)
    # Checked independently of the screening's own bookkeeping: the digests tell the same.
    baseline = synthesized_netlist(adder, Recipe())
    for name in screening.pinned:
        for value in SPACE.knob(name).choices or [SPACE.knob(name).low, SPACE.knob(name).high]:
            assert synthesized_netlist(adder, Recipe.from_knobs({name: value})) == baseline, (name, value)
    assert synthesized_netlist(adder, Recipe(abc_recipe="area")) != baseline
    # sequence runs resyn2's operations by default and turns on every knob resyn2 does: it stands for resyn2.
    assert ("resyn2", "sequence") in screening.merged["abc_recipe"]
    assert synthesized_netlist(adder, Recipe(abc_recipe="resyn2")) == synthesized_netlist(adder, Recipe(
        abc_recipe="sequence"))
    assert "resyn2" not in screening.space(SPACE).knob("abc_recipe").values


def test_a_cap_on_syntheses_leaves_cases_unscreened_and_what_they_would_have_found_unfound():
    """A large design's syntheses take minutes: a campaign may cap them. A case the cap leaves short
    concludes nothing, so whatever a capped screening finds, the full one finds too."""
    full = _screened("adder32")
    capped = screen(SPACE, [_task("adder32")], EvalCache(SCREENED_CACHE), 2, cap=10)
    assert capped.syntheses <= 10 and capped.unscreened > 0 and full.unscreened == 0
    assert set(capped.pinned) < set(full.pinned)
    for name, pairs in capped.merged.items():
        assert set(pairs) <= set(full.merged[name]), name
    for name, settings in capped.idle.items():
        assert all(setting in full.idle[name] for setting in settings), name
    assert all(capped.levels[name] == full.levels[name] for name in capped.levels)
    assert f"{capped.unscreened} knob contexts left unscreened at the cap" in capped.lines()[0]
    # A cap that the screening does not reach changes nothing.
    assert screen(SPACE, [_task("adder32")], EvalCache(SCREENED_CACHE), 2, cap=full.syntheses) == full


def test_a_design_no_knob_changes_pins_every_knob_even_a_recipe_that_turns_on_others(tmp_path: Path):
    """A wire maps to the same netlist under every flow: ``abc_recipe: sequence`` turns on the
    sequence and its mapping, which change nothing either, so the recipe is pinned too (and gate
    sizing, which turns on buffering) and nothing is left to search."""
    (tmp_path / "through").mkdir()
    (tmp_path / "through" / "task.toml").write_text('top = "through"\n')
    (tmp_path / "through" / "reference.v").write_text("module through(input a, output y);\n"
                                                      "  assign y = a;\nendmodule\n")
    tasks = derive_periods(load_suite(f"tasks:{tmp_path}").tasks)
    screening = screen(SPACE, tasks, EvalCache(SCREENED_CACHE), 2)
    assert set(screening.pinned) == {knob.name for knob in SPACE.tunable}
    assert not screening.space(SPACE).tunable


def test_screening_finds_where_a_conditional_knob_changes_nothing_and_the_search_skips_it_there(tmp_path: Path):
    """On adder32 the delay target changes nothing beside gate sizing under the Yosys default
    script (its &nf mapper already reaches its best delay), though it acts under resyn2's map;
    buffering changes nothing beside resyn2's mapping, though it acts under the Yosys default's."""
    adder = _task("adder32")
    screening = _screened("adder32")
    sizing = {"abc_recipe": "yosys-default", "gate_sizing": True}
    assert sizing in screening.idle["abc_delay_target"]
    assert {"abc_recipe": "resyn2", "gate_sizing": True} in screening.idle["buffering"]
    assert {"abc_recipe": "yosys-default", "gate_sizing": True} not in screening.idle["buffering"]
    # Checked independently of the screening's own bookkeeping: the digests tell the same.
    def digests(knobs: dict, name: str, values: list) -> set[str]:
        return {synthesized_netlist(adder, Recipe.from_knobs({**knobs, name: v})) for v in values}

    assert len(digests(sizing, "abc_delay_target", [0.0, 0.75, 1.5])) == 1
    assert len(digests({"abc_recipe": "resyn2"}, "abc_delay_target", [0.0, 0.75, 1.5])) > 1
    assert len(digests({"abc_recipe": "resyn2", "gate_sizing": True}, "buffering", [True, False])) == 1
    assert len(digests(sizing, "buffering", [True, False])) == 2
    # The optimizer's space holds the knob at its default there, and only there.
    space = screening.space(SPACE)
    config = {**space.baseline(), **sizing, "abc_delay_target": space.knob("abc_delay_target").choices[-1]}
    assert space.effective(config)["abc_delay_target"] == 0.0
    assert space.effective({**config, "abc_recipe": "resyn2"})["abc_delay_target"] > 0
    assert screening.canonical(SPACE, {**SPACE.baseline(), **sizing, "abc_delay_target": 1.5})["abc_delay_target"] == 0
    assert any("no netlist changed where" in line for line in screening.lines())
    # Kept with the run: a resumed campaign searches the same space.
    screening.save(tmp_path)
    assert Screening.load(tmp_path).idle == screening.idle


def test_screening_crosses_a_conditional_knob_with_the_modes_of_a_switch():
    """The mapping of an ABC sequence is a mode of the recipe: on adder32 the delay target changes
    nothing under a sequence mapped by dch-nf (its &nf mapper takes no delay target), though it acts
    under the same sequence mapped by map. Screening crosses the delay target's contexts with the
    mapping (setting the recipe it needs), and the search skips the knob there only."""
    adder = _task("adder32")
    screening = _screened("adder32")
    nf = {"abc_recipe": "sequence", "gate_sizing": False, "abc_mapping": "dch-nf"}
    assert nf in screening.idle["abc_delay_target"]
    assert {"abc_recipe": "sequence", "gate_sizing": False} not in screening.idle["abc_delay_target"]
    for mapping, netlists in (("dch-nf", 1), ("map", 3)):  # checked on the digests themselves
        assert len({synthesized_netlist(adder, Recipe.from_knobs({**nf, "abc_mapping": mapping, "abc_delay_target": v}))
                    for v in (0.0, 0.75, 1.5)}) == netlists
    space = screening.space(SPACE)
    config = {**space.baseline(), **nf, "abc_delay_target": space.knob("abc_delay_target").choices[-1]}
    assert space.effective(config)["abc_delay_target"] == 0.0
    assert space.effective({**config, "abc_mapping": "map"})["abc_delay_target"] > 0


def test_a_crossed_context_screens_only_the_values_the_search_offers():
    """The own contexts decide a number's levels; a crossed one then screens one point per level:
    the others could only tell where points the search never offers coincide."""
    screening = _screened("seqdet")
    runs = screening.levels["abc_delay_target"]
    offered = screening.space(SPACE).knob("abc_delay_target").choices
    others = [p for run in runs for p in run if p not in offered]
    assert others and len(offered) == len(runs)
    own, crossed = {"abc_recipe": "sequence"}, {"abc_recipe": "sequence", "abc_mapping": "dch-nf"}
    assert all(_synthesized("seqdet", {**own, "abc_delay_target": p}) for run in runs for p in run)
    assert all(_synthesized("seqdet", {**crossed, "abc_delay_target": p}) for p in offered)
    assert not any(_synthesized("seqdet", {**crossed, "abc_delay_target": p}) for p in others)


def test_screening_merges_values_that_give_the_same_netlists():
    screening = _screened("seqdet")  # one FSM of few states: auto encodes it one-hot
    assert ("one-hot", "auto") in screening.merged["fsm_encoding"]
    assert "binary" not in dict(screening.merged["fsm_encoding"]), "binary encoding changes the netlist"
    space = screening.space(SPACE)
    assert "one-hot" not in space.knob("fsm_encoding").choices
    assert screening.canonical(SPACE, {**SPACE.baseline(), "fsm_encoding": "one-hot"})["fsm_encoding"] == "auto"


def _carry_select_adder(folder: Path):
    """An 8-bit carry-select adder as ariths-gen writes it (small modules), a task in ``folder``."""
    circuit = UnsignedCarrySelectAdder(Bus(N=8, prefix="a"), Bus(N=8, prefix="b"), name="csa8")
    (folder / "csa8").mkdir()
    (folder / "csa8" / "task.toml").write_text('top = "csa8"\n')
    with open(folder / "csa8" / "reference.v", "w") as rtl:
        circuit.get_v_code_hier(rtl)
    (task,) = derive_periods(load_suite(f"tasks:{folder}").tasks)
    return task


def test_screening_finds_a_knob_idle_beside_the_other_value_of_a_toggle(tmp_path: Path):
    """A carry-select adder that ariths-gen writes as small modules: flattened, resyn2's delay target
    changes the netlist; kept hierarchical (``flatten: false``, a toggle's other value) it changes
    nothing, so the delay target is idle there and the search no longer varies it; and a recipe
    (unconditional) beside the toggle is screened for idleness only: two recipes differ there, so
    nothing is recorded for it."""
    task = _carry_select_adder(tmp_path)
    space = build_space([("t", {"knobs": {
        "flatten": {"type": "bool", "default": True},
        "abc_recipe": {"type": "choice", "values": ["yosys-default", "resyn2", "speed"]},
        "abc_delay_target": {"type": "float", "low": 0.0, "high": 1.5, "default": 0.0,
                             "active_when": {"abc_recipe": ["resyn2"]}}}})])
    screening = screen(space, [task], EvalCache(tmp_path / "cache.sqlite"), 2)
    assert not screening.pinned and screening.idle == {"abc_delay_target": [{"abc_recipe": "resyn2", "flatten": False}]}
    assert "abc_recipe" not in screening.merged_when, "beside a toggle, screening looks for idleness only"
    # Checked independently of the screening's own bookkeeping: the digests tell the same.
    for flatten, distinct in ((True, range(2, NUMBER_POINTS + 1)), (False, [1])):
        netlists = {synthesized_netlist(task, Recipe(flatten=flatten, abc_recipe="resyn2", abc_delay_target=level))
                    for level in screening.offered(space.knob("abc_delay_target"))}
        assert len(netlists) in distinct, (flatten, len(netlists))
    config = {"flatten": False, "abc_recipe": "resyn2", "abc_delay_target": 1.5}
    assert screening.canonical(space, config)["abc_delay_target"] == 0.0
    assert screening.space(space).knob("abc_delay_target").idle_when == [{"abc_recipe": "resyn2", "flatten": False}]


def test_a_sequence_is_screened_at_random_sequences_and_idle_where_none_changes_a_netlist(tmp_path: Path):
    """The ABC sequence is screened at its default and a few random sequences, the same each time:
    on the carry-select adder kept hierarchical none of them changes the netlist (its small modules
    map alike), flattened they do; so the sequence is idle where flatten is off."""
    task = _carry_select_adder(tmp_path)
    space = build_space([("t", {"knobs": {
        "flatten": {"type": "bool", "default": True},
        "abc_recipe": {"type": "choice", "values": ["yosys-default", "sequence"]},
        "abc_sequence": {"type": "sequence", "values": ["balance", "rewrite", "refactor -z", "if -g", "&syn2"],
                         "length": 4, "default": ["balance", "rewrite", "refactor -z", "balance"],
                         "active_when": {"abc_recipe": ["sequence"]}}}})])
    screening = screen(space, [task], EvalCache(tmp_path / "cache.sqlite"), 2)
    assert screening == screen(space, [task], EvalCache(tmp_path / "cache.sqlite"), 2), "the same samples each time"
    assert "abc_sequence" not in screening.pinned
    assert screening.idle["abc_sequence"] == [{"abc_recipe": "sequence", "flatten": False}]
    samples = screening.offered(space.knob("abc_sequence"))
    assert len(samples) == SEQUENCE_SAMPLES + 1 and list(samples[0]) == space.knob("abc_sequence").default
    for flatten, distinct in ((True, len(samples)), (False, 1)):
        netlists = {synthesized_netlist(task, Recipe(flatten=flatten, abc_recipe="sequence", abc_sequence=sample))
                    for sample in samples}
        assert len(netlists) == distinct, (flatten, len(netlists))
    config = {"flatten": False, "abc_recipe": "sequence", "abc_sequence": list(samples[1])}
    assert screening.canonical(space, config)["abc_sequence"] == space.knob("abc_sequence").default


def test_the_screened_space_drops_pinned_knobs_and_merged_values_from_conditions():
    screening = Screening(pinned=["gate_sizing", "retime"], merged={"abc_recipe": [("dch-map", "resyn2")]})
    space = screening.space(SPACE)
    assert not space.knob("retime").tunable and not space.knob("gate_sizing").tunable
    assert not space.knob("buffering").tunable, "buffering acts only with gate sizing, which is pinned off"
    assert "dch-map" not in space.knob("abc_recipe").choices
    assert space.knob("abc_delay_target").active_when == {"abc_recipe": ["resyn2", "compress2rs", "sequence"]}
    assert space.knob("abc_sequence").tunable
    config = {**SPACE.baseline(), "abc_recipe": "dch-map", "retime": True, "gate_sizing": True}
    canonical = screening.canonical(SPACE, config)
    assert canonical["abc_recipe"] == "resyn2" and canonical["retime"] is False and canonical["gate_sizing"] is False
    assert not space.violations(canonical)


def test_a_campaign_screens_once_and_never_proposes_a_pinned_knob(tmp_path: Path):
    campaign = tmp_path / "c.yaml"
    campaign.write_text(yaml.safe_dump({
        "name": "s", "tasks": {"suite": "builtin", "select": ["adder32"]}, "budget": {"trials": 6},
        "batch_size": 2, "executor": {"workers": 2}, "optimizer": "random", "output": str(tmp_path / "run")}))
    (finished,) = run(campaign, resume=False, output=None, console=QUIET)
    kept = json.loads((tmp_path / "run" / SCREENING).read_text())
    assert "retime" in kept["pinned"]
    status = subprocess.run([RTLBO, "status", str(tmp_path / "run")], capture_output=True, text=True)
    assert status.returncode == 0 and "pinned at their defaults, no netlist changed: " in status.stdout
    assert "retime" in status.stdout.split("no netlist changed:")[1]
    page = build_report(finished).read_text()
    assert "pinned at their defaults, no netlist changed: " in page
    baseline = SPACE.baseline()
    for trial in finished.trials:
        assert all(trial.config[name] == baseline[name] for name in kept["pinned"]), trial.config
    # Resumed (with more budget), the campaign searches the space it screened, without screening again.
    data = yaml.safe_load((tmp_path / "run" / "campaign.yaml").read_text())
    (tmp_path / "run" / "campaign.yaml").write_text(yaml.safe_dump({**data, "budget": {"trials": 12}}))
    (tmp_path / "run" / SCREENING).write_text(json.dumps({**kept, "pinned": [*kept["pinned"], "flatten"]}))
    (resumed,) = run(tmp_path / "run", resume=True, output=None, console=QUIET)
    assert all(t.config["flatten"] is True for t in resumed.trials[len(finished.trials):])
    # A damaged screening file (a disk fault, a hand edit) is screened again, and finds what it found.
    (tmp_path / "run" / SCREENING).write_text('{"pinned": [')
    (tmp_path / "run" / "campaign.yaml").write_text(yaml.safe_dump({**data, "budget": {"trials": 14}}))
    (again,) = run(tmp_path / "run", resume=True, output=None, console=QUIET)
    assert json.loads((tmp_path / "run" / SCREENING).read_text()) == kept
    assert len(again.trials) > len(resumed.trials)


@pytest.mark.parametrize("damage", [
    {"levels": {"abc_delay_target": 5}}, {"idle": {"buffering": "x"}}, {"merged": {"abc_recipe": [["a", "b", "c"]]}},
    {"levels": {"nope": [[0.0]]}}, {"merged": {"nope": [["a", "b"]]}}, {"merged_when": {"abc_delay_target": "x"}},
    {"pinned": "adder"}, {"syntheses": 1e999}, {"merged": {"abc_recipe": [["resyn2", "bogus"]]}},
    {"levels": {"abc_delay_target": [[0.0], [99.0]]}}, {"idle": {"buffering": [{"abc_recipe": "bogus"}]}},
])
def test_a_screening_file_of_the_wrong_shape_or_another_space_is_damaged(tmp_path: Path, damage: dict):
    """Whatever a disk fault or a hand edit leaves in screening.json, loading it and checking it
    against the space give one line, never a traceback (the campaign then screens again)."""
    _screened("adder32").save(tmp_path)
    kept = json.loads((tmp_path / SCREENING).read_text())
    Screening.load(tmp_path).check(SPACE)  # undamaged
    (tmp_path / SCREENING).write_text(json.dumps({**kept, **damage}).replace("Infinity", "1e999"))
    try:
        screening = Screening.load(tmp_path)
    except RtlboError as exc:  # its shape or its types: status and the report say so
        message = str(exc)
        assert Screening.told(tmp_path) == [f"{message}; 'rtlbo run {tmp_path} --resume' screens again"]
    else:  # knobs or values of another space
        with pytest.raises(RtlboError) as info:
            screening.check(SPACE)
        message = str(info.value)
    assert "\n" not in message and "screening" in message


def test_a_number_becomes_levels_where_neighbouring_points_give_the_same_netlists():
    space = SearchSpace(knobs=[Knob(name="abc_recipe", type="fixed", value="resyn2"),
                               Knob(name="abc_delay_target", type="float", low=0.0, high=1.5, default=0.0)])
    mul8 = _task("mul8")
    screening = screen(space, [mul8], None, 2)
    runs = screening.levels["abc_delay_target"]
    assert 1 < len(runs) < NUMBER_POINTS and sum(map(len, runs)) == NUMBER_POINTS
    # Checked independently: each run's points give one netlist, neighbouring runs different ones.
    digest = {p: synthesized_netlist(mul8, Recipe(abc_recipe="resyn2", abc_delay_target=p))
              for run in runs for p in run}
    assert all(len({digest[p] for p in run}) == 1 for run in runs)
    assert all(digest[a[-1]] != digest[b[0]] for a, b in zip(runs, runs[1:], strict=False))
    knob = screening.space(space).knob("abc_delay_target")
    assert knob.type == "choice" and knob.ordered and knob.values == [run[0] for run in runs]
    # A number between two points of a run takes the run's level; the default stays the default.
    middle = (runs[-1][0] + runs[-1][-1]) / 2 if len(runs[-1]) > 1 else runs[-1][0]
    assert screening.canonical(space, {"abc_delay_target": middle})["abc_delay_target"] == runs[-1][0]
    assert screening.canonical(space, {"abc_delay_target": 0.0})["abc_delay_target"] == 0.0
    assert any("levels" in line for line in screening.lines())


def test_levels_one_recipe_maps_alike_merge_there_and_the_search_sees_them_as_one(tmp_path: Path):
    """On mul8 beside gate sizing, resyn2's mapping tells the delay target's levels apart and the
    speed script maps 0.75 to 1.5 alike: those levels merge where speed and sizing are set."""
    space = build_space([("t", {"knobs": {
        "abc_recipe": {"type": "choice", "values": ["resyn2", "speed"]},
        "gate_sizing": {"type": "bool"},
        "abc_delay_target": {"type": "float", "low": 0.0, "high": 1.5,
                             "active_when": {"abc_recipe": ["resyn2"], "gate_sizing": [True]}}}})])
    mul8 = _task("mul8")
    screening = screen(space, [mul8], None, 2)
    levels = screening._levels(space.knob("abc_delay_target"))
    speed = {"abc_recipe": "speed", "gate_sizing": True}
    (merge,) = [m for m in screening.merged_when["abc_delay_target"] if m["when"] == speed]
    (group,) = merge["values"]
    # Checked independently of the screening's own bookkeeping: the digests tell the same.
    def digest(recipe: str, target: float) -> str:
        return synthesized_netlist(mul8, Recipe.from_knobs({"abc_recipe": recipe, "gate_sizing": True,
                                                            "abc_delay_target": target}))
    assert len(group) >= 2 and len({digest("speed", t) for t in group}) == 1
    assert len({digest("resyn2", t) for t in group}) == len(group)
    assert all(digest("speed", t) != digest("speed", group[0]) for t in levels if t not in group)
    screened = screening.space(space)
    config = {**speed, "abc_delay_target": group[-1]}
    assert screened.effective(config)["abc_delay_target"] == group[0]
    assert screened.effective({**config, "abc_recipe": "resyn2"})["abc_delay_target"] == group[-1]
    assert screening.canonical(space, config)["abc_delay_target"] == group[0]
    assert any("give one netlist where abc_recipe=speed, gate_sizing=True" in line for line in screening.lines())
    screening.save(tmp_path)
    assert Screening.load(tmp_path).merged_when == screening.merged_when


def test_a_number_inside_a_range_that_changed_nothing_is_not_evaluated(tmp_path: Path):
    """Two delay targets that gave the same netlists span a range; a proposal inside it repeats
    their flow and gets their outcome without a tool run (a number screening did not make levels of)."""
    space = tmp_path / "target.yaml"
    space.write_text(yaml.safe_dump({"knobs": {
        "abc_recipe": {"type": "fixed", "value": "resyn2"},
        "abc_delay_target": {"type": "float", "low": 0.0, "high": 1.5}}}))
    campaign = tmp_path / "c.yaml"
    campaign.write_text(yaml.safe_dump({
        "name": "t", "tasks": {"suite": "builtin", "select": ["mul8"]}, "budget": {"trials": 8}, "batch_size": 1,
        "executor": {"workers": 1}, "optimizer": "random", "space": [str(space)], "seed": 1, "screening": False,
        "output": str(tmp_path / "run")}))
    (finished,) = run(campaign, resume=False, output=None, console=QUIET)
    by_id = {t.id: t for t in finished.trials}
    inside = [t for t in finished.trials
              if "repeat_of" in t.extra and t.config != by_id[t.extra["repeat_of"]].config]
    assert inside, "the random search hits the range below the best delay twice and then inside it"
    for trial in inside:
        target = trial.config["abc_delay_target"]
        netlist = by_id[trial.extra["repeat_of"]].per_task["mul8"].netlist
        same = [t.config["abc_delay_target"] for t in finished.trials[: trial.id]
                if "repeat_of" not in t.extra and t.per_task.get("mul8") and t.per_task["mul8"].netlist == netlist]
        assert min(same) <= target <= max(same), (target, same)
        assert trial.seconds == 0.0


def test_levels_that_give_one_netlist_under_one_recipe_span_a_range_there(tmp_path: Path):
    """Screening tells the delay target's levels apart under resyn2; on mul8 beside gate sizing the
    speed script gives one netlist from 0.75 to 1.5. Two levels measured there span a range, and a
    level proposed between them repeats their flow without a tool run."""
    space = tmp_path / "levels.yaml"
    space.write_text(yaml.safe_dump({"knobs": {
        "abc_recipe": {"type": "choice", "values": ["resyn2", "speed"]},
        "gate_sizing": {"type": "fixed", "value": True},
        "abc_delay_target": {"type": "float", "low": 0.0, "high": 1.5}}}))
    campaign = tmp_path / "c.yaml"
    campaign.write_text(yaml.safe_dump({
        "name": "l", "tasks": {"suite": "builtin", "select": ["mul8"]}, "budget": {"trials": 12}, "batch_size": 1,
        "executor": {"workers": 1}, "optimizer": "random", "space": [str(space)], "seed": 3,
        "output": str(tmp_path / "run")}))
    (finished,) = run(campaign, resume=False, output=None, console=QUIET)
    assert len(json.loads((tmp_path / "run" / SCREENING).read_text())["levels"]["abc_delay_target"]) > 2
    by_id = {t.id: t for t in finished.trials}
    inside = [t for t in finished.trials if "repeat_of" in t.extra
              and t.config["abc_delay_target"] != by_id[t.extra["repeat_of"]].config["abc_delay_target"]]
    assert inside, "the random search measures two levels under speed, then proposes one between them"
    for trial in inside:
        assert trial.config["abc_recipe"] == "speed" and trial.seconds == 0.0
        netlist = by_id[trial.extra["repeat_of"]].per_task["mul8"].netlist
        same = [t.config["abc_delay_target"] for t in finished.trials[: trial.id] if "repeat_of" not in t.extra
                and t.config["abc_recipe"] == "speed" and t.per_task["mul8"].netlist == netlist]
        assert min(same) < trial.config["abc_delay_target"] < max(same), (trial.config, same)


def test_a_design_that_fails_synthesis_pins_nothing(tmp_path: Path):
    """Every value failing alike says nothing about the knobs: none is pinned or merged."""
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "task.toml").write_text('top = "broken"\nperiod_ns = 5.0\n')
    (folder / "reference.v").write_text("module broken(input [3:0] a, output [3:0] y);\n  assign y = a +;\nendmodule\n")
    (task,) = load_suite(f"tasks:{tmp_path}").tasks
    assert synthesized_netlist(task, Recipe()).startswith("failed")
    screening = screen(SPACE, [task], None, 2)
    assert screening.pinned == [] and screening.merged == {}


def test_a_space_screening_pins_entirely_runs_no_search(tmp_path: Path):
    (tmp_path / "space.yaml").write_text(yaml.safe_dump({"knobs": {"fsm_encoding": {
        "type": "choice", "values": ["auto", "binary", "one-hot", "none"]}}}))
    campaign = tmp_path / "c.yaml"
    campaign.write_text(yaml.safe_dump({
        "name": "p", "tasks": {"suite": "builtin", "select": ["adder32"]}, "space": ["space.yaml"],
        "budget": {"trials": 4}, "optimizer": "sobol", "output": str(tmp_path / "run")}))
    done = subprocess.run([RTLBO, "run", str(campaign)], capture_output=True, text=True)
    assert done.returncode == 0 and "screening pinned every knob" in " ".join((done.stdout + done.stderr).split())
    assert [t.kind.value for t in Run.load(tmp_path / "run").trials] == ["baseline"]


def test_the_spaces_own_idle_and_merged_settings_stay_in_the_space_the_search_sees():
    """What the space file declares holds with screening off, and beside what screening finds (a
    value screening merged away leaves the groups it was in)."""
    space = build_space([("t", {"knobs": {
        "adder": {"type": "choice", "values": ["a", "b", "c", "d"],
                  "merged_when": [{"when": {"retime": True}, "values": [["b", "c", "d"]]}]},
        "retime": {"type": "bool"}, "buffering": {"type": "bool", "idle_when": [{"retime": True}]}}})])
    config = {"adder": "c", "retime": True, "buffering": True}
    assert Screening().space(space).effective(config) == {"adder": "b", "retime": True, "buffering": False}
    screened = Screening(merged={"adder": [("b", "a")]}, idle={"buffering": [{"retime": False}]}).space(space)
    assert screened.knob("adder").merged_when[0].values == [["c", "d"]]
    assert screened.knob("buffering").idle_when == [{"retime": True}, {"retime": False}]
