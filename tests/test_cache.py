"""The content-addressed cache: a hit returns the identical record; any input change misses."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import replace

from objectives.cascade import StageLimits, evaluate, synthesized_netlist
from objectives.recipe import Recipe
from objectives.toolchain import YOSYS


def test_hit_returns_the_identical_record(builtin, cache):
    task = builtin["mul8"]
    first = evaluate(task, cache=cache)
    assert not first.cached and len(cache) == 1
    second = evaluate(task, cache=cache)
    assert second.cached
    assert second == first
    assert second.to_dict(artifacts=True) == first.to_dict(artifacts=True)


def test_any_input_change_is_a_miss(builtin, cache):
    task = builtin["mul8"]
    base = evaluate(task, cache=cache)
    other_recipe = evaluate(task, Recipe(booth=True), cache=cache)
    other_rtl = evaluate(task, rtl=task.reference_rtl + "\n// same design, other text\n", cache=cache)
    other_period = evaluate(replace(task, period_ns=9.0), cache=cache)
    assert not any(e.cached for e in (other_recipe, other_rtl, other_period))
    assert len({base.key, other_recipe.key, other_rtl.key, other_period.key}) == 4
    assert len(cache) == 4


def test_a_damaged_record_is_a_miss_that_the_next_evaluation_replaces(builtin, cache):
    task = builtin["mul8"]
    first = evaluate(task, cache=cache)
    with closing(sqlite3.connect(cache.path)) as db:
        kinds = {kind for (kind,) in db.execute("SELECT kind FROM records")}
        db.execute("UPDATE records SET body = x'00112233'")  # every record, of every kind
        db.commit()
    assert {"evaluation", "synthesis", "stages"} <= kinds
    again = evaluate(task, cache=cache)
    assert not again.cached and again.metrics == first.metrics
    assert evaluate(task, cache=cache).cached  # replaced by a record that decodes


def test_rtl_simulation_is_reused_across_recipes(builtin, cache):
    task = builtin["mac8"]
    first = evaluate(task, cache=cache)
    again = evaluate(task, Recipe(abc_recipe="resyn2"), cache=cache)
    assert not again.cached
    assert again.stage("simulation") == first.stage("simulation")
    assert again.stage("synthesis") != first.stage("synthesis")


def test_without_cache_nothing_is_stored(builtin, cache):
    evaluate(builtin["mul8"])
    assert len(cache) == 0


def test_a_netlist_seen_before_is_measured_once(builtin, cache):
    """Two recipes that synthesize the same netlist share its gate-level simulation and STA."""
    task = builtin["mul8"]
    first = evaluate(task, Recipe(), cache=cache)
    # The delay target does not act under Yosys's default ABC script: the same gates again.
    second = evaluate(task, Recipe(abc_delay_target=0.7), cache=cache)
    assert second.key != first.key and second.netlist_sha256 == first.netlist_sha256
    assert not first.measurement_reused and second.measurement_reused
    assert second.metrics == first.metrics and second.artifacts["sta.log"] == first.artifacts["sta.log"]
    other = evaluate(task, Recipe(abc_recipe="area"), cache=cache)
    assert other.netlist_sha256 != first.netlist_sha256 and not other.measurement_reused


def test_an_evaluation_takes_the_netlist_a_synthesis_probe_made(builtin, cache, monkeypatch):
    """Yosys and ABC are deterministic: the netlist a synthesis probe made (synthesis only) is the
    one an evaluation of the same flow measures, without running Yosys on it again."""
    task, recipe = builtin["mul8"], Recipe(abc_recipe="area")
    digest = synthesized_netlist(task, recipe, cache=cache)
    scripts = []
    run_script = YOSYS.run_script
    monkeypatch.setattr(YOSYS, "run_script", lambda workdir, script, *rest: scripts.append(script)
                        or run_script(workdir, script, *rest))
    probed = evaluate(task, recipe, cache=cache)
    assert probed.netlist_sha256 == digest and probed.artifacts["synth.ys"] not in scripts
    assert "ABC" in probed.artifacts["synthesis.log"], "the synthesis log comes with the netlist"
    fresh = evaluate(task, recipe)
    assert fresh.artifacts["synth.ys"] in scripts, "without the cache, Yosys synthesizes"
    assert probed.metrics == fresh.metrics and probed.artifacts["netlist.v"] == fresh.artifacts["netlist.v"]


def test_nothing_computed_while_a_tool_was_killed_at_its_time_limit_is_cached(builtin, cache):
    """A tool killed at its wall clock says how loaded the machine was, not what the flow gives:
    the next evaluation of the same flow runs the tools again instead of reusing the failure."""
    task, recipe = builtin["mul8"], Recipe(abc_recipe="area")
    probed = synthesized_netlist(task, recipe, cache=cache, limits=StageLimits(synthesis_s=0.01))
    assert probed.startswith("failed:") and "time limit" in probed
    assert not synthesized_netlist(task, recipe, cache=cache).startswith("failed:"), "the probe ran again"

    late = evaluate(task, recipe, cache=cache, limits=StageLimits(sta_s=0.01))
    assert "time limit" in late.stage("sta").reason and len(cache) == 0
    again = evaluate(task, recipe, cache=cache)
    assert not again.cached and not again.measurement_reused, "the killed measurement was not kept"
    assert again.stage("sta").passed and len(cache) == 1
