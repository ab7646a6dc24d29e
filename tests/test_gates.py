"""Mapped netlists read as AIGs without Yosys: checked against the AIG Yosys reads, with real ABC."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from objectives.aiger import Aig, miter, read_aiger, write_aiger
from objectives.equivalence import _aiger_ports, _gate_lines, _side_script, prove
from objectives.gates import MAX_NETLIST_CHARS, netlist_aig, parse_function
from objectives.recipe import Recipe
from objectives.runner import Limits
from objectives.technology import Technology
from objectives.toolchain import YOSYS
from tests.test_equivalence import GATES, PORTS, _design, _synthesize

TECH = Technology.from_env()
LIMITS = Limits(timeout_s=60)


def _yosys_aig(netlist: str, top: str, workdir: Path) -> tuple[Aig, dict]:
    """Return the AIG Yosys reads from ``netlist`` with the liberty's cell functions, and its inputs."""
    workdir.mkdir()
    (workdir / "netlist.v").write_text(netlist)
    run = YOSYS.run_script(workdir, _side_script(_gate_lines(top, TECH.liberty), "gate"), LIMITS, (TECH.liberty,))
    assert run.ok, run.output[-2000:]
    return read_aiger(workdir / "gate.aig"), _aiger_ports((workdir / "gate.map").read_text())[0]


def _same_function(ours, theirs: Aig, their_inputs: dict, workdir: Path) -> bool:
    """Return whether ABC proves the two AIGs equal, input and output bits paired by name."""
    assert ours.inputs.keys() == their_inputs.keys()
    assert sorted(ours.aig.output_names) == sorted(theirs.output_names)
    zero = len(theirs.outputs)  # "never x": a constant mask for the miter's gold side
    gold = Aig(theirs.inputs, (*theirs.outputs, 0), theirs.gates)
    index = {name: k for k, name in enumerate(ours.aig.output_names)}
    outputs = [(k, zero, index[name]) for k, name in enumerate(theirs.output_names)]
    pairs = [(their_inputs[bit], k) for bit, k in ours.inputs.items()]
    (workdir / "check.aig").write_bytes(write_aiger(miter(gold, ours.aig, pairs, outputs)))
    run = YOSYS.abc(workdir, "read check.aig; &get -n; &cec -m", LIMITS)
    return "Networks are equivalent" in run.output


@pytest.mark.parametrize(("name", "recipe"), [
    ("adder32", Recipe()), ("alu", Recipe(gate_sizing=True)), ("barrel", Recipe(abc_recipe="area")),
    ("mul8", Recipe(booth=True)), ("minmax", Recipe()), ("prienc", Recipe(abc_recipe="speed")),
])
def test_a_netlist_reads_as_the_aig_yosys_reads(name: str, recipe: Recipe, builtin, tmp_path: Path) -> None:
    task = builtin[name]
    _, netlist = _synthesize(task, recipe, tmp_path)
    ours = netlist_aig(netlist, task.top, TECH.liberty)
    assert ours is not None
    assert _same_function(ours, *_yosys_aig(netlist, task.top, tmp_path / "yosys"), tmp_path)


def test_escaped_names_buses_constants_and_x_read_as_yosys_reads_them(tmp_path: Path) -> None:
    task = _design("ports", PORTS)
    _, netlist = _synthesize(task, Recipe(), tmp_path)
    # Escaped names may hold what would open and close a comment.
    netlist = netlist.replace("endmodule", "  output [3:1] extra;\n  assign extra = { b[4], 2'b10 };\n"
                              "  output \\o/* ;\n  output \\o*/ ;\n  INVX1 n1 (.A(b[3]), .Y(\\o/* ));\n"
                              "  assign \\o*/  = b[2];\nendmodule")
    netlist = netlist.replace("module ports(", "module ports(extra, \\o/* , \\o*/ , ")
    ours = netlist_aig(netlist, "ports", TECH.liberty)
    theirs, their_inputs = _yosys_aig(netlist, "ports", tmp_path / "yosys")
    assert ours is not None and ("a[0]", 0) in ours.inputs and ("b", 4) in ours.inputs
    assert _same_function(ours, theirs, their_inputs, tmp_path)
    # An x is a free input of its own: any value it takes must satisfy the proof.
    unknown = netlist_aig(netlist.replace("2'b10", "2'b1x"), "ports", TECH.liberty).aig
    literal = unknown.outputs[unknown.output_names.index("extra[0]")]
    assert len(ours.inputs) < literal // 2 <= unknown.inputs and literal % 2 == 0


