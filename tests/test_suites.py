"""Loaders for the built-in layout, RTLLM v2 and VerilogEval v2, on small fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from objectives.cascade import derive_periods, derived_period, evaluate
from objectives.errors import RtlboError
from objectives.suites import DEFAULT_PERIOD_NS, load_suite
from objectives.tasks import parse_verdict
from objectives.testbench import active_level, instances_of, time_unit_ns, toggles

from .conftest import FIXTURES, make_suite

RTLLM = {t.name: t for t in load_suite(f"rtllm:{FIXTURES / 'rtllm'}").tasks}


def test_rtllm_loader_renames_the_verified_module_and_skips_broken_folders():
    suite = load_suite(f"rtllm:{FIXTURES / 'rtllm'}")
    assert [t.name for t in suite.tasks] == ["adder_4bit", "adder_pipe_8bit", "dual_counter", "pulse_count"]
    task = suite.tasks[0]
    assert task.top == "adder_4bit" and "module adder_4bit" in task.reference_rtl
    assert [p.name for p in task.support_files] == ["vectors.txt"]
    assert task.clocks == () and task.clock_note == "combinational: the testbench toggles no port"
    assert suite.skipped == [("broken_task", "no testbench.v")]


def test_rtllm_reference_passes_the_cascade_with_its_data_file():
    evaluation = evaluate(RTLLM["adder_4bit"])
    assert evaluation.feasible, evaluation.failure


def test_a_verified_module_named_otherwise_is_renamed_to_what_the_testbench_instantiates():
    task = RTLLM["adder_pipe_8bit"]  # verified_adder_8bit.v, the testbench instantiates adder_pipe_8bit
    assert task.top == "adder_pipe_8bit" and "module adder_pipe_8bit" in task.reference_rtl
    assert "verified_adder_8bit" not in task.reference_rtl
    # `always #4 clk = ~clk` under `timescale 1ns/1ps; rst_n driven 0, then 1.
    assert task.clocks == (("clk", 8.0),) and task.period_ns == 8.0
    assert (task.reset, task.reset_active) == ("rst_n", "low")
    evaluation = evaluate(task)
    assert evaluation.feasible, evaluation.failure
    assert evaluation.metrics.period_ns == 8.0


def test_a_two_clock_design_gets_both_clocks_and_two_constraints():
    task = RTLLM["dual_counter"]
    assert task.clocks == (("wclk", 10.0), ("rclk", 20.0)) and task.clock_note.startswith("from the testbench")
    evaluation = evaluate(task)
    assert evaluation.feasible, evaluation.failure
    script = evaluation.artifacts["sta.tcl"]
    assert "create_clock -name wclk -period 10.0 [get_ports {wclk}]" in script
    assert "create_clock -name rclk -period 20.0 [get_ports {rclk}]" in script
    assert "[delete_from_list [all_inputs] [get_ports {wclk rclk}]]" in script


def test_a_clock_port_not_named_like_a_clock_is_read_from_the_testbench():
    task = RTLLM["pulse_count"]  # port tick, connected by position, toggled by `forever #6 t = ~t`
    assert task.clocks == (("tick", 12.0),) and not task.combinational
    assert (task.reset, task.reset_active) == ("clear", "high")
    evaluation = evaluate(task)
    assert evaluation.feasible, evaluation.failure
    assert "create_clock -name tick -period 12.0" in evaluation.artifacts["sta.tcl"]


@pytest.mark.parametrize(("text", "expected"), [
    ("always #5 clk = ~clk;", {"clk": 5.0}),
    ("parameter PERIOD = 10; always #(PERIOD/2) c <= !c;", {"c": 5.0}),
    ("`define HALF 2.5\ninitial begin c = 0; forever begin #`HALF c = ~c; end end", {"c": 2.5}),
    ("always begin clk = ~clk; #3; end", {"clk": 3.0}),
    ("initial begin #5 en = ~en; end", {}),  # once, not a loop
])
def test_testbench_toggles(text, expected):
    assert toggles(text) == expected


def test_testbench_instances_time_unit_and_reset_level():
    tb = "`timescale 10ps/1ps\nmodule tb; fifo #(.W(8)) dut (.clk(c), .data({a, b}), .q()); endmodule"
    (instance,) = instances_of(tb, "fifo")
    assert instance.name == "dut" and instance.named == {"clk": "c", "data": "{a, b}", "q": ""}
    assert instance.signal_of("clk", []) == "c" and instance.signal_of("data", []) is None
    assert time_unit_ns(tb) == 0.01 and time_unit_ns("module tb; endmodule") is None
    assert active_level("initial begin rst = 1; #5 rst = 0; end", "rst") == "high"
    assert active_level("initial begin r = 1'b1; #5 r = 1'b0; #5 r = 1'b1; end", "r") == "low"
    assert active_level("reg r = 0;", "r") is None


def test_verilogeval_loader_and_cascade():
    suite = load_suite(f"verilogeval:{FIXTURES / 'verilogeval'}")
    assert [t.name for t in suite.tasks] == ["Prob001_and2", "Prob003_dff8r"]
    assert suite.skipped == [("Prob002_noref", "missing Prob002_noref_ref.sv, Prob002_noref_test.sv")]
    sequential = suite.tasks[1]
    # The clock is read from the testbench; VerilogEval's 10 ps simulation clock is no timing target.
    assert sequential.clocks == (("clk", DEFAULT_PERIOD_NS),) and "10 ps" in sequential.clock_note
    assert (sequential.reset, sequential.reset_active) == ("reset", "high")
    task = suite.tasks[0]
    assert task.top == "TopModule" and task.clock is None
    evaluation = evaluate(task)
    assert evaluation.feasible, evaluation.failure
    assert evaluation.stage("gatesim").details["checks"] > 0


def test_verilogeval_wrong_design_fails():
    task = load_suite(f"verilogeval:{FIXTURES / 'verilogeval'}").tasks[0]
    wrong = task.reference_rtl.replace("a & b", "a | b")
    evaluation = evaluate(task, rtl=wrong)
    assert evaluation.stage("simulation").status == "failed"
    assert "mismatches" in evaluation.stage("simulation").reason


def test_unknown_suite_and_missing_folder():
    with pytest.raises(RtlboError, match="unknown suite 'foo:bar'"):
        load_suite("foo:bar")
    with pytest.raises(RtlboError, match="suite folder .* not found"):
        load_suite("rtllm:/no/such/dir")


@pytest.mark.parametrize(
    ("output", "rule", "passed", "mismatches"),
    [
        ("RESULT: PASS mismatches=0 checks=10\n", "result-line", True, 0),
        ("RESULT: FAIL mismatches=3 checks=10\n", "result-line", False, 3),
        ("no verdict\n", "result-line", False, None),
        ("Mismatches: 0 in 20 samples\n", "verilogeval", True, 0),
        ("Mismatches: 0 in 20 samples\nTIMEOUT\n", "verilogeval", False, None),
        ("===========Your Design Passed===========\n", "rtllm", True, 0),
        ("Test completed with 2 failures\n", "rtllm", False, 2),
        ("===========Error===========\n", "rtllm", False, None),
        ("all tests pass\n", "rtllm", True, 0),  # RTLLM's auto_run.py: "Pass" or "pass" anywhere
        ("all tests pass\n", "auto", False, None),  # a user's testbench must say "Your Design Passed"
        ("Mismatches: 4 in 20 samples\n", "auto", False, 4),
        # sv-iv-analyze: the exact line, and no line naming an error or a failing warning
        ("  Mismatches: 0 in 20 samples\n", "verilogeval", False, None),
        ("a.sv:2: warning: always_comb process has no sensitivities.\nMismatches: 0 in 20 samples\n",
         "verilogeval", False, None),
        ("VCD error: cannot open\nMismatches: 0 in 20 samples\n", "verilogeval", False, None),
    ],
)
def test_verdicts(output, rule, passed, mismatches):
    verdict = parse_verdict(output, rule)
    assert verdict.passed is passed and verdict.mismatches == mismatches


def test_a_task_folder_needs_no_testbench(tmp_path):
    """A user's design: task.toml and reference.v; equivalence checks every netlist."""
    rtl = "module acc(input clk, input rst, input [7:0] d, output reg [7:0] q);\n" \
          "  always @(posedge clk) if (rst) q <= 0; else q <= q + d;\nendmodule\n"
    suite = make_suite(tmp_path, {"acc": (rtl, "", 'clock = "clk"\nreset = "rst"\nperiod_ns = 5.0')})
    task = suite.tasks[0]
    assert (task.harness, task.suite) == ((), f"tasks:{tmp_path}")
    evaluation = evaluate(task)
    assert evaluation.feasible, evaluation.failure
    assert evaluation.suite == f"tasks:{tmp_path}" and evaluation.stage("simulation").status == "n/a"
    assert evaluation.stage("equivalence").details["outcome"] == "proved"


