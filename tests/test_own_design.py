"""A user's own design, no testbench, no clock nor period given: a campaign, an export, a reproduction."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from objectives.recipe import Recipe
from optimize.runs import Run
from optimize.store import TrialKind

from .conftest import make_suite

RTLBO = str(Path(sys.executable).parent / "rtlbo")
ACCUMULATOR = """module acc (input clk, input rst_n, input [7:0] d, input en, output reg [15:0] sum);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) sum <= 16'd0;
    else if (en) sum <= sum + {8'd0, d} * {8'd0, d};
endmodule
"""


def rtlbo(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([RTLBO, *args], capture_output=True, text=True, timeout=600, cwd=cwd)


def test_campaign_on_own_design_exports_a_config_that_reproduces(tmp_path: Path):
    (tmp_path / "tasks").mkdir()
    suite = make_suite(tmp_path / "tasks", {"acc": (ACCUMULATOR, "", "# only the top module")})
    (task,) = suite.tasks
    assert (task.clock, task.reset, task.reset_active, task.derive_period) == ("clk", "rst_n", "low", True)
    campaign = tmp_path / "own.yaml"
    campaign.write_text(yaml.safe_dump({
        "name": "own", "tasks": {"suite": f"tasks:{tmp_path / 'tasks'}"}, "budget": {"trials": 6},
        "batch_size": 3, "optimizer": "sobol", "output": str(tmp_path / "run")}))
    done = rtlbo("run", str(campaign))
    assert done.returncode == 0, done.stderr
    trials = [t for t in Run.load(tmp_path / "run").trials if t.per_task]
    # A trial whose ABC script has a delay target: the target is a fraction of the derived period.
    trial = next(t for t in trials if Recipe(**{k: v for k, v in t.config.items() if k in Recipe.model_fields})
                 .delay_target_ps(10.0))
    out = tmp_path / "best"
    assert rtlbo("export", str(tmp_path / "run"), "--select", f"trial:{trial.id}", "--out", str(out)).returncode == 0
    exported_record = json.loads((out / "acc" / "metrics.json").read_text())
    assert exported_record["stages"]["simulation"] == "n/a" and exported_record["stages"]["equivalence"] == "passed"
    metrics = exported_record["metrics"]
    assert metrics["period_ns"] != 10.0, "the period is derived from the baseline flow's delay"
    recipe = Recipe(**yaml.safe_load((out / "config.yaml").read_text())["recipe"])
    assert (out / "acc" / "abc.script").read_text().strip() == recipe.abc_script(metrics["period_ns"])
    reproduced = rtlbo("eval", "--config", str(out), "--no-cache")
    assert reproduced.returncode == 0, reproduced.stdout + reproduced.stderr
    assert "reproduced every exported metric of 1 task(s) exactly" in reproduced.stderr
    exported = (out / "acc" / "netlist.v").read_text()
    script = "from pyosys import libyosys as y; y.run_pass('script synth.ys', y.Design())"
    subprocess.run([sys.executable, "-c", script], cwd=out / "acc", check=True, capture_output=True)
    assert (out / "acc" / "netlist.v").read_text() == exported


TWO_CLOCKS = """module sync2 (input clk_a, input clk_b, input arst, input d, output reg q);
  reg meta;
  always @(posedge clk_a or posedge arst) if (arst) meta <= 1'b0; else meta <= d;
  always @(posedge clk_b or posedge arst) if (arst) q <= 1'b0; else q <= meta;
