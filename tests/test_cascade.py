"""The feasibility cascade on good and bad designs, with the real toolchain."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from objectives.cascade import Cascade, StageLimits, evaluate
from objectives.equivalence import COUNTEREXAMPLE
from objectives.recipe import Recipe
from objectives.results import STAGE_NAMES
from objectives.suites import load_suite
from objectives.tasks import Task
from objectives.technology import Technology

from .conftest import make_suite

BUILTIN = [t.name for t in load_suite("builtin").tasks]


def test_suite_covers_the_required_designs() -> None:
    required = {"adder32", "mul8", "mul16", "mac8", "minmax", "prienc", "barrel", "alu", "counter",
                "seqdet", "fifo", "crc", "pipemul", "gcd"}
    assert required <= set(BUILTIN)
    assert len(BUILTIN) >= 14


@pytest.mark.parametrize("name", BUILTIN)
def test_every_reference_passes_every_stage(name: str, builtin: dict[str, Task]) -> None:
    evaluation = evaluate(builtin[name])
    assert [s.name for s in evaluation.stages] == list(STAGE_NAMES)
    assert evaluation.feasible, evaluation.failure
    m = evaluation.metrics
    assert m.area_um2 > 0 and m.power_mw > 0 and 0 < m.delay_ns < m.period_ns
    assert m.slack_ns == pytest.approx(m.period_ns - m.delay_ns)
    assert evaluation.stage("simulation").details["checks"] > 50
    assert evaluation.stage("gatesim").details["mismatches"] == 0
    assert set(evaluation.tool_versions) == {"iverilog", "yosys", "opensta"}
    assert "netlist.v" in evaluation.artifacts and "synth.ys" in evaluation.artifacts


def _mac(builtin: dict[str, Task], body: str) -> str:
    """Return a mac8 candidate whose always block is ``body``."""
    header = re.search(r"module mac8.*?\);", builtin["mac8"].reference_rtl, re.S).group(0)
    return f"{header}\n{body}\nendmodule\n"


def _failed(evaluation, stage: str) -> str:
    failed = [s for s in evaluation.stages if s.status == "failed"]
    assert [s.name for s in failed] == [stage], evaluation.stages
    later = STAGE_NAMES[STAGE_NAMES.index(stage) + 1 :]
    assert all(evaluation.stage(s).status == "skipped" for s in later)
    assert not evaluation.feasible
    return failed[0].reason


def test_syntax_error_names_the_line(builtin):
    rtl = _mac(builtin, "always @(posedge clk) acc <= acc + a * b")  # missing ';'
    reason = _failed(evaluate(builtin["mac8"], rtl=rtl), "syntax")
    assert "iverilog failed" in reason and "syntax error" in reason


def test_a_verilog_name_systemverilog_reserves_is_named_in_the_syntax_error(tmp_path: Path):
    """Verilog-2005 lets a port be called ``logic``; the tools read SystemVerilog, where it is a
    keyword: the reason names the word on the failing line, and nothing on the others."""
    rtl = "// a\n`define W 4\nmodule m(input [`W-1:0] a,\n  input [`W-1:0] logic,\n  output [`W-1:0] y);\n" \
          "  assign y = a & logic;\nendmodule\n"
    task = make_suite(tmp_path, {"m": (rtl, "", "")}).tasks[0]
    reason = _failed(evaluate(task, rtl=rtl), "syntax")
    assert reason.endswith("(line 4 uses 'logic', reserved in SystemVerilog, which the tools read; rename a "
                           "signal or port so named)"), reason
    plain = _failed(evaluate(task, rtl=rtl.replace("logic", "b").replace("a,", "a")), "syntax")
    assert "syntax error" in plain and "reserved" not in plain


def test_missing_top_module(builtin):
    rtl = builtin["mac8"].reference_rtl.replace("module mac8", "module mac")
    reason = _failed(evaluate(builtin["mac8"], rtl=rtl), "syntax")
    assert reason.startswith("the design defines no module 'mac8' (found: mac)")


def test_functional_bug_fails_simulation_with_mismatch_count(builtin):
    rtl = _mac(builtin, "always @(posedge clk) if (rst) acc <= 0; else if (en) acc <= acc + a + b;")
    evaluation = evaluate(builtin["mac8"], rtl=rtl)
    reason = _failed(evaluation, "simulation")
    assert re.match(r"testbench reported \d+ mismatches in \d+ checks", reason)
    assert evaluation.stage("simulation").details["mismatches"] > 0


def test_simulation_that_never_finishes_is_killed(tmp_path: Path):
    """A testbench that forgets $finish under a free-running clock runs forever: it is killed."""
    rtl = "module inv(input a, output y); assign y = ~a; endmodule\n"
    testbench = tmp_path / "tb.v"
    testbench.write_text(
        "module tb; reg clk = 0; reg a = 0; wire y; inv dut(.a(a), .y(y));\n"
        "always #1 clk = ~clk; always @(posedge clk) a <= y; endmodule\n"
    )
    task = Task(name="inv", top="inv", spec="", reference_rtl=rtl, harness=(testbench,), verdict="auto")
    evaluation = evaluate(task, limits=StageLimits(simulation_s=3))
    reason = _failed(evaluation, "simulation")
    assert "did not finish within 3 s" in reason
    assert evaluation.seconds < 20


def test_broken_netlist_is_caught_by_gate_level_simulation(builtin, tmp_path: Path):
    task, tech = builtin["mul8"], Technology.from_env()
    evaluation = evaluate(task)
    netlist = evaluation.artifacts["netlist.v"]
    first_and = re.search(r"^\s*AND2X1\s", netlist, re.M) or re.search(r"^\s*NAND2X1\s", netlist, re.M)
    broken = netlist[: first_and.start()] + netlist[first_and.start():].replace("AND2X1", "OR2X1", 1)
    cascade = Cascade(task, task.reference_rtl, tmp_path, StageLimits(), {}, tech)
    cascade.netlist = netlist
    assert cascade.gatesim().passed
    cascade.netlist = broken
    stage = cascade.gatesim()
    assert stage.status == "failed" and stage.details["mismatches"] > 0


def test_unmapped_cells_are_an_error(builtin, tmp_path: Path):
    """A liberty without flip-flops cannot map a register: an error, never zero area."""
    tech = Technology.from_env()
    text = tech.liberty.read_text()
    for cell in ("DFFPOSX1", "DFFNEGX1", "DFFSR", "LATCH"):
        text = re.sub(rf"\ncell\s*\({cell}\)\s*\{{.*?\n\}}\n", "\n", text, count=1, flags=re.S)
    assert "cell (DFFPOSX1)" not in text and "cell (DFFSR)" not in text
    liberty = tmp_path / "noflops.lib"
    liberty.write_text(text)
    evaluation = evaluate(builtin["counter"], tech=Technology(liberty=liberty, cell_models=tech.cell_models))
    reason = _failed(evaluation, "synthesis")
    assert reason.startswith("unmapped cells: flip-flop $_")
    assert evaluation.metrics is None


def test_timing_violation_is_measured_and_infeasible(builtin):
    task = replace(builtin["mul16"], period_ns=1.0)
    evaluation = evaluate(task)
    assert all(s.passed for s in evaluation.stages)
    assert evaluation.metrics.slack_ns < 0 and not evaluation.feasible
    assert evaluation.failure.startswith("timing: slack -")


def test_recipe_changes_the_netlist_and_the_metrics(builtin):
    task = builtin["mul8"]
    base = evaluate(task)
    area = evaluate(task, Recipe(abc_recipe="area"))
    assert base.artifacts["netlist.v"] != area.artifacts["netlist.v"]
    assert area.metrics.area_um2 < base.metrics.area_um2
    assert area.feasible or area.failure.startswith("timing")


def test_signed_ports_are_measured_not_misread(builtin):
    """OpenSTA cannot parse `input signed`; the measurement must not silently drop those ports."""
    task = builtin["mul16"]
    signed = "module mul16(input signed [15:0] a, input signed [15:0] b, output signed [31:0] p);\n" \
             "  assign p = a * b;\nendmodule\n"
    evaluation = evaluate(task, rtl=signed)
    assert evaluation.feasible, evaluation.failure
    assert evaluation.metrics.delay_ns > 1.0
    assert "signed" in evaluation.artifacts["netlist.v"]


def test_a_netlist_opensta_cannot_read_fails_sta(builtin, tmp_path: Path):
    task, tech = builtin["mul8"], Technology.from_env()
    netlist = evaluate(task).artifacts["netlist.v"]
    garbled = netlist.replace("endmodule", "  assign { x, y } = 2'b00;\nendmodule")
    cascade = Cascade(task, task.reference_rtl, tmp_path, StageLimits(), {}, tech)
    cascade.netlist, cascade.stat = garbled, {"area": 1.0, "num_cells": 1}
    stage = cascade.sta()
    assert stage.status == "failed" and stage.reason.startswith("opensta failed: Error:")
    assert cascade.metrics is None


def test_every_spec_states_the_interface(builtin):
    for task in builtin.values():
        assert task.interface().startswith(f"module {task.top}"), task.name


def test_kept_hierarchy_with_constant_ports_is_measured(builtin):
    """Without flattening, tied-off ports leave constant-driven cells; STA must still measure."""
    flat = evaluate(builtin["fir4"])
    kept = evaluate(builtin["fir4"], Recipe(flatten=False))
    assert all(s.passed for s in kept.stages), kept.failure
    assert kept.metrics.area_um2 > 2 * flat.metrics.area_um2
    assert kept.metrics.power_mw > flat.metrics.power_mw


ASYNC_LOAD = """module async_load(input clk, input load, input [3:0] value, input [3:0] d, output reg [3:0] q);
  always @(posedge clk or posedge load) if (load) q <= value; else q <= d;
