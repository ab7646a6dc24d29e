"""The command line, run as a user runs it (a subprocess of the installed `rtlbo`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import FIXTURES, optimizer_libraries_imported

RTLBO = str(Path(sys.executable).parent / "rtlbo")


def rtlbo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([RTLBO, *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def test_eval_json_documents_every_stage(tmp_path: Path):
    done = rtlbo("eval", "--task", "mac8", "--json", "--cache", str(tmp_path / "c.sqlite"))
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["task"] == "mac8" and record["feasible"] is True
    assert [s["name"] for s in record["stages"]] == ["syntax", "simulation", "synthesis", "equivalence", "gatesim",
                                                    "sta"]
    assert set(record["metrics"]) >= {"area_um2", "delay_ns", "slack_ns", "power_mw", "period_ns"}


def test_eval_imports_no_optimizer_library(tmp_path: Path):
    """A cached evaluation takes milliseconds; loading torch would take seconds."""
    cache = str(tmp_path / "c.sqlite")
    assert rtlbo("eval", "--task", "mul8", "--cache", cache).returncode == 0
    assert optimizer_libraries_imported(["eval", "--task", "mul8", "--cache", cache]) == set()


def test_eval_with_recipe_and_own_rtl(tmp_path: Path, builtin):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("abc_recipe: area\nbooth: true\n")
    rtl = tmp_path / "my_mul.v"
    rtl.write_text(builtin["mul8"].reference_rtl)
    done = rtlbo("eval", "-t", "mul8", "--rtl", str(rtl), "--recipe", str(recipe), "--json", "--no-cache")
    record = json.loads(done.stdout)
    assert record["rtl_origin"] == str(rtl)
    assert record["recipe"]["abc_recipe"] == "area" and record["recipe"]["booth"] is True


def test_eval_any_verilog_with_its_testbench(tmp_path: Path):
    rtl = tmp_path / "inc.v"
    rtl.write_text("module inc(input [3:0] a, output [3:0] y); assign y = a + 1; endmodule\n")
    tb = tmp_path / "tb.v"
    tb.write_text(
        "module tb; reg [3:0] a; wire [3:0] y; integer i, bad; inc dut(.a(a), .y(y));\n"
        "initial begin bad = 0; for (i = 0; i < 16; i = i + 1) begin a = i; #1;\n"
        "if (y !== a + 4'd1) bad = bad + 1; end\n"
        '$display("Mismatches: %0d in 16 samples", bad); $finish; end endmodule\n'
    )
    done = rtlbo("eval", "--rtl", str(rtl), "--testbench", str(tb), "--no-cache", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads(done.stdout)
    assert record["task"] == "inc" and record["stages"][1]["details"]["checks"] == 16
    rtl.write_text("module inc(input [3:0] a, output [3:0] y); assign y = a + 2; endmodule\n")
    done = rtlbo("eval", "--rtl", str(rtl), "--testbench", str(tb), "--no-cache")
    assert done.returncode == 1 and "testbench reported 16 mismatches" in done.stdout


def test_failed_design_exits_non_zero_and_says_why(tmp_path: Path):
    rtl = tmp_path / "bad.v"
    rtl.write_text("module mac8(input clk); endmodule\n")
    done = rtlbo("eval", "-t", "mac8", "--rtl", str(rtl), "--no-cache")
    assert done.returncode == 1
    assert "mac8 syntax" in done.stdout or "mac8 simulation" in done.stdout


def test_names_and_reasons_a_design_chose_print_as_they_are(tmp_path: Path):
    """A module named like Rich markup, in a candidate and as your own design; a file name with a
    terminal escape sequence: printed as text, not read as markup or sent to the terminal."""
    rtl = tmp_path / "markup.v"
    rtl.write_text("module \\[/x] (input a, output y); assign y = a; endmodule\n")
    candidate = rtlbo("eval", "-t", "adder32", "--rtl", str(rtl), "--no-cache")
    assert candidate.returncode == 1 and "Traceback" not in candidate.stderr, candidate.stderr
    assert "adder32 syntax" in candidate.stdout or "adder32 simulation" in candidate.stdout, candidate.stdout
    own = rtlbo("eval", "--rtl", str(rtl), "--top", "nosuch")
    assert own.returncode == 2 and own.stderr.count("\n") == 1 and "(found: [/x])" in own.stderr, own.stderr
    escaped = tmp_path / "a\x1b]0;owned\x07.v"
    escaped.write_text("module add(input a, output y); assign y = a; endmodule\n")
    shown = rtlbo("eval", "--rtl", str(escaped), "--top", "nosuch")
    assert shown.returncode == 2 and "\x1b" not in shown.stderr and "\\x1b]0;owned\\x07.v" in shown.stderr


def test_user_errors_are_one_line_without_traceback(tmp_path: Path):
    (tmp_path / "empty.v").write_text("")
    (tmp_path / "acc.v").write_text("module acc(input clk, input [3:0] d, output reg [3:0] q);\n"
                                    "  always @(posedge clk) q <= q + d;\nendmodule\n")
    cases = [
        ("eval", "--rtl", str(tmp_path / "empty.v")),
        ("eval", "--rtl", str(tmp_path / "acc.v"), "--clock", "clkx"),
        ("eval", "-t", "nosuchtask"),
        ("eval", "-t", "mac8", "--rtl", str(tmp_path / "missing.v")),
        ("eval", "-t", "mac8", "--recipe", str(tmp_path / "missing.yaml")),
        ("tasks", "list", "--suite", "rtllm:/nonexistent"),
    ]
    for args in cases:
        done = rtlbo(*args)
        assert done.returncode == 2, args
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
        assert "Traceback" not in done.stderr


def test_missing_tool_names_the_install_command(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    done = rtlbo("eval", "-t", "mul8", "--no-cache", env={"PATH": str(bin_dir)})
    assert done.returncode == 2
    assert "iverilog not found; install it with 'apt-get install -y iverilog'" in done.stderr


def test_doctor_and_tasks_list():
    done = rtlbo("doctor")
    assert done.returncode == 0 and "all good" in done.stdout
    for tool in ("iverilog", "yosys", "opensta", "liberty"):
        assert tool in done.stdout
    assert "footprint prices LATCH" in " ".join(done.stdout.split())
    listed = rtlbo("tasks", "list", "--suite", f"rtllm:{FIXTURES / 'rtllm'}")
    assert "adder_4bit" in listed.stdout and "skipped broken_task: no testbench.v" in listed.stdout


def test_doctor_reports_missing_tools(tmp_path: Path):
    done = rtlbo("doctor", env={"PATH": str(tmp_path), "RTLBO_LIBERTY": str(tmp_path / "none.lib")})
    assert done.returncode == 1
    assert "apt-get install -y opensta" in done.stdout and "qflow-tech-osu018" in done.stdout


def test_your_own_design_in_several_files_needs_no_testbench(tmp_path: Path):
    """Two files, no testbench: top, clocks and reset inferred; equivalence checks the netlist; the
    period is derived; a second clock domain gets its own constraint."""
    (tmp_path / "sub.v").write_text("module sub(input clk, input rst_n, input [7:0] d, output reg [7:0] q);\n"
                                    "  always @(posedge clk or negedge rst_n) if (!rst_n) q <= 0; else q <= q + d;\n"
                                    "endmodule\n")
    (tmp_path / "top.v").write_text("module top(input clk, input slow_clk, input rst_n, input [7:0] d,\n"
                                    "           output [7:0] q, output reg [7:0] s);\n"
                                    "  sub a(.clk(clk), .rst_n(rst_n), .d(d), .q(q));\n"
                                    "  always @(posedge slow_clk) s <= q;\nendmodule\n")
    done = rtlbo("eval", "--rtl", str(tmp_path / "sub.v"), "--rtl", str(tmp_path / "top.v"), "--json", "--no-cache",
                 "--artifacts", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    statuses = {s["name"]: s["status"] for s in record["stages"]}
    assert statuses["simulation"] == "n/a" and statuses["equivalence"] == "passed", record
    sta = (tmp_path / "out" / "top" / "sta.tcl").read_text()
    assert sta.count("create_clock") == 2 and "[get_ports {clk}]" in sta and "[get_ports {slow_clk}]" in sta
    assert record["metrics"]["slack_ns"] >= 0


def test_the_lint_policy_is_chosen_on_the_command_line(tmp_path: Path):
    rtl = tmp_path / "latch.v"
    rtl.write_text("module latch(input en, input d, output reg q);\n  always @* if (en) q = d;\nendmodule\n")
    allowed = rtlbo("eval", "--rtl", str(rtl), "--no-cache")
    assert allowed.returncode == 0 and "lint: latch: latch inferred for q" in allowed.stdout
    forbidden = rtlbo("eval", "--rtl", str(rtl), "--no-cache", "--forbid", "latch")
    assert forbidden.returncode == 1 and "the lint policy forbids latch" in forbidden.stdout
    unknown = rtlbo("eval", "--rtl", str(rtl), "--forbid", "latches")
    assert unknown.returncode == 2 and "unknown lint finding 'latches'" in unknown.stderr


def test_a_slack_just_below_zero_never_shows_as_zero():
    from optimize.console import _slack

    assert _slack(-0.00032) == "[red]-3.2e-04[/]" and _slack(-0.25) == "[red]-0.250[/]"
    assert _slack(0.5) == "0.500" and _slack(0.0) == "0.000"