def test_a_broken_cell_reads_as_a_different_function(builtin, tmp_path: Path) -> None:
    task = builtin["adder32"]
    _, netlist = _synthesize(task, Recipe(), tmp_path)
    cell = next(c for c in ("  XOR2X1 ", "  NAND2X1 ", "  AND2X2 ") if c in netlist)
    broken = netlist.replace(cell, "  XNOR2X1 ", 1)
    ours = netlist_aig(broken, task.top, TECH.liberty)
    assert not _same_function(ours, *_yosys_aig(netlist, task.top, tmp_path / "yosys"), tmp_path)


BODY = "  AND2X1 u2 (.A(t), .B(s[1]), .Y(y));"


@pytest.mark.parametrize("edit", [
    lambda n: n.replace("AND2X1 u2", "DFFPOSX1 u2").replace(".B(s[1]), .Y(y)", ".CLK(s[1]), .Q(y)"),  # state
    lambda n: n.replace("AND2X1 u2", "TBUFX1 u2").replace(".B(s[1])", ".EN(s[1])"),  # tri-state
    lambda n: n.replace("AND2X1 u2", "MYSTERY u2"),  # a cell the liberty lacks
    lambda n: n.replace(".B(a), .Y(t)", ".B(y), .Y(t)"),  # a loop
    lambda n: n.replace(".B(s[1]), .Y(y)", ".B(s[1]), .Y(t)"),  # t driven twice
    lambda n: n.replace("  XOR2X1 u1 (.A(s[0]), .B(a), .Y(t));", "  assign t = s[0] ^ a;"),  # an expression
    lambda n: n + "module other(a);\n  input a;\nendmodule\n",  # a second module
    lambda n: n.replace("endmodule", " " * MAX_NETLIST_CHARS + "endmodule"),  # too large to read here
])
def test_what_the_reader_does_not_know_is_left_to_yosys(edit, tmp_path: Path) -> None:
    netlist = edit(GATES.format(body=BODY))
    assert netlist != GATES.format(body=BODY)
    assert netlist_aig(netlist, "dontcare", TECH.liberty) is None
    assert netlist_aig(GATES.format(body=BODY), "dontcare", TECH.liberty) is not None


def test_the_proof_still_decides_a_netlist_the_reader_leaves_to_yosys(tmp_path: Path) -> None:
    rtl = "module m(input a, input b, output y);\n  assign y = a ^ b;\nendmodule\n"
    netlist = "module m(a, b, y);\n  input a;\n  input b;\n  output y;\n  assign y = a ^ b;\nendmodule\n"
    assert netlist_aig(netlist, "m", TECH.liberty) is None
    assert prove(rtl, "m", netlist, TECH.liberty, tmp_path, LIMITS).outcome == "proved"
    broken = netlist.replace("a ^ b", "a & b")
    assert prove(rtl, "m", broken, TECH.liberty, tmp_path / "broken", LIMITS).outcome == "refuted"


@pytest.mark.parametrize(("function", "truth"), [
    ("A B+C", lambda a, b, c: (a and b) or c),
    ("A+B C", lambda a, b, c: a or (b and c)),
    ("!A^B", lambda a, b, c: (not a) != b),
    ("A^B C", lambda a, b, c: (a != b) and c),  # XOR binds tighter than AND
    ("(A+B)' * C", lambda a, b, c: not (a or b) and c),
    ("A&!(B|C)", lambda a, b, c: a and not (b or c)),
    ("1 A + 0", lambda a, b, c: a),
])
def test_liberty_functions_follow_the_liberty_precedence(function: str, truth) -> None:
    def value(tree: tuple, pins: dict[str, bool]) -> bool:
        kind, *children = tree
        if kind == "var":
            return pins[children[0]]
        if kind == "const":
            return bool(children[0])
        values = [value(child, pins) for child in children]
        return {"not": lambda v: not v[0], "and": all, "or": any, "xor": lambda v: v[0] != v[1]}[kind](values)

    tree = parse_function(function)
    for a, b, c in itertools.product((False, True), repeat=3):
        assert value(tree, {"A": a, "B": b, "C": c}) == bool(truth(a, b, c)), (function, a, b, c)