endmodule
"""
ASYNC_LOAD_TB = """module tb;
  reg clk = 0, load = 0; reg [3:0] value = 0, d = 0; wire [3:0] q; integer m = 0, c = 0;
  async_load dut(.clk(clk), .load(load), .value(value), .d(d), .q(q));
  initial begin
    repeat (40) begin
      value = $random; d = $random; #1 load = 1;  // an asynchronous load, between clock edges
      #1 c = c + 1; if (q !== value) m = m + 1;
      load = 0; #1 clk = 1; #1 clk = 0;          // then a clock edge takes d
      c = c + 1; if (q !== d) m = m + 1;
    end
    $display("RESULT: %s mismatches=%0d checks=%0d", m ? "FAIL" : "PASS", m, c); $finish;
  end
endmodule
"""


def test_a_flip_flop_with_asynchronous_load_maps_onto_set_reset_cells(tmp_path: Path):
    """The liberty has no asynchronous-load flip-flop: synthesis builds it from DFFSR, and the
    netlist passes the testbench."""
    clock = 'clock = "clk"\nperiod_ns = 10.0'
    task = make_suite(tmp_path, {"async_load": (ASYNC_LOAD, ASYNC_LOAD_TB, clock)}).tasks[0]
    evaluation = evaluate(task)
    assert evaluation.feasible, evaluation.failure
    assert "DFFSR" in evaluation.stage("synthesis").details["cell_types"]


LATCHES = """module latches(input en, input [3:0] d, output reg [3:0] q);
  always @* if (en) q = d;
