"""Lint findings are recorded in the tool's words; the lint policy decides which fail a design.
Designs of wires and constants measure as what they are; a suite never stops at one bad task."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from objectives.cascade import Cascade, evaluate
from objectives.lint import LintPolicy

from .conftest import make_suite

RTLBO = Path(sys.executable).parent / "rtlbo"


def _mac(builtin, body: str) -> str:
    header = re.search(r"module mac8.*?\);", builtin["mac8"].reference_rtl, re.S).group(0)
    return f"{header}\n{body}\nendmodule\n"


def test_a_latch_is_recorded_and_allowed_unless_forbidden(builtin):
    rtl = _mac(builtin, "always @(*) if (en) acc = a * b;")
    allowed = evaluate(builtin["mac8"], rtl=rtl)
    assert allowed.stage("syntax").passed
    assert [(f.kind, f.message) for f in allowed.findings] == [("latch", "latch inferred for acc")]
    forbidden = evaluate(builtin["mac8"], rtl=rtl, lint=LintPolicy(forbidden=("latch",)))
    syntax = forbidden.stage("syntax")
    assert syntax.status == "failed" and syntax.reason.startswith("latch inferred for acc; the lint policy forbids")
    assert forbidden.findings == allowed.findings


def test_a_combinational_loop_fails_by_default(builtin):
    task = builtin["mul8"]
    header = re.search(r"module mul8.*?\);", task.reference_rtl, re.S).group(0)
    rtl = f"{header}\nwire [15:0] t;\nassign t = p + a;\nassign p = t ^ b;\nendmodule\n"
    syntax = evaluate(task, rtl=rtl).stage("syntax")
    assert syntax.status == "failed" and syntax.reason.startswith("combinational loop through ")
    assert "forbids comb-loop" in syntax.reason


def test_an_undriven_output_is_a_finding_not_a_syntax_failure(builtin):
    header = re.search(r"module mul8.*?\);", builtin["mul8"].reference_rtl, re.S).group(0)
    rtl = header.replace("output wire [15:0] p", "output wire [15:0] p,\n    output wire spare") + \
        "\nassign p = a * b;\nendmodule\n"
    evaluation = evaluate(builtin["mul8"], rtl=rtl)
    assert evaluation.feasible, evaluation.failure
    assert [f.kind for f in evaluation.findings] == ["undriven"] and "spare" in evaluation.findings[0].message


def test_a_design_yosys_cannot_read_keeps_its_simulation_verdict(tmp_path: Path):
    """`always @(posedge clk or rst)` simulates as its benchmark expects; only synthesis fails."""
    suite = make_suite(tmp_path, {"level_reset": (LEVEL_RESET, LEVEL_RESET_TB, 'clock = "clk"\nperiod_ns = 10.0\n')})
    evaluation = evaluate(suite.tasks[0])
    assert evaluation.functional, evaluation.failure
    assert [f.kind for f in evaluation.findings] == ["unsynthesizable"]
    assert evaluation.stage("synthesis").status == "failed" and "non-synthesizable event list" in \
        evaluation.stage("synthesis").reason


def test_designs_of_wires_and_constants_measure_and_a_suite_gives_every_task_a_record(tmp_path: Path):
    suite = make_suite(tmp_path, {"wires": (WIRES, WIRES_TB, ""), "level_reset": (LEVEL_RESET, LEVEL_RESET_TB,
                                                                             'clock = "clk"\nperiod_ns = 10.0\n')})
    wires = evaluate(suite.select(["wires"])[0])
    assert wires.feasible, wires.failure
    assert wires.metrics.area_um2 == 0 and wires.metrics.cells == 0 and wires.metrics.power_mw == 0
    done = subprocess.run([RTLBO, "eval", "--suite", f"tasks:{tmp_path}", "--json", "--no-cache"],
                          capture_output=True, text=True, timeout=300)
    records = json.loads(done.stdout)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert {r["task"]: r["feasible"] for r in records} == {"level_reset": False, "wires": True}


def test_a_bug_in_a_stage_fails_that_stage_with_its_reason(builtin, monkeypatch):
    def broken(self):
        raise ValueError("boom")

    monkeypatch.setattr(Cascade, "gatesim", broken)
    evaluation = evaluate(builtin["adder32"])
    stage = evaluation.stage("gatesim")
    assert stage.status == "failed" and stage.reason == "rtlbo internal error: ValueError: boom"
    assert evaluation.stage("sta").status == "skipped"


WIRES = "module wires(input [3:0] a, output [3:0] y, output one);\n  assign y = {a[0], a[1], a[2], a[3]};\n" \
        "  assign one = 1'b1;\nendmodule\n"
WIRES_TB = """module tb;
  reg [3:0] a; wire [3:0] y; wire one; integer m = 0, c = 0;
  wires dut(.a(a), .y(y), .one(one));
  initial begin
    repeat (16) begin a = c; #1; c = c + 1; if (y !== {a[0], a[1], a[2], a[3]} || one !== 1'b1) m = m + 1; end
    $display("RESULT: %s mismatches=%0d checks=%0d", m ? "FAIL" : "PASS", m, c); $finish;
  end
endmodule
"""
LEVEL_RESET = """module level_reset(input clk, input rst, input d, output reg q);
  always @(posedge clk or rst) if (rst) q <= 1'b0; else q <= d;
endmodule
"""
LEVEL_RESET_TB = """module tb;
  reg clk = 0, rst = 1, d = 0; wire q; integer m = 0, c = 0;
  level_reset dut(.clk(clk), .rst(rst), .d(d), .q(q));
  always #5 clk = ~clk;
  initial begin
    #12 rst = 0;
    repeat (8) begin d = $random; @(posedge clk); #1; c = c + 1; if (q !== d) m = m + 1; end
    $display("RESULT: %s mismatches=%0d checks=%0d", m ? "FAIL" : "PASS", m, c); $finish;
  end
endmodule
"""


@pytest.fixture(autouse=True)
def _no_stray_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTLBO_CACHE", str(tmp_path / "cache.sqlite"))
