"""Formal equivalence of mapped netlists with their RTL, with the real Yosys, ABC and iverilog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import objectives.cascade as cascade_module
from objectives.cache import EvalCache
from objectives.cascade import Cascade, StageLimits
from objectives.equivalence import COUNTEREXAMPLE, EXHAUSTIVE, SWEEP, Gold, build_gold, prove, random_stimulus, replay
from objectives.errors import RtlboError
from objectives.recipe import Recipe
from objectives.runner import Limits
from objectives.tasks import Task
from objectives.technology import Technology

TECH = Technology.from_env()
LIMITS = Limits(timeout_s=60)


def _synthesize(task: Task, recipe: Recipe, tmp_path: Path) -> tuple[str, str]:
    """Return (the RTL as synthesis reads it, the mapped netlist) of ``task`` under ``recipe``."""
    cascade = Cascade(task, task.reference_rtl, tmp_path / "synthesis", StageLimits(), {}, TECH)
    (tmp_path / "synthesis").mkdir()
    (result,) = cascade.synthesize(recipe)
    assert result.passed, result.reason
    return cascade.views["synthesis"], cascade.netlist


def _design(name: str, rtl: str, clock: str | None = None, reset: str | None = None) -> Task:
    return Task(name=name, top=name, spec="", reference_rtl=rtl, harness=(), clock=clock, reset=reset)


def _prove(task: Task, rtl: str, netlist: str, tmp_path: Path, **options):
    clocks = tuple(port for port, _ in task.clocks)
    return prove(rtl, task.top, netlist, TECH.liberty, tmp_path / "proof", options.pop("limits", LIMITS),
                 clocks=clocks, reset=task.reset, reset_active=task.reset_active, **options)


@pytest.mark.parametrize(("name", "recipe"), [("mul16", Recipe()), ("alu", Recipe(gate_sizing=True))])
def test_combinational_netlists_are_proved(name: str, recipe: Recipe, builtin, tmp_path: Path) -> None:
    task = builtin[name]
    result = _prove(task, *_synthesize(task, recipe, tmp_path), tmp_path)
    assert result.outcome == "proved", result.reason
    assert result.method == SWEEP[0] and result.counterexample == ""


def test_few_inputs_are_proved_by_simulating_every_vector(builtin, tmp_path: Path) -> None:
    """A Booth-encoded 8x8 multiplier: SAT sweeping takes seconds, its 2^16 vectors milliseconds."""
    task = builtin["mul8"]
    result = _prove(task, *_synthesize(task, Recipe(booth=True, abc_recipe="compress2rs"), tmp_path), tmp_path)
    assert result.outcome == "proved", result.reason
    assert result.method == EXHAUSTIVE


def test_registers_without_reset_are_proved_by_correspondence(builtin, tmp_path: Path) -> None:
    # pipemul's data registers have no reset, its valid bits an asynchronous one.
    task = builtin["pipemul"]
    result = _prove(task, *_synthesize(task, Recipe(), tmp_path), tmp_path)
    assert result.outcome == "proved", result.reason
    assert result.method.startswith("register correspondence")


@pytest.mark.parametrize("name", ["pipemul", "counter"])
def test_retimed_netlists_are_proved(name: str, builtin, tmp_path: Path) -> None:
    task = builtin[name]
    rtl, netlist = _synthesize(task, Recipe(retime=True), tmp_path)
    result = _prove(task, rtl, netlist, tmp_path, retimed=True)
    assert result.outcome == "proved", result.reason
    assert result.method.startswith("sequential")


def test_a_recoded_state_machine_is_proved(builtin, tmp_path: Path) -> None:
    task = builtin["seqdet"]  # Yosys recodes its 3-bit state one-hot
    rtl, netlist = _synthesize(task, Recipe(), tmp_path)
    assert "wire [4:0] state" in netlist
    assert _prove(task, rtl, netlist, tmp_path).outcome == "proved"


def _swap_cell(netlist: str) -> str:
    """Return ``netlist`` with its first AND2X1 made an OR2X1."""
    assert "  AND2X1 " in netlist
    return netlist.replace("  AND2X1 ", "  OR2X1 ", 1)


def _invert_output(netlist: str, output: str) -> str:
    """Return ``netlist`` with the 1-bit ``output`` driven through an inverter."""
    driver = re.search(rf"\.(?:Y|Q)\({re.escape(output)}\)", netlist).group(0)
    netlist = netlist.replace(driver, driver.replace(output, "broken"), 1)
    return netlist.replace("endmodule", f"  wire broken;\n  INVX1 inverter (.A(broken), .Y({output}));\nendmodule")


@pytest.mark.parametrize(("name", "breaking"), [("mul8", _swap_cell), ("mul16", _swap_cell), ("counter", _swap_cell),
                                                ("crc", lambda n: _invert_output(n, "crc[0]"))])
def test_a_broken_netlist_is_refuted_and_the_counterexample_reproduces(name, breaking, builtin, tmp_path) -> None:
    task = builtin[name]
    rtl, netlist = _synthesize(task, Recipe(), tmp_path)
    broken = breaking(netlist)
    result = _prove(task, rtl, broken, tmp_path)
    assert result.outcome == "refuted", result.reason
    assert COUNTEREXAMPLE in result.reason
    rows = [line.split() for line in result.counterexample.splitlines() if not line.startswith("#")]
    inputs = [p for p in re.findall(r"input (?:\[\d+:\d+\] )?(\w+);", netlist) if p not in [c for c, _ in task.clocks]]
    assert rows[0] == ["cycle", *inputs] and len(rows) >= 2
    # Simulated, RTL and broken netlist differ under that sequence; the netlist as synthesized does not.
    clocks = tuple(port for port, _ in task.clocks)
    difference = replay(result.counterexample, rtl, broken, task.top, clocks, TECH.cell_models, tmp_path / "broken",
                        LIMITS)
    assert difference is not None and "in the RTL" in difference
    assert replay(result.counterexample, rtl, netlist, task.top, clocks, TECH.cell_models, tmp_path / "good",
                  LIMITS) is None
    replayed = _prove(task, rtl, broken, tmp_path / "again", cell_models=TECH.cell_models)
    assert replayed.outcome == "refuted" and replayed.reason.startswith("cycle ")
    # 16 inputs: every vector simulated; 32: SAT sweeping, which stops at the output that differs.
    assert result.method == {"mul8": EXHAUSTIVE, "mul16": SWEEP[0]}.get(name, result.method)
    assert (result.method == EXHAUSTIVE) == (name == "mul8")


# Three gate-level implementations of the same RTL, whose output is x for s = 2 and 3.
DONT_CARE = """module dontcare(input [1:0] s, input a, output reg y);
    always @(*) case (s) 2'd0: y = a; 2'd1: y = ~a; default: y = 1'bx; endcase
