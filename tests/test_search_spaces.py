"""Search spaces: the YAML format, its validation, the translations, the packaged spaces built
from the knob declarations, and the synthesis knobs."""

from __future__ import annotations

import typing
from pathlib import Path

import numpy as np
import pytest

from objectives.cascade import evaluate
from objectives.errors import RtlboError
from objectives.generate import GeneratorSettings
from objectives.knobs import declared
from objectives.recipe import Recipe
from objectives.trial import check_knobs
from optimize.optimizers.ax import ax_constraints, ax_inactive_inputs, ax_parameters
from optimize.optimizers.optuna_samplers import distributions
from optimize.spaces import PACKAGED, packaged_space, space_files
from search_spaces import build_space, load_space

SYNTHESIS = build_space([("synthesis", packaged_space("synthesis"))])
DOCS = Path(__file__).parent.parent / "docs"


def write(tmp_path: Path, text: str, name: str = "space.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_synthesis_space_matches_the_recipe():
    space = SYNTHESIS
    assert len(space.knobs) >= 10
    assert set(space.names) == set(Recipe.model_fields)
    assert Recipe.from_knobs(space.baseline()) == Recipe()
    for knob in space.knobs:
        field = Recipe.model_fields[knob.name]
        if knob.type == "choice":
            assert knob.choices == list(typing.get_args(field.annotation)), knob.name
        if knob.type == "float":
            low = next(m.ge for m in field.metadata if hasattr(m, "ge"))
            high = next(m.le for m in field.metadata if hasattr(m, "le"))
            assert low <= knob.low and knob.high <= high


@pytest.mark.parametrize("name", PACKAGED)
def test_packaged_spaces_lie_inside_what_the_evaluator_accepts(name: str, tmp_path: Path):
    space = build_space([(name, packaged_space(name))])
    llm = GeneratorSettings(backend="replay", replay_file="completions.jsonl")
    check_knobs({k.name: k.probes() for k in space.knobs}, {k.name: k.source for k in space.knobs}, llm)
    assert PACKAGED[name].model_validate(space.baseline()) == PACKAGED[name]()
    # A run directory keeps the packaged space as a YAML file, which loads as the same space.
    (file,) = space_files([name], tmp_path)
    file.write(tmp_path)
    written = load_space(tmp_path / f"{name}.yaml")
    assert [k.model_dump() for k in written.knobs] == [k.model_dump() for k in space.knobs]


def _shown(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else f"{value}"


def _values(field, packaged: dict | None) -> str:
    """A knob's packaged domain, its default, and what the evaluator accepts where that is wider."""
    if packaged is None:
        return "any (not in the packaged space)"
    if packaged["type"] in ("bool", "choice"):
        return f"{', '.join(packaged.get('values', ['bool']))} ({_shown(field.default)})"
    bounds = {name: getattr(m, name) for m in field.metadata for name in ("ge", "gt", "le", "min_length", "max_length")
              if hasattr(m, name)}
    if packaged["type"] == "sequence":
        return (f"{packaged['length']} of: {', '.join(packaged['values'])} ({'; '.join(field.default)}); "
                f"accepts {bounds['min_length']} – {bounds['max_length']} of them")
    shown = f"{packaged['low']:g} – {packaged['high']:g} ({_shown(field.default)})"
    if (packaged["low"], packaged["high"]) != (bounds.get("ge"), bounds["le"]):
        low = f"[{bounds['ge']:g}" if "ge" in bounds else f"({bounds['gt']:g}"
        shown += f"; accepts {low}, {bounds['le']:g}]"
    return shown


def knob_table(name: str) -> list[str]:
    """The docs' table of the knobs of ``name``'s model, rendered from their declarations."""
    packaged = packaged_space(name)["knobs"]
    rows = ["| knob | values (default) | acts | meaning | effect on the flow |", "| --- | --- | --- | --- | --- |"]
    for knob, field in PACKAGED[name].model_fields.items():
        when = declared(field, "active_when") or {}
        acts = "; ".join(f"`{k}`: {', '.join(map(_shown, values))}" for k, values in when.items()) or "always"
        rows.append(f"| `{knob}` | {_values(field, packaged.get(knob))} | {acts} | {field.description} "
                    f"| {declared(field, 'effect')} |")
    return rows


@pytest.mark.parametrize(("name", "doc"), [("synthesis", "evaluation.md"), ("generation", "llm.md")])
def test_docs_show_the_declared_knobs(name: str, doc: str):
    lines = (DOCS / doc).read_text().splitlines()
    start = lines.index(f"<!-- knobs: {name} ({Path(__file__).relative_to(DOCS.parent)} renders this table from the "
                        "declarations) -->")
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("|")), len(lines))
    expected = knob_table(name)
    assert lines[start + 1:end] == expected, f"docs/{doc} is out of date; its {name} knob table is:\n" + "\n".join(
        expected)