endmodule
"""
ADDER = "module add4 (input [3:0] a, b, output [4:0] s);\n  assign s = a + b;\nendmodule\n"


def test_tasks_init_writes_folders_the_suite_loader_reads_back(tmp_path: Path):
    (tmp_path / "two.v").write_text(TWO_CLOCKS)
    (tmp_path / "add.v").write_text(ADDER)
    suite = tmp_path / "mine"
    assert rtlbo("tasks", "init", str(suite), "--rtl", str(tmp_path / "two.v")).returncode == 0
    done = rtlbo("tasks", "init", str(suite), "--rtl", str(tmp_path / "add.v"), "--name", "adder", "--period", "2.5")
    assert done.returncode == 0 and "clocks none (combinational)" in done.stdout, done.stdout + done.stderr
    again = rtlbo("tasks", "init", str(suite), "--rtl", str(tmp_path / "add.v"), "--name", "adder")
    assert again.returncode == 2 and "exists; choose another --name" in again.stderr
    from objectives.suites import load_suite

    loaded = {t.name: t for t in load_suite(f"tasks:{suite}").tasks}
    assert loaded["sync2"].clocks == (("clk_a", 10.0), ("clk_b", 10.0)) and loaded["sync2"].derive_period
    assert (loaded["sync2"].reset, loaded["sync2"].reset_active) == ("arst", "high")
    assert loaded["adder"].clock is None and loaded["adder"].top == "add4"
    listed = rtlbo("tasks", "list", "--suite", f"tasks:{suite}")
    assert "clk_a derived, clk_b derived" in listed.stdout, listed.stdout


def test_a_top_module_named_like_a_path_writes_inside_the_folders_given(tmp_path: Path):
    """An escaped identifier may hold '/' and '..': the task it names is a folder name all the same."""
    (tmp_path / "trav.v").write_text("module \\../../victim (input [7:0] a, input [7:0] b, output [8:0] s);\n"
                                     "  assign s = a + b;\nendmodule\n")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    done = rtlbo("eval", "--rtl", str(tmp_path / "trav.v"), "--artifacts", "art", "--no-cache", cwd=work)
    assert "not a plain Verilog identifier; rename the module" in " ".join(done.stdout.split()), done.stdout
    assert [p.name for p in (work / "art").iterdir()] == ["_.._victim"]
    assert rtlbo("tasks", "init", "mine", "--rtl", str(tmp_path / "trav.v"), cwd=work).returncode == 0
    assert not (tmp_path / "victim").exists() and (work / "mine" / "_.._victim" / "task.toml").is_file()
    named = rtlbo("tasks", "init", "mine", "--rtl", str(tmp_path / "trav.v"), "--name", "../x", cwd=work)
    assert named.returncode == 2 and "--name '../x' is no folder name" in named.stderr, named.stderr


def test_a_bad_task_toml_is_one_line_naming_the_key(tmp_path: Path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "reference.v").write_text(ADDER)
    (folder / "task.toml").write_text('top = "add4"\nperiod = 3.0\n')
    listed = rtlbo("tasks", "list", "--suite", f"tasks:{tmp_path}")
    assert "unknown key 'period'; did you mean 'period_ns'?" in listed.stdout, listed.stdout
    (folder / "task.toml").write_text('top = "add4"\nperiod_ns = -1.0\n')
    listed = rtlbo("tasks", "list", "--suite", f"tasks:{tmp_path}")
    assert "bad value for 'period_ns'" in listed.stdout, listed.stdout


def test_trials_that_repeat_a_netlist_reuse_its_measurements_and_are_reported(tmp_path: Path):
    """An adder has no FSM: every FSM encoding gives the baseline's netlist, measured once, and no
    such trial counts toward the budget (the campaign stops once it has as many as the budget).
    Without screening, which would pin the knob before the search."""
    (tmp_path / "tasks").mkdir()
    make_suite(tmp_path / "tasks", {"add": (ADDER, "", "# combinational")})
    space = {"knobs": {"fsm_encoding": {"type": "choice", "values": ["auto", "binary", "one-hot", "none"],
                                        "default": "auto"}}}
    (tmp_path / "space.yaml").write_text(yaml.safe_dump(space))
    campaign = tmp_path / "rep.yaml"
    campaign.write_text(yaml.safe_dump({
        "name": "rep", "tasks": {"suite": f"tasks:{tmp_path / 'tasks'}"}, "space": ["space.yaml"],
        "budget": {"trials": 4}, "batch_size": 2, "optimizer": "sobol", "output": str(tmp_path / "run"),
        "screening": False}))
    assert rtlbo("run", str(campaign)).returncode == 0
    run = Run.load(tmp_path / "run")
    assert run.distinct_netlists_history() == [1] * len(run.trials)
    proposed = [t for t in run.trials if t.kind == TrialKind.PROPOSED]
    assert len(proposed) >= 4 and all(t.repeats for t in proposed)
    changed = [t for t in proposed if t.config["fsm_encoding"] != "auto"]
    assert {t.config["fsm_encoding"] for t in changed} == {"binary", "one-hot", "none"}
    assert all(t.per_task["add"].measurement_reused for t in changed)
    status = rtlbo("status", str(tmp_path / "run"))
    said = " ".join(status.stdout.split())
    assert "0/4 trials proposed by sobol" in said
    assert f"1 of {len(run.trials)} measured trials produced netlists no earlier trial had" in said
    assert rtlbo("report", str(tmp_path / "run")).returncode == 0
    assert "distinct netlists" in (tmp_path / "run" / "report" / "index.html").read_text()


def test_a_design_the_baseline_flow_rejects_is_named_with_its_reason(tmp_path: Path):
    """A design with two drivers on one net (as some generators write them) stops the campaign
    with one line naming the task and the lint finding, not an internal error."""
    (tmp_path / "tasks").mkdir()
    make_suite(tmp_path / "tasks", {"clash": (
        "module clash (input a, input b, output y);\n  assign y = a & b;\n  assign y = a | b;\nendmodule\n", "", "")})
    campaign = tmp_path / "clash.yaml"
    campaign.write_text(yaml.safe_dump({"name": "clash", "tasks": {"suite": f"tasks:{tmp_path / 'tasks'}"},
                                        "budget": {"trials": 2}, "optimizer": "sobol",
                                        "output": str(tmp_path / "run")}))
    done = rtlbo("run", str(campaign))
    assert done.returncode != 0
    assert "the baseline flow fails on task clash (syntax:" in done.stderr and "multiple-drivers" in done.stderr


GATED = """module icg(input clk, input en, output gclk);
  reg open;
  always @* if (!clk) open = en;
  assign gclk = clk & open;
