"""Recipes: validation with one-line errors, and the scripts they become."""

from __future__ import annotations

from pathlib import Path

import pytest

from objectives.errors import RtlboError
from objectives.recipe import Recipe


def test_default_recipe_is_the_yosys_default_flow():
    script = Recipe().yosys_script(["d.v"], "top", "cells.lib", 5.0)
    assert "synth -top top -flatten\n" in script
    assert "dfflibmap -liberty cells.lib\nabc -liberty cells.lib\n" in script
    assert Recipe().abc_script(5.0) is None and Recipe().changes() == {}


def test_each_knob_shows_in_the_script():
    r = Recipe(booth=True, arith_tree=True, alumacc=False, share=False, flatten=False,
               adder="sklansky", fsm_encoding="binary", abc_recipe="resyn2",
               abc_delay_target=0.4, gate_sizing=True, retime=True)
    script = r.yosys_script(["d.v"], "top", "cells.lib", 3.0)
    synth = next(line for line in script.splitlines() if line.startswith("synth "))
    for flag in ("-booth", "-arith_tree", "-noalumacc", "-noshare", "-nofsm", "+/choices/sklansky.v"):
        assert flag in synth
    assert "-flatten" not in synth
    assert "fsm -encoding binary" in script
    # Retiming composes with the recipe, the delay target and sizing: one ABC run sees the flip-flops.
    assert ("dfflibmap -prepare -liberty cells.lib\nabc -liberty cells.lib -D 1200 -script abc.script "
            "-constr abc.constr -dff\ndfflibmap -liberty cells.lib\n") in script
    assert r.abc_script(3.0).endswith("balance; dretime; map -D 1200; topo; buffer -p; upsize -D 1200; dnsize -D 1200")
    unbuffered = r.model_copy(update={"buffering": False})
    assert unbuffered.abc_script(3.0).endswith("map -D 1200; topo; upsize -D 1200; dnsize -D 1200")
    assert Recipe(buffering=False).abc_script(3.0) is None  # buffering acts only with gate sizing


def test_unknown_knob_suggests_the_closest(tmp_path: Path):
    path = tmp_path / "recipe.yaml"
    path.write_text("booht: true\n")
    with pytest.raises(RtlboError, match=r"recipe.yaml: unknown key 'booht'; did you mean 'booth'\?"):
        Recipe.load(path)


def test_bad_value_names_the_key(tmp_path: Path):
    path = tmp_path / "recipe.yaml"
    path.write_text("abc_recipe: fastest\n")
    with pytest.raises(RtlboError, match=r"bad value for 'abc_recipe'") as info:
        Recipe.load(path)
    assert "\n" not in str(info.value)


def test_missing_and_malformed_files(tmp_path: Path):
    with pytest.raises(RtlboError, match="file not found"):
        Recipe.load(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("booth: [true\n")
    with pytest.raises(RtlboError, match="invalid YAML"):
        Recipe.load(bad)


def test_sequence_recipe_runs_its_operations_before_the_mapping():
    r = Recipe(abc_recipe="sequence", abc_sequence=("dc2", "resub -z", "dc2"), abc_delay_target=0.5, retime=True)
    assert r.abc_script(2.0) == "strash; dc2; resub -z; dc2; dretime; map -D 1000"
    assert Recipe(abc_recipe="sequence").abc_script(2.0) == Recipe(abc_recipe="resyn2").abc_script(2.0)
    assert Recipe.from_knobs(r.model_dump()) == r and r.changes()["abc_sequence"] == ["dc2", "resub -z", "dc2"]


@pytest.mark.parametrize("sequence", [["balance", "source evil.script"], ["rewrite", "rewrite; write_verilog x.v"]])
def test_sequence_takes_only_known_operations(sequence: list[str]):
    message = r"recipe: bad value for 'abc_sequence.1': Input should be 'balance', "
    with pytest.raises(RtlboError, match=message) as info:
        Recipe.from_knobs({"abc_recipe": "sequence", "abc_sequence": sequence})
    assert "\n" not in str(info.value)
