"""Real-world Verilog: several files, include directories, command-line defines and top-level
parameters, from the command line and from a task folder, through the real toolchain."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from objectives.errors import RtlboError
from objectives.sources import SourceSettings, read_design, set_parameters
from objectives.suites import load_suite

RTLBO = str(Path(sys.executable).parent / "rtlbo")
HEADER = """`ifndef DEFS_VH
`define DEFS_VH
`define SUM(a, b) ((a) + (b))
`endif
"""
ADDER = """`include "defs.vh"
module adder #(parameter WIDTH = 4, parameter [3:0] K = 4'd1, localparam TWICE = WIDTH * 2) (
  input [WIDTH-1:0] a, b, output [WIDTH:0] y);
`ifdef ADD_K
  assign y = `SUM(a, b) + K;
`else
  assign y = `SUM(a, b);
`endif
endmodule
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A design whose header lives in another folder, as real projects keep them."""
    (tmp_path / "rtl").mkdir()
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "defs.vh").write_text(HEADER)
    (tmp_path / "rtl" / "adder.v").write_text(ADDER)
    return tmp_path


def rtlbo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RTLBO, *args], capture_output=True, text=True, timeout=600)


def proved(record: dict) -> bool:
    """Whether an evaluation record's equivalence stage passed."""
    return {s["name"]: s["status"] for s in record["stages"]}["equivalence"] == "passed"


def test_includes_defines_and_parameters_reach_every_tool(project: Path, tmp_path: Path):
    args = ["eval", "--rtl", str(project / "rtl" / "adder.v"), "-I", str(project / "include"), "-D", "ADD_K",
            "-P", "WIDTH=12", "-P", "K=4'd3", "--no-cache", "--json", "--artifacts", str(tmp_path / "art")]
    done = rtlbo(*args)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert proved(record)
    netlist = (tmp_path / "art" / "adder" / "netlist.v").read_text()
    assert "input [11:0] a;" in netlist and "output [12:0] y;" in netlist, "WIDTH=12 reached synthesis"
    rtl = (tmp_path / "art" / "adder" / "rtl.v").read_text()
    assert "`include" not in rtl and "`define SUM" in rtl and rtl.startswith("`define ADD_K")
    # The define changes the function: without it the same netlist would compute a + b only.
    plain = json.loads(rtlbo(*[a for a in args if a not in ("-D", "ADD_K")]).stdout)
    assert plain["metrics"]["area_um2"] < record["metrics"]["area_um2"]


def test_a_missing_or_escaping_include_is_one_line_naming_the_fix(project: Path):
    design = project / "rtl" / "adder.v"
    missing = rtlbo("eval", "--rtl", str(design))
    assert missing.returncode != 0 and "--include-dir" in missing.stderr and len(missing.stderr.splitlines()) == 1
    (project / "secret.vh").write_text("`define SECRET 1\n")
    for name in ("../secret.vh", str(project / "secret.vh")):
        design.write_text(f'`include "{name}"\n' + ADDER.replace('`include "defs.vh"\n', ""))
        with pytest.raises(RtlboError, match="leads out of its folder"):
            read_design([design], SourceSettings(include_dirs=(project / "include",)))
    (project / "include" / "loop.vh").write_text('`include "loop.vh"\n')
    design.write_text('`include "loop.vh"\n')
    with pytest.raises(RtlboError, match="includes itself"):
        read_design([design], SourceSettings(include_dirs=(project / "include",)))


@pytest.mark.parametrize(("text", "given", "expected"), [
    ("module m #(parameter A = 1, B = 2) (output y); endmodule", {"B": "5"}, "parameter A = 1, B = 5)"),
    ("module m (output y);\n  parameter integer N = 3, M = N + 1;\nendmodule", {"M": "(2*4)"},
     "parameter integer N = 3, M = (2*4);"),
    ("module m #(parameter [7:0] INIT = {4'h1, 4'h2}) (output y); endmodule", {"INIT": "8'hff"},
     "parameter [7:0] INIT = 8'hff)"),
    ("module other #(parameter A = 1) (); endmodule\nmodule m #(parameter A = 1) (); endmodule", {"A": "7"},
     "module m #(parameter A = 7)"),
])
def test_parameters_are_set_where_the_top_declares_them(text: str, given: dict, expected: str):
    assert expected in set_parameters(text, "m", given)


def test_a_parameter_that_cannot_be_set_is_refused(project: Path):
    text = ADDER
    with pytest.raises(RtlboError, match="localparam"):
        set_parameters(text, "adder", {"TWICE": "3"})
    with pytest.raises(RtlboError, match=r"no parameter 'DEPTH' \(it has: WIDTH, K\)"):
        set_parameters(text, "adder", {"DEPTH": "3"})
    for value in ("3; initial $finish", "1 // x", "(2", "`FOO", ""):
        with pytest.raises(RtlboError, match="not a constant"):
            set_parameters(text, "adder", {"WIDTH": value})


def test_a_task_folder_names_its_include_dirs_defines_and_parameters(project: Path, tmp_path: Path):
    folder = tmp_path / "suite" / "adder"
    folder.mkdir(parents=True)
    (folder / "reference.v").write_text(ADDER)
    (folder / "headers").mkdir()
    (folder / "headers" / "defs.vh").write_text(HEADER)
    (folder / "task.toml").write_text('top = "adder"\ninclude_dirs = ["headers"]\ndefines = { ADD_K = "" }\n'
                                      "parameters = { WIDTH = 6 }\n")
    (task,) = load_suite(f"tasks:{tmp_path / 'suite'}").tasks
    assert "input [WIDTH-1:0]" in task.reference_rtl and "parameter WIDTH = 6" in task.reference_rtl
    assert task.reference_rtl.startswith("`define ADD_K")
    done = rtlbo("eval", "--suite", f"tasks:{tmp_path / 'suite'}", "--no-cache", "--json")
    assert done.returncode == 0, done.stderr
    assert proved(json.loads(done.stdout))


def test_tasks_init_writes_the_design_as_one_self_contained_file(project: Path, tmp_path: Path):
    done = rtlbo("tasks", "init", str(tmp_path / "suite"), "--rtl", str(project / "rtl" / "adder.v"),
                 "-I", str(project / "include"), "-P", "WIDTH=8")
    assert done.returncode == 0, done.stderr
    reference = (tmp_path / "suite" / "adder" / "reference.v").read_text()
    assert "`include" not in reference and "parameter WIDTH = 8" in reference
    (task,) = load_suite(f"tasks:{tmp_path / 'suite'}").tasks
    assert task.reference_rtl == reference