# (knob, value, task, other knobs): the space declares the knob idle there, and the netlist agrees.
IDLE_KNOBS = [
    ("abc_delay_target", 1.2, "mul8", {}),
    ("abc_delay_target", 1.2, "barrel", {"abc_recipe": "speed"}),
    ("abc_delay_target", 1.2, "mul8", {"abc_recipe": "area"}),
    ("abc_delay_target", 1.2, "mac8", {"retime": True}),
    ("buffering", False, "barrel", {}),
]


@pytest.mark.parametrize(("knob", "value", "task", "others"), IDLE_KNOBS)
def test_idle_knob_leaves_the_netlist_unchanged(knob, value, task, others, builtin, cache):
    space = SYNTHESIS
    base = {**space.baseline(), **others}
    changed = {**base, knob: value}
    assert not space.knob(knob).acts_in(changed)
    assert space.effective(changed) == base
    netlists = [evaluate(builtin[task], Recipe(**c), cache=cache).artifacts["netlist.v"] for c in (base, changed)]
    assert netlists[0] == netlists[1]


def test_effective_config_holds_idle_knobs_at_their_defaults():
    space = SYNTHESIS
    config = {**space.baseline(), "abc_delay_target": 0.8, "buffering": False}
    assert space.effective(config) == space.baseline()
    for acting in ({"abc_recipe": "resyn2"}, {"gate_sizing": True}):
        kept = space.effective({**config, **acting})
        assert kept["abc_delay_target"] == 0.8 and kept["buffering"] == ("gate_sizing" not in acting)
    assert space.effective({**config, "retime": True})["abc_delay_target"] == 0.0


def test_branches_are_each_value_of_each_switch_at_the_defaults():
    """The knobs an active_when names choose the flow: each of their other values, with every other
    knob at its default, is one of the space's branches (the canned ABC recipes, gate sizing)."""
    space, base = SYNTHESIS, SYNTHESIS.baseline()
    assert [k.name for k in space.switches] == ["abc_recipe", "gate_sizing"]
    changed = [{k: v for k, v in branch.items() if v != base[k]} for branch in space.branches()]
    assert changed == [{"abc_recipe": r} for r in Recipe.model_fields["abc_recipe"].annotation.__args__[1:]] + [
        {"gate_sizing": True}]
    assert not build_space([("s", {"knobs": {"booth": {"type": "bool"}}})]).branches(), "no switch, no branch"


def test_random_draws_take_a_switch_s_values_by_the_coordinates_they_open(tmp_path: Path):
    """A switch's value is drawn with weight one plus the coordinates it makes act (here 1, 2 and 5:
    a sequence of four opens four), every other coordinate uniformly."""
    space = load_space(write(tmp_path, """
knobs:
  r: {type: choice, values: [a, b, s]}
  t: {type: float, low: 0, high: 1, active_when: {r: [b]}}
  ops: {type: sequence, values: [x, y, z], length: 4, active_when: {r: [s]}}
  flag: {type: bool}
"""))
    rng = np.random.default_rng(0)
    draws = [space.draw(rng) for _ in range(4000)]
    for value, share in [("a", 1 / 8), ("b", 2 / 8), ("s", 5 / 8)]:
        assert abs(sum(d["r"] == value for d in draws) / len(draws) - share) < 0.03, value
    assert abs(sum(d["flag"] for d in draws) / len(draws) - 0.5) < 0.03
    assert abs(sum(d["ops"][2] == "z" for d in draws) / len(draws) - 1 / 3) < 0.03
    assert all(space.violations(d) == [] for d in draws[:100])


