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