endmodule
module gated(input clock, input enable, input rst, input [3:0] d, output reg [3:0] q, output reg half);
  wire g;
  icg u_gate(.clk(clock), .en(enable), .gclk(g));
  always @(posedge g or posedge rst) if (rst) q <= 4'd0; else q <= d;
  always @(posedge clock) half <= ~half;
  reg [1:0] slow;
  always @(posedge half) slow <= slow + 2'd1;
endmodule
"""


GATED_INLINE = """module gated_inline(input clk, input rst_n, input en, input [3:0] d, output reg [3:0] q,
                    output reg [3:0] r);
  reg open;
  always @* if (!clk) open = en;
  wire gclk = clk & open;
  always @(posedge gclk or negedge rst_n) if (!rst_n) q <= 4'd0; else q <= d;
  always @(posedge clk or negedge rst_n) if (!rst_n) r <= 4'd0; else r <= q;
endmodule
"""


@pytest.mark.parametrize(("condition", "port", "level"), [
    ("!rst_l", "rst_l", "low"), ("~reset", "reset", "low"), ("reset == 1'b0", "reset", "low"),
    ("clear == 0", "clear", "low"), ("reset", "reset", "high"), ("rst_l == 1'b1", "rst_l", "high")])
def test_a_synchronous_resets_level_is_the_one_its_condition_tests(condition, port, level, tmp_path: Path):
    """A reset in no edge takes the level its first condition makes true, whatever its name says;
    the random-stimulus check that stands in for the proof asserts it at that level."""
    from objectives.design import design_task

    (tmp_path / "acc.v").write_text(f"module acc(input clk, input {port}, input [3:0] d, output reg [3:0] q);\n"
                                    f"  always @(negedge clk) if ({condition}) q <= 4'd0; else q <= q + d;\n"
                                    "endmodule\n")
    task = design_task([tmp_path / "acc.v"], period_ns=10.0)
    assert (task.clock, task.reset, task.reset_active) == ("clk", port, level)


@pytest.mark.parametrize(("rtl", "clock", "reset"), [(GATED, "clock", ("rst", "high")),
                                                     (GATED_INLINE, "clk", ("rst_n", "low"))])
def test_a_gated_clock_is_traced_to_its_input_and_the_baseline_flow_passes(rtl, clock, reset, tmp_path: Path):
    """The registers clock on an internal signal (a latch-based clock gate, whose latch tests the
    clock) and on an output (a divided clock): the clock is the input behind them, the gate's enable
    is not, and the equivalence check that stands in for the proof drives it as a clock."""
    from objectives.cascade import evaluate
    from objectives.design import design_task

    (tmp_path / "gated.v").write_text(rtl)
    task = design_task([tmp_path / "gated.v"], period_ns=10.0)
    assert [port for port, _ in task.clocks] == [clock]
    assert (task.reset, task.reset_active) == reset
    evaluation = evaluate(task)
    assert evaluation.feasible, evaluation.failure