def test_a_knob_is_idle_where_one_of_its_idle_settings_holds_in_full(tmp_path: Path):
    space = load_space(write(tmp_path, """
knobs:
  d: {type: float, low: 0, high: 1, default: 0, active_when: {r: [b, c]}, idle_when: [{r: c, s: true}]}
  r: {type: choice, values: [a, b, c]}
  s: {type: bool}
"""))
    config = {"d": 0.5, "r": "c", "s": False}
    assert space.effective(config)["d"] == 0.5
    assert space.effective({**config, "s": True})["d"] == 0.0  # the setting holds in full
    assert space.effective({**config, "r": "b", "s": True})["d"] == 0.5  # only part of it holds
    assert space.effective({**config, "r": "a"})["d"] == 0.0  # no condition of active_when holds


def test_merged_values_run_the_flow_of_the_value_that_stands_for_them_where_their_setting_holds(tmp_path: Path):
    space = load_space(write(tmp_path, """
knobs:
  d: {type: choice, values: [0.0, 0.5, 1.0, 1.5], ordered: true, active_when: {r: [b, c]},
      merged_when: [{when: {r: c, s: true}, values: [[1.0, 0.5, 1.5]]}]}
  r: {type: choice, values: [a, b, c]}
  s: {type: bool}
"""))
    config = {"d": 1.5, "r": "c", "s": True}
    assert space.effective(config)["d"] == 1.0
    assert space.effective({**config, "d": 0.0})["d"] == 0.0  # in no group
    assert space.effective({**config, "s": False})["d"] == 1.5  # only part of the setting holds
    assert space.effective({**config, "r": "a"})["d"] == 0.0  # idle: at its default


def test_ax_inactive_inputs_of_merged_values_and_ordered_numbers(tmp_path: Path):
    space = load_space(write(tmp_path, """
knobs:
  d: {type: choice, values: [1.5, 0.5, 1.0, 2.0], ordered: true, default: 1.0, active_when: {s: [true]},
      merged_when: [{when: {r: c}, values: [[1.0, 0.5, 2.0]]}]}
  m: {type: choice, values: [x, y, z, w], merged_when: [{when: {s: true, r: b}, values: [[z, x], [y, w]]}]}
  r: {type: choice, values: [a, b, c]}
  s: {type: bool}
"""))
    # Ax feeds an ordered choice of numbers as the numbers (sorted), so a held or merged value is a number.
    d, m = ax_inactive_inputs(space)
    assert d["hold"] == [("d", 1.0)]
    assert d["merge"] == [{"where": [("r_OH_PARAM_2", 1.0)], "snap": ("d", [(0.5, 1.0), (1.0, 1.0), (1.5, 1.5),
                                                                              (2.0, 1.0)])}]
    assert m["merge"] == [{"where": [("s", 1.0), ("r_OH_PARAM_1", 1.0)],
                           "move": [("m_OH_PARAM_2", ["m_OH_PARAM_0"]), ("m_OH_PARAM_1", ["m_OH_PARAM_3"])]}]


def test_ax_inactive_inputs_name_ax_model_inputs():
    rules = ax_inactive_inputs(SYNTHESIS)
    *positions, mapping, delay, buffering = rules
    assert delay["hold"] == [("abc_delay_target", 0.0)]
    # Ax one-hot encodes unordered string choices in declaration order: resyn2 is value 1.
    assert delay["when"] == [("abc_recipe_OH_PARAM_1", 1.0), ("abc_recipe_OH_PARAM_2", 1.0),
                             ("abc_recipe_OH_PARAM_3", 1.0), ("abc_recipe_OH_PARAM_6", 1.0), ("gate_sizing", 1.0)]
    # Each position of the sequence is held at its default operation (balance first, value 0).
    assert len(positions) == 10 and all(p["when"] == [("abc_recipe_OH_PARAM_6", 1.0)] for p in positions)
    assert positions[0]["hold"] == [(f"abc_sequence[0]_OH_PARAM_{i}", float(i == 0)) for i in range(12)]
    assert mapping["hold"] == [(f"abc_mapping_OH_PARAM_{i}", float(i == 0)) for i in range(3)]
    assert mapping["when"] == [("abc_recipe_OH_PARAM_6", 1.0)]
    assert buffering == {"hold": [("buffering", 1.0)], "when": [("gate_sizing", 1.0)], "idle": [], "merge": []}