endmodule
"""
GATES = """module dontcare(s, a, y);
  input [1:0] s;
  input a;
  output y;
  wire t, n;
  XOR2X1 u1 (.A(s[0]), .B(a), .Y(t));
{body}
endmodule
"""


@pytest.mark.parametrize(("body", "outcome"), [
    ("  INVX1 u2 (.A(s[1]), .Y(n));\n  AND2X1 u3 (.A(t), .B(n), .Y(y));", "proved"),  # 0 where the RTL says x
    ("  OR2X1 u3 (.A(t), .B(s[1]), .Y(y));", "proved"),  # 1 where the RTL says x
    ("  INVX1 u3 (.A(t), .Y(y));", "refuted"),  # wrong where the RTL is defined
])
def test_an_x_in_the_rtl_lets_the_netlist_choose(body: str, outcome: str, tmp_path: Path) -> None:
    result = prove(DONT_CARE, "dontcare", GATES.format(body=body), TECH.liberty, tmp_path, LIMITS,
                   cell_models=TECH.cell_models)
    assert result.outcome == outcome, result.reason


# Ports of every kind the joined miter pairs by name: bit-blasted escaped names, a bus starting at
# bit 1, an output that is constant, one that is x where the RTL leaves it open.
PORTS = """module ports(input \\a[0] , input \\a[1] , input [4:1] b, output [4:1] s, output one, output reg y);
    assign s = b + {\\a[1] , \\a[0] };
    assign one = 1'b1;
    always @(*) y = \\a[0] ? b[1] : 1'bx;