endmodule
"""


def test_a_cell_the_liberty_gives_no_area_is_measured_at_its_lef_footprint(tmp_path: Path):
    """osu018's liberty says ``area : 0`` for LATCH: a latch design is measured at the LEF
    footprint (5.6 x 10 um each), never as free."""
    task = make_suite(tmp_path, {"latches": (LATCHES, "", "")}).tasks[0]
    evaluation = evaluate(task)
    assert evaluation.stage("synthesis").details["cell_types"] == {"LATCH": 4}
    assert evaluation.metrics.area_um2 == pytest.approx(4 * 56.0)
    assert evaluation.metrics.sequential_area_um2 == pytest.approx(4 * 56.0)


def test_footprint_areas_price_only_the_cells_the_liberty_leaves_at_zero(tmp_path: Path):
    liberty, lef = tmp_path / "cells.lib", tmp_path / "cells.lef"
    liberty.write_text("""library (x) { /* cell (FAKE) { area : 0; } */
cell (INV) { area : 16; pin (A) { direction : input; } }
cell (HOLD) { area : 0; latch (IQ, IQN) { enable : "G"; } pin (Q) { direction : output; } }
cell (TIE) { pin (Y) { direction : output; function : "1"; } }
cell (NOLEF) { area : 0.0; }
}""")
    lef.write_text("""MACRO INV\n  SIZE 1.600 BY 10.000 ;\nEND INV