def test_ax_inactive_inputs_of_other_knob_types(tmp_path: Path):
    space = load_space(write(tmp_path, """
knobs:
  t: {type: float, low: 0.1, high: 10, log: true, default: 1, active_when: {n: [3, 1]}}
  m: {type: choice, values: [b, a], default: a, active_when: {f: [false]}}
  n: {type: choice, values: [3, 1, 2]}
  f: {type: bool}
  i: {type: int, low: 1, high: 4, default: 2, idle_when: [{f: true, n: 2}, {n: 3}]}
"""))
    # Ax sorts numeric choices before one-hot encoding them, feeds log-scaled numbers as log10, and
    # two choices (ordered by Ax, whatever the space says) as one input: the value's index. A knob
    # idle in some settings acts unconditionally elsewhere (no "when").
    assert ax_inactive_inputs(space) == [
        {"hold": [("t", 0.0)], "when": [("n_OH_PARAM_2", 1.0), ("n_OH_PARAM_0", 1.0)], "idle": [], "merge": []},
        {"hold": [("m", 1.0)], "when": [("f", 0.0)], "idle": [], "merge": []},
        {"hold": [("i", 2.0)], "when": [], "idle": [[("f", 1.0), ("n_OH_PARAM_1", 1.0)], [("n_OH_PARAM_2", 1.0)]],
         "merge": []},
    ]
    two = load_space(write(tmp_path, "knobs:\n  t: {type: bool, active_when: {o: [y]}}\n"
                                     "  o: {type: choice, values: [x, y], ordered: true}\n", "two.yaml"))
    assert ax_inactive_inputs(two) == [{"hold": [("t", 0.0)], "when": [("o", 1.0)], "idle": [], "merge": []}]
    ordered = load_space(write(tmp_path, "knobs:\n  t: {type: bool, active_when: {o: [x]}}\n"
                                         "  o: {type: choice, values: [x, y, z], ordered: true}\n", "o.yaml"))
    with pytest.raises(RtlboError, match="make it unordered or pick another optimizer"):
        ax_inactive_inputs(ordered)


def test_unit_cube_round_trip_and_domains():
    space = SYNTHESIS
    rng = np.random.default_rng(0)
    for u in rng.random((50, space.dimension)):
        config = space.decode(u)
        assert space.violations(config) == []
        assert space.decode(space.encode(config)) == config
    assert space.decode(space.encode(space.baseline())) == space.baseline()


def test_translations_cover_every_tunable_knob(tmp_path: Path):
    path = write(tmp_path, """
knobs:
  t: {type: float, low: 0.05, high: 1.5, log: true, default: 0.2}
  k: {type: int, low: 0, high: 3}
  tmpl: {type: choice, values: [plain, ppa, fewshot], ordered: false}
  flag: {type: bool}
  model: {type: fixed, value: qwen}
constraints:
  - "t + 0.5*k <= 2.5"
""")
    space = load_space(path)
    ax = {p.name: p for p in ax_parameters(space)}
    assert set(ax) == {"t", "k", "tmpl", "flag"}
    assert ax["t"].scaling == "log" and ax["k"].parameter_type == "int"
    assert ax["tmpl"].parameter_type == "str" and ax["tmpl"].is_ordered is False
    assert ax_constraints(space) == ["1*t + 0.5*k <= 2.5"]
    assert set(distributions(space)) == {"t", "k", "tmpl", "flag"}
    config = space.decode([1.0, 1.0, 0.0, 0.9])
    assert config == {"t": 1.5, "k": 3, "tmpl": "plain", "flag": True, "model": "qwen"}
    assert space.violations(config) == ["violates 't + 0.5*k <= 2.5'"]