endmodule
"""


@pytest.mark.parametrize(("editing", "outcome"), [(lambda n: n, "proved"),
                                                  (lambda n: _invert_output(n, "s[1]"), "refuted")])
def test_a_combinational_miter_is_joined_from_two_aigs(editing, outcome: str, tmp_path: Path) -> None:
    """Each side is written as an AIG by its own Yosys, and the two are joined port by port."""
    task = _design("ports", PORTS)
    rtl, netlist = _synthesize(task, Recipe(), tmp_path)
    result = _prove(task, rtl, editing(netlist), tmp_path, cell_models=TECH.cell_models)
    assert result.outcome == outcome, result.reason
    assert "miter.v" not in (tmp_path / "proof" / "synth.ys").read_text()


def test_ports_whose_names_could_be_bits_of_another_are_left_to_yosys(tmp_path: Path) -> None:
    ambiguous = PORTS.replace("output one", "output [1:0] \\s[1] ")
    ambiguous = ambiguous.replace("assign one = 1'b1", "assign \\s[1]  = b[2:1]")
    task = _design("ports", ambiguous)
    result = _prove(task, *_synthesize(task, Recipe(), tmp_path), tmp_path)
    assert result.outcome == "proved", result.reason
    assert "miter.v" in (tmp_path / "proof" / "synth.ys").read_text()


SET = """module setreg(input clk, input rst, input d, output reg q);
    always @(posedge clk) if (rst) q <= 1'b1; else q <= d;
endmodule
"""
# The register stored inverted (a flip-flop without set): D = ~(rst | d), q = ~Q.
INVERTED = """module setreg(clk, rst, d, q);
  input clk;
  input rst;
  input d;
  output q;
  wire n, qn;
  NOR2X1 u1 (.A(rst), .B(d), .Y(n));
  DFFPOSX1 u2 (.CLK(clk), .D(n), .Q(qn));
  INVX1 u3 (.A(qn), .Y(q));
endmodule
"""


@pytest.mark.parametrize("retimed", [False, True])
def test_a_flip_flop_stored_inverted_is_proved(retimed: bool, tmp_path: Path) -> None:
    result = prove(SET, "setreg", INVERTED, TECH.liberty, tmp_path, LIMITS, clocks=("clk",), reset="rst",
                   retimed=retimed)
    assert result.outcome == "proved", result.reason
    broken = INVERTED.replace("NOR2X1", "OR2X1")
    assert prove(SET, "setreg", broken, TECH.liberty, tmp_path / "broken", LIMITS, clocks=("clk",), reset="rst",
                 retimed=retimed, cell_models=TECH.cell_models).outcome == "refuted"


def test_an_initial_value_the_netlist_cannot_hold_is_refuted_without_reset(tmp_path: Path) -> None:
    task = _design("initreg", "module initreg(input clk, input d, output reg q);\n"
                   "  initial q = 1'b1;\n  always @(posedge clk) q <= d;\nendmodule\n", clock="clk")
    result = _prove(task, *_synthesize(task, Recipe(), tmp_path), tmp_path, cell_models=TECH.cell_models)
    assert result.outcome == "refuted" and result.reason.startswith("cycle 0: q is 1 in the RTL, x in the netlist")


def test_what_the_proof_does_not_model_is_unknown(tmp_path: Path) -> None:
    task = _design("latch", "module latch(input en, input d, output reg q);\n"
                   "  always @(*) if (en) q = d;\nendmodule\n")
    result = _prove(task, *_synthesize(task, Recipe(), tmp_path), tmp_path)
    assert result.outcome == "unknown" and "latches" in result.reason
    two = "module two(input a, input b, input d, output reg p, output reg q);\n" \
          "  always @(posedge a) p <= d;\n  always @(posedge b) q <= d;\nendmodule\n"
    netlist = "module two(a, b, d, p, q);\n  input a;\n  input b;\n  input d;\n  output p;\n  output q;\nendmodule\n"
    result = prove(two, "two", netlist, TECH.liberty, tmp_path / "two", LIMITS, clocks=("a", "b"))
    assert result.outcome == "unknown" and "one clock" in result.reason


FALLING = """module falling(input clk, input rst, input [7:0] a, output reg [7:0] q);
  always @(negedge clk or posedge rst) if (rst) q <= 8'h5A; else q <= q ^ a;