MACRO HOLD\n  CLASS CORE ;\n  SIZE 5.600 BY 10.000 ;\nEND HOLD
MACRO TIE\n  SIZE 0.800 BY 10.000 ;\nEND TIE
""")
    tech = Technology(liberty=liberty, cell_models=liberty, lef=lef)
    assert tech.footprint_areas() == {"HOLD": (pytest.approx(56.0), True), "TIE": (pytest.approx(8.0), False)}
    assert tech.area({"area": 32.0, "num_cells_by_type": {"INV": 2, "HOLD": 3, "NOLEF": 1}}) == \
        (pytest.approx(32.0 + 168.0), pytest.approx(168.0))
    assert Technology(liberty=liberty, cell_models=liberty, lef=None).footprint_areas() == {}


def test_an_initial_value_without_reset_fails_with_the_fix_named(tmp_path: Path):
    """Models often write ``reg [3:0] n = 0;``: standard cells power up unknown, so the netlist
    differs in cycle 0, and the reason says what to change."""
    rtl = "module counter4(input clk, output reg [3:0] n = 4'd3);\n  always @(posedge clk) n <= n + 4'd1;\nendmodule\n"
    task = make_suite(tmp_path, {"counter4": (rtl, "", 'clock = "clk"\nperiod_ns = 10.0')}).tasks[0]
    reason = _failed(evaluate(task), "equivalence")
    assert reason.startswith("the netlist differs from the RTL: cycle 0: n[0] is 1 in the RTL, x in the netlist")
    assert reason.endswith("which standard cells do not hold: set it in a reset instead")


def test_a_tri_state_output_is_not_passed_as_the_driven_netlist_synthesis_makes(tmp_path: Path):
    """Synthesis maps 'z' as don't-care (no tri-state cells), so the netlist drives what the RTL
    leaves floating: the outputs differ, and the reason says why. An output no one drives floats
    too, without meaning it: any value passes there, and the proof says so."""
    tri = "module tribuf(input en, input [3:0] d, output [3:0] y);\n  assign y = en ? d : 4'bz;\nendmodule\n"
    spare = "module spare(input a, input b, output y, output u);\n  assign y = a & b;\nendmodule\n"
    suite = make_suite(tmp_path, {"tribuf": (tri, "", ""), "spare": (spare, "", "")})
    evaluations = {task.name: evaluate(task) for task in suite.tasks}
    tribuf, undriven = evaluations["tribuf"], evaluations["spare"]
    reason = _failed(tribuf, "equivalence")
    assert "is z in the RTL" in reason and "no tri-state cells are mapped" in reason, reason
    assert undriven.stage("equivalence").details["outcome"] == "proved" and undriven.feasible, undriven.failure


def test_z_in_a_case_label_matches_rather_than_writes_and_the_design_is_proved(tmp_path: Path):
    """``4'b1zzz:`` in a casez is a don't-care label, not tri-state logic: the proof runs. The same
    encoder writing 'z' in an item's statement is tri-state, and the proof declines it."""
    rtl = ("module pe(input [3:0] r, output reg [1:0] g);\n  always @* casez (r)\n"
           "    4'b1zzz: g = 2'd3;\n    4'b01zz, 4'b011z: g = 2'd2;\n    4'b001z: g = {fill};\n"
           "    default: g = 2'd0;\n  endcase\nendmodule\n")
    for folder in ("labels", "writes"):
        (tmp_path / folder).mkdir()
    labels = make_suite(tmp_path / "labels", {"pe": (rtl.format(fill="2'd1"), "", "")}).tasks[0]
    assert evaluate(labels).stage("equivalence").details["outcome"] == "proved"
    writes = make_suite(tmp_path / "writes", {"pe": (rtl.format(fill="2'bz"), "", "")}).tasks[0]
    assert "tri-state" in evaluate(writes).stage("equivalence").details.get("note", "")