def test_sequence_knob_is_one_choice_per_position_to_optimizers(tmp_path: Path):
    space = load_space(write(tmp_path, """
knobs:
  r: {type: choice, values: [plain, sequence]}
  s: {type: sequence, values: [a, b, c], length: 3, default: [c, a, c], active_when: {r: [sequence]}}
  t: {type: float, low: 0, high: 1}
"""))
    knob = space.knob("s")
    assert [k.name for k in space.coordinates] == ["r", "s[0]", "s[1]", "s[2]", "t"] and space.dimension == 5
    assert [k.default for k in knob.coordinates()] == ["c", "a", "c"]
    assert all(k.active_when == {"r": ["sequence"]} for k in knob.coordinates())
    assert knob.probes() == [["a"] * 3, ["b"] * 3, ["c"] * 3] and knob.baseline() == ["c", "a", "c"]
    assert knob.contains(["a", "b", "a"]) and not knob.contains(["a", "b"]) and not knob.contains(["a", "b", "d"])
    assert space.decode([0.9, 0.0, 0.5, 0.99, 0.25]) == {"r": "sequence", "s": ["a", "b", "c"], "t": 0.25}
    rng = np.random.default_rng(0)
    for u in rng.random((20, space.dimension)):
        config = space.decode(u)
        assert space.violations(config) == [] and space.decode(space.encode(config)) == config
    config = {"r": "sequence", "s": ["b", "b", "a"], "t": 0.5}
    assert space.by_coordinate(config) == {"r": "sequence", "s[0]": "b", "s[1]": "b", "s[2]": "a", "t": 0.5}
    assert space.complete(space.by_coordinate(config)) == config == space.complete(config)
    assert space.effective({**config, "r": "plain"}) == {"r": "plain", "s": ["c", "a", "c"], "t": 0.5}
    assert space.violations({**config, "s": ["b", "d", "a"]}) == ["s=['b', 'd', 'a'] is outside its domain"]
    assert {p.name for p in ax_parameters(space)} == set(distributions(space)) == {k.name for k in space.coordinates}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("knobs:\n  a: {type: floot, low: 0, high: 1}\n", r"knob 'a': bad value for 'type'"),
        ("knobs:\n  a: {type: choice, values: []}\n", r"knob 'a': a choice knob needs a non-empty 'values'"),
        ("knobs:\n  a: {type: float, low: 2, high: 1}\n", r"knob 'a': 'low' \(2\) must be below 'high' \(1\)"),
        ("knobs:\n  a: {type: float, low: 0, high: 1, log: true}\n", r"knob 'a': a log-scaled knob needs 'low' > 0"),
        ("knobs:\n  a: {type: int, low: 0, high: 3, defualt: 1}\n", r"unknown key 'defualt'; did you mean 'default'\?"),
        ("knobs:\n  a: {type: int, low: 0, high: 3, default: 7}\n", r"default 7 is outside the knob's domain"),
        ("knobs:\n  a: {type: bool}\nconstraints: ['a <= 1']\n", r"names 'a', which is not a numeric knob"),
        ("knobs:\n  a: {type: int, low: 0, high: 3}\nconstraints: ['a << 1']\n", r"is not 'linear expression"),
        ("knobs: {}\n", r"'knobs' is empty"),
        ("knob:\n  a: {type: bool}\n", r"unknown key 'knob'; did you mean 'knobs'\?"),
        ("knobs:\n  a: {type: bool, active_when: {b: [true]}}\n", r"active_when names 'b', not another knob"),
        ("knobs:\n  a: {type: bool, active_when: {a: [true]}}\n", r"active_when names 'a', not another knob"),
        ("knobs:\n  a: {type: bool, active_when: {b: [1]}}\n  b: {type: int, low: 0, high: 3}\n",
         r"active_when names 'b'; name bool or choice knobs"),
        ("knobs:\n  a: {type: bool, active_when: {b: [x]}}\n  b: {type: choice, values: [y, z]}\n",
         r"'b' takes \['y', 'z'\], not \['x'\]"),
        ("knobs:\n  s: {type: sequence, values: [a, b], length: 3, default: [a, b]}\n",
         r"default \['a', 'b'\] is outside the knob's domain \(give a list of 3 of: a, b\)"),
        ("knobs:\n  s: {type: sequence, values: [a, b], length: 2, default: [a, c]}\n",
         r"default \['a', 'c'\] is outside the knob's domain \(give a list of 2 of: a, b\)"),
        ("knobs:\n  s: {type: sequence, values: [a, b, a], length: 2}\n", r"'values' has duplicates"),
        ("knobs:\n  s: {type: sequence, values: [a, b]}\n", r"a sequence knob needs 'length'"),
        ("knobs:\n  s: {type: choice, values: [a, b], length: 2}\n",
         r"'length' is not a field of choice knobs \(only of sequence\); drop it"),
        ("knobs:\n  b: {type: bool, values: [x, y]}\n",
         r"'values' is not a field of bool knobs \(only of choice and sequence\)"),
        ("knobs:\n  f: {type: float, low: 0, high: 1, values: [0, 1]}\n", r"'values' is not a field of float knobs"),
        ("knobs:\n  c: {type: choice, values: [x, y], low: 0}\n", r"'low' is not a field of choice knobs"),
        ("knobs:\n  i: {type: int, low: 0, high: 3, ordered: true}\n", r"'ordered' is not a field of int knobs"),
        ("knobs:\n  c: {type: choice, values: [x, y], value: x}\n", r"'value' is not a field of choice knobs"),
        ("knobs:\n  a: {type: bool, active_when: {s: [x]}}\n  s: {type: sequence, values: [x], length: 2}\n",
         r"active_when names 's'; name bool or choice knobs"),
        ("knobs:\n  a: {type: bool, idle_when: [{b: z}]}\n  b: {type: choice, values: [x, y]}\n",
         r"knob 'a' idle_when: 'b' takes \['x', 'y'\], not \['z'\]"),
        ("knobs:\n  a: {type: bool, idle_when: [{}]}\n  b: {type: bool}\n", r"idle_when holds an empty setting"),
        ("knobs:\n  a: {type: bool, idle_when: [{c: true}]}\n  b: {type: bool}\n", r"idle_when names 'c', not another"),
        ("knobs:\n  a: {type: float, low: 0, high: 1, merged_when: [{when: {b: true}, values: [[0, 1]]}]}\n"
         "  b: {type: bool}\n", r"merged_when is for choice knobs, not float"),
        ("knobs:\n  a: {type: choice, values: [x, y, z], merged_when: [{when: {b: true}, values: [[x, w]]}]}\n"
         "  b: {type: bool}\n", r"merged_when: list values of \['x', 'y', 'z'\], not \['x', 'w'\]"),
        ("knobs:\n  a: {type: choice, values: [x, y, z], merged_when: [{when: {b: true}, values: [[x, y], [y, z]]}]}"
         "\n  b: {type: bool}\n", r"a value is in two groups"),
        ("knobs:\n  a: {type: choice, values: [x, y, z], merged_when: [{when: {b: true}, values: [[x]]}]}\n"
         "  b: {type: bool}\n", r"each group of 'values' needs two values or more"),
        ("knobs:\n  a: {type: choice, values: [x, y, z], merged_when: [{when: {b: true}, values: [[x, y, z]]}]}\n"
         "  b: {type: bool}\n", r"write the setting in idle_when instead"),
        ("knobs:\n  a: {type: choice, values: [x, y, z], merged_when: [{when: {}, values: [[x, y]]}]}\n"
         "  b: {type: bool}\n", r"merged_when holds an empty setting"),
        ("knobs:\n  a: {type: choice, values: [x, y, z], merged_when: [{when: {c: 1}, values: [[x, y]]}]}\n"
         "  b: {type: bool}\n", r"knob 'a' merged_when names 'c', not another knob"),
    ],
)
def test_bad_space_files_give_one_line_errors(tmp_path: Path, text: str, message: str):
    path = write(tmp_path, text)
    with pytest.raises(RtlboError, match=message) as info:
        load_space(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_duplicate_knobs_across_files(tmp_path: Path):
    a = write(tmp_path, "knobs:\n  x: {type: bool}\n", "a.yaml")
    b = write(tmp_path, "knobs:\n  x: {type: bool}\n", "b.yaml")
    with pytest.raises(RtlboError, match="knob 'x' is declared twice"):
        load_space([a, b])