endmodule
"""


def test_random_stimulus_never_changes_the_inputs_at_a_clock_edge(tmp_path: Path) -> None:
    """A falling-edge register is not modelled by the proof; the random stimulus that stands in
    changes the inputs away from both edges, so the netlist's inverted clock and reset (one gate
    later than the RTL's) do not race them, and a real difference is still found."""
    task = _design("falling", FALLING, clock="clk", reset="rst")
    rtl, netlist = _synthesize(task, Recipe(), tmp_path)
    assert _prove(task, rtl, netlist, tmp_path).outcome == "unknown"
    table = random_stimulus(netlist, "falling", ("clk",), "rst", "high", 64, 0)
    assert replay(table, rtl, netlist, "falling", ("clk",), TECH.cell_models, tmp_path / "same", LIMITS) is None
    broken = rtl.replace("q ^ a", "q ^ a ^ 8'h01")
    assert broken != rtl
    assert replay(table, broken, netlist, "falling", ("clk",), TECH.cell_models, tmp_path / "broken", LIMITS) \
        .startswith("cycle 2: q[0] is 0 in the RTL, 1 in the netlist")


def test_the_time_limit_gives_unknown(builtin, tmp_path: Path) -> None:
    task = builtin["pipemul"]
    rtl, netlist = _synthesize(task, Recipe(retime=True), tmp_path)
    result = _prove(task, rtl, netlist, tmp_path, retimed=True, limits=Limits(timeout_s=2))
    assert result.outcome == "unknown" and "time limit" in result.reason
    assert result.seconds < 10


def test_ports_that_differ_refute(builtin, tmp_path: Path) -> None:
    task = builtin["mul8"]
    rtl, netlist = _synthesize(task, Recipe(), tmp_path)
    renamed = re.sub(r"\bp\b", "product", netlist)
    result = _prove(task, rtl, renamed, tmp_path)
    assert result.outcome == "refuted" and result.method == "interface", result.reason


def test_arguments_that_cannot_be_right_raise(builtin, tmp_path: Path) -> None:
    task = builtin["counter"]
    rtl, netlist = _synthesize(task, Recipe(), tmp_path)
    with pytest.raises(RtlboError, match="'reset' is not an input port of counter"):
        prove(rtl, "counter", netlist, TECH.liberty, tmp_path / "a", LIMITS, clocks=("clk",), reset="reset")
    with pytest.raises(RtlboError, match="defines no module 'count'"):
        prove(rtl, "count", netlist, TECH.liberty, tmp_path / "b", LIMITS, clocks=("clk",))


def test_the_gold_design_is_built_once_per_rtl(builtin, tmp_path: Path, monkeypatch) -> None:
    """The gold design depends on the RTL only: a second recipe of the same RTL proves against the
    cached one, and a cache-less evaluation builds its own."""
    built = []

    def counting(rtl: str, top: str, workdir: Path, limits: Limits, combinational: bool) -> Gold | None:
        built.append(top)
        return build_gold(rtl, top, workdir, limits, combinational)

    monkeypatch.setattr(cascade_module, "build_gold", counting)
    cache = EvalCache(tmp_path / "cache.sqlite")
    task = builtin["mac8"]
    for recipe in (Recipe(), Recipe(abc_recipe="area"), Recipe(abc_recipe="dch-map")):
        evaluation = cascade_module.evaluate(task, recipe, cache=cache)
        assert evaluation.stage("equivalence").details["outcome"] == "proved"
    assert built == ["mac8"]
    cascade_module.evaluate(builtin["fir4"], Recipe(), cache=cache)
    cascade_module.evaluate(task, Recipe(abc_recipe="speed"))
    assert built == ["mac8", "fir4", "mac8"]