def test_a_falling_edge_design_is_timed_over_the_whole_period_like_its_rising_edge_twin(tmp_path: Path):
    """Inputs and outputs are constrained against the edge the registers capture on: a design of
    falling-edge flip-flops is not given half a period from its inputs, so its delay does not move
    with the clock period, and it is the rising-edge twin's."""
    rtl = ("module {name}(input clk, input rst, input [7:0] d, output reg [7:0] q);\n"
           "  always @({edge} clk) if (rst) q <= 8'd0; else q <= q + d;\nendmodule\n")
    delays = {}
    for edge in ("negedge", "posedge"):
        for period in (4.0, 20.0):
            name = f"{edge}{period:.0f}"
            (tmp_path / name).mkdir()
            suite = make_suite(tmp_path / name, {name: (rtl.format(name=name, edge=edge), "",
                                                        f'clock = "clk"\nperiod_ns = {period}')})
            evaluation = evaluate(suite.tasks[0])
            assert evaluation.feasible, evaluation.failure
            delays[edge, period] = evaluation.metrics.delay_ns
    assert delays["negedge", 4.0] == pytest.approx(delays["negedge", 20.0], abs=1e-3)
    assert delays["negedge", 4.0] == pytest.approx(delays["posedge", 4.0], rel=0.1)


def test_registers_on_a_divided_clock_are_timed_like_their_twin_on_the_clock_itself(tmp_path: Path):
    """A register clocking others has no clock for OpenSTA until one is generated from its own: the
    multiply-accumulate behind a divider is timed, its delay the twin's on the clock itself, and
    its clock power counted (before, only the divider was timed: about a sixth of the delay)."""
    rtl = ("module {name}(input clk, input rst, input [7:0] d, output reg [7:0] q);\n  reg half;\n"
           "  always @(posedge clk) if (rst) half <= 1'b0; else half <= ~half;\n"
           "  always @(posedge {clock}) q <= q * d + d;\nendmodule\n")
    metrics = {}
    for name, clock in (("divided", "half"), ("direct", "clk")):
        (tmp_path / name).mkdir()
        suite = make_suite(tmp_path / name, {name: (rtl.format(name=name, clock=clock), "",
                                                    'clock = "clk"\nperiod_ns = 10.0')})
        evaluation = evaluate(suite.tasks[0])
        assert evaluation.feasible, evaluation.failure
        metrics[name] = evaluation.metrics
    assert metrics["divided"].delay_ns == pytest.approx(metrics["direct"].delay_ns, abs=1e-3)
    assert metrics["divided"].delay_ns > 1.5
    assert metrics["divided"].power_mw >= metrics["direct"].power_mw


def test_a_register_on_a_divided_clock_is_left_to_simulation_with_the_step_that_stopped_the_proof(tmp_path: Path):
    """Yosys's x-propagation stops at a flip-flop clocked by another register: the note names that
    step, not the reading of the netlist, and the random-stimulus check decides."""
    rtl = ("module divclk(input clk, input rst, input [3:0] d, output reg [3:0] q, output reg half);\n"
           "  always @(posedge clk) if (rst) half <= 0; else half <= ~half;\n"
           "  always @(posedge half) q <= d;\nendmodule\n")
    task = make_suite(tmp_path, {"divclk": (rtl, "", 'clock = "clk"\nreset = "rst"\nperiod_ns = 5.0')}).tasks[0]
    equivalence = evaluate(task).stage("equivalence")
    assert equivalence.passed and equivalence.details["outcome"] == "unknown"
    assert equivalence.details["note"].startswith("Yosys cannot track the RTL's unknown values"), equivalence.details