def test_a_period_not_given_is_derived_from_the_baseline_flow(tmp_path):
    rtl = "module acc(input clk, input [7:0] d, output reg [15:0] q);\n" \
          "  always @(posedge clk) q <= q + d * d;\nendmodule\n"
    suite = make_suite(tmp_path, {"acc": (rtl, "", 'clock = "clk"')})
    assert suite.tasks[0].derive_period
    (task,) = derive_periods(suite.tasks)
    delay = evaluate(suite.tasks[0]).metrics.delay_ns
    assert task.period_ns == derived_period(delay) and delay < task.period_ns <= 1.25 * delay + 0.1
    assert not task.derive_period and task.clock_note.startswith(f"{task.period_ns:g} ns derived: 1.25 x")
    assert evaluate(task).metrics.slack_ns > 0


def test_a_task_whose_spec_is_not_utf8_is_skipped_with_the_reason(tmp_path: Path):
    suite = make_suite(tmp_path, {"add": ("module add(input a, output y); assign y = a; endmodule\n", "", "")})
    (tmp_path / "add" / "spec.md").write_bytes("caf\xe9\n".encode("latin-1"))
    reloaded = load_suite(suite.name)
    assert not reloaded.tasks and "not UTF-8" in reloaded.skipped[0][1], reloaded.skipped


@pytest.mark.parametrize("period", ["inf", "1e300", "0.0"])
def test_a_period_rtlbo_cannot_time_skips_the_task_naming_the_key(period: str, tmp_path: Path):
    rtl = "module add(input a, output y); assign y = a; endmodule\n"
    suite = make_suite(tmp_path, {"add": (rtl, "", f"period_ns = {period}")})
    assert not suite.tasks and "period_ns" in suite.skipped[0][1], suite.skipped