def test_retiming_composes_with_the_recipe_the_delay_target_and_sizing(builtin):
    """With retime on, the ABC recipe, its delay target and gate sizing still act (one ABC run sees
    the flip-flops), so each gives its own netlist."""
    task = builtin["fir4"]
    recipes = [Recipe(retime=True), Recipe(retime=True, abc_recipe="area"), Recipe(retime=True, abc_recipe="speed"),
               Recipe(retime=True, gate_sizing=True), Recipe(retime=True, abc_recipe="resyn2"),
               Recipe(retime=True, abc_recipe="resyn2", abc_delay_target=0.5)]
    netlists = [evaluate(task, recipe).artifacts["netlist.v"] for recipe in recipes]
    assert len(set(netlists)) == len(recipes)


def test_the_equivalence_stage_refutes_a_broken_netlist_with_its_counterexample(builtin, tmp_path: Path):
    task, tech = builtin["mul8"], Technology.from_env()
    netlist = evaluate(task).artifacts["netlist.v"]
    broken = re.sub(r"^(\s*)NAND2X1(\s)", r"\1NOR2X1\2", netlist, count=1, flags=re.M)
    artifacts: dict[str, str] = {}
    cascade = Cascade(task, task.reference_rtl, tmp_path, StageLimits(), artifacts, tech)
    assert cascade.prepare() is None
    cascade.netlist = broken
    stage = cascade.equivalence()
    assert stage.status == "failed" and stage.reason.startswith("the netlist differs from the RTL: cycle 0: p[")
    assert stage.details["outcome"] == "refuted" and artifacts[COUNTEREXAMPLE].count("\n") >= 2


def test_a_design_without_testbench_is_proved_and_measured(builtin):
    task = replace(builtin["fir4"], harness=())
    evaluation = evaluate(task)
    assert evaluation.feasible, evaluation.failure
    statuses = {s.name: s.status for s in evaluation.stages}
    assert statuses == {"syntax": "passed", "simulation": "n/a", "synthesis": "passed", "equivalence": "passed",
                        "gatesim": "n/a", "sta": "passed"}
    assert evaluation.stage("equivalence").details["outcome"] == "proved"


def test_random_stimulus_stands_in_for_a_proof_that_runs_out_of_time(builtin, tmp_path: Path):
    """No testbench, and no time to prove: a seeded random-stimulus comparison decides, and says so."""
    task = replace(builtin["mul16"], harness=())
    evaluation = evaluate(task, limits=StageLimits(equivalence_s=0.05))
    stage = evaluation.stage("equivalence")
    assert stage.passed and stage.details["outcome"] == "unknown"
    assert stage.details["fallback"] == "random stimulus, 512 cycles, seed 0: no difference"
    cascade = Cascade(task, task.reference_rtl, tmp_path, StageLimits(equivalence_s=0.05), {}, Technology.from_env())
    assert cascade.prepare() is None
    cascade.netlist = re.sub(r"^(\s*)NAND2X1(\s)", r"\1NOR2X1\2", evaluation.artifacts["netlist.v"], count=1,
                             flags=re.M)
    broken = cascade.equivalence()
    assert broken.status == "failed" and "random stimulus, 512 cycles, seed 0: cycle " in broken.reason


def test_gate_level_simulation_of_a_proved_netlist_is_optional(builtin):
    evaluation = evaluate(builtin["mul8"], gate_level=False)
    assert evaluation.feasible and evaluation.stage("gatesim").status == "n/a"
    assert evaluation.stage("gatesim").reason == "the netlist is proved equivalent to the RTL"
