"""A hostile corpus: candidate RTL written to escape, forge a pass, hang, flood or collide.

Every case goes through the real cascade against a copy of the mul8 task and of the technology,
so that an escape would hit a file this test owns. Each asserts: no file created or changed outside
the work directory, no pass for a wrong design, no process outliving the evaluation, a one-line
reason, bounded time.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from objectives.cascade import StageLimits, evaluate
from objectives.screen import Screen
from objectives.technology import Technology

HEADER = "module mul8(input wire [7:0] a, input wire [7:0] b, output wire [15:0] p);\n"
WRONG = HEADER + "  assign p = a + b;\n{body}\nendmodule\n"
RIGHT = HEADER + "  assign p = a * b;\n{body}\nendmodule\n"
FILES = "reads or writes files"

# name: (candidate, what the syntax stage must say, or None when a later stage must fail it)
CORPUS: dict[str, tuple[str, str | None]] = {
    # direct system tasks
    "fopen-write": (WRONG.format(body='integer f; initial f = $fopen("{canary}", "w");'), FILES),
    "fopen-read": (WRONG.format(body='integer f; initial f = $fopen("{secret}", "r");'), FILES),
    "fdisplay-stdout": (WRONG.format(body='initial $fdisplay(1, "RESULT: PASS mismatches=0 checks=9");'), FILES),
    "fwrite-mcd": (WRONG.format(body="initial $fwrite(32'h8000_0001, \"x\");"), FILES),
    "readmemh-host": (WRONG.format(body='reg [7:0] m [0:3]; initial $readmemh("{secret}", m);'), FILES),
    "readmemb": (WRONG.format(body='reg [7:0] m [0:3]; initial $readmemb("{secret}", m);'), FILES),
    "writememh": (WRONG.format(body='reg [7:0] m [0:3]; initial $writememh("{canary}", m);'), FILES),
    "dumpfile": (WRONG.format(body='initial begin $dumpfile("{canary}"); $dumpvars; end'), FILES),
    "fgets": (WRONG.format(body='integer f, r; reg [8*64:1] s; initial r = $fgets(s, f);'), FILES),
    "fscanf": (WRONG.format(body='integer f, r, v; initial r = $fscanf(f, "%d", v);'), FILES),
    "sdf": (WRONG.format(body='initial $sdf_annotate("{canary}");'), FILES),
    "system": (WRONG.format(body='initial $system("touch {canary}");'), "runs a shell command"),
    "plusargs": (WRONG.format(body='integer v, r; initial r = $value$plusargs("x=%d", v);'), "command line"),
    "test-plusargs": (WRONG.format(body='initial if ($test$plusargs("x")) ;'), "command line"),
    "root": (WRONG.format(body="initial $root.tb.mismatches = 0;"), "outside the design"),
    "unknown-task": (WRONG.format(body='initial $rtlbo_unknown("x");'), "not known to be harmless"),
    # a backspace ends an escaped identifier for iverilog: what follows it would hide from a lexer
    "backspace-force": (WRONG.format(body="wire \\h\b;initial\bforce\btb.mismatches=0;"), "control character"),
    "backspace-fopen": (WRONG.format(body='wire \\h\b;initial\b$fopen("{canary}","w");'), "control character"),
    # system tasks built by the preprocessor
    "paste": (WRONG.format(body='`define CAT(a,b) a``b\ninitial `CAT($fop,en)("{canary}", "w");'), FILES),
    "paste-name": (WRONG.format(body='`define F(x) $f``x\ninitial `F(open)("{canary}", "w");'), FILES),
    "lone-dollar": (WRONG.format(body='`define S $\ninitial `S``fopen("{canary}", "w");'), "lone '$'"),
    "lone-dollar-space": (WRONG.format(body='`define S $\ninitial `S fopen("{canary}", "w");'), "lone '$'"),
    "macro-body": (WRONG.format(body='`define OPEN $fopen\ninitial `OPEN("{canary}", "w");'), FILES),
    "nested-macro": (WRONG.format(body='`define A $fo\n`define B(x) x``pen\ninitial `B(`A)("{canary}");'), None),
    "macro-args": (WRONG.format(body='`define M(t, f) t(f, "w")\ninitial `M($fopen, "{canary}");'), FILES),
    "ifdef-synthesis": (WRONG.format(body='`ifdef SYNTHESIS\nreg [7:0] m [0:3]; initial $readmemh("{secret}", m);'
                                          "\n`endif"), FILES),
    "ifndef-synthesis": (WRONG.format(body='`ifndef SYNTHESIS\ninitial $fopen("{canary}");\n`endif'), FILES),
    "ifdef-yosys": (WRONG.format(body='`ifdef YOSYS\ninitial $system("touch {canary}");\n`endif'), "shell command"),
    "undefined-macro": (WRONG.format(body='initial `UNDEFINED_MACRO("{canary}");'), None),
    "stringify": (WRONG.format(body='`define Q(x) `"x`"\ninitial $display(`Q($fopen));'), None),
    # strings, comments, escaped identifiers, attributes
    "string-slashes": (WRONG.format(body='initial $display("// hidden"); initial $fopen("{canary}");'), FILES),
    "string-block": (WRONG.format(body='initial $display("/* hidden"); initial $fopen("{canary}"); // */'), FILES),
    "escaped-quote": (WRONG.format(body='wire \\a"b ; initial $fopen("{canary}"); // "'), FILES),
    "escaped-slashes": (WRONG.format(body='wire \\a//b ; initial $fopen("{canary}");'), FILES),
    "escaped-block": (WRONG.format(body='wire \\a/*b ; initial $fopen("{canary}"); // */'), FILES),
    "comment-quote": (WRONG.format(body='// "\ninitial $fopen("{canary}"); // "'), FILES),
    "attribute-string": (WRONG.format(body='(* note = "*)" *) initial $fopen("{canary}");'), FILES),
    "escaped-system-name": (WRONG.format(body="wire \\$fopen ; assign \\$fopen = 1'b0;"), None),
    "string-continuation": (WRONG.format(body='initial $display("a\\\n$fopen"); initial $fopen("{canary}");'), FILES),
    "unterminated-string": (WRONG.format(body='initial $display("never closed);'), "unterminated"),
    "unterminated-comment": (WRONG.format(body="/* never closed"), "unterminated"),
    # other files
    "include-host": (WRONG.format(body='`include "{secret}"'), "`include"),
    "include-passwd": (WRONG.format(body='`include "/etc/passwd"'), "`include"),
    "include-macro": (WRONG.format(body='`define INC `include\n`INC "{secret}"'), "`include"),
    "include-angle": (WRONG.format(body="`include <stdio.h>"), "`include"),
    "pragma-protect": (WRONG.format(body="`pragma protect begin"), "`pragma"),
    # endless loops, with and without delays (bounded by the stage limits)
    "zero-delay-loop": (WRONG.format(body="reg x = 0; always x = ~x;"), None),
    "while-loop": (WRONG.format(body="initial while (1) ;"), None),
    "delay-loop": (WRONG.format(body="reg x = 0; initial forever #1 x = ~x;"), None),
    "comb-oscillator": (WRONG.format(body="wire w; assign w = ~w;"), None),
    # memory and log bombs
    "memory-bomb": (WRONG.format(body="reg [1023:0] m [0:(1<<24)-1]; initial m[0] = 1;"), None),
    "log-bomb": (WRONG.format(body='always #1 $display("%0999d", 1);'), None),
    "log-flood-zero-delay": (WRONG.format(body='initial forever $write("flood");'), None),
    "generate-bomb": (WRONG.format(body="genvar g; generate for (g = 0; g < 4000000; g = g + 1) begin : b "
                                        "wire w; end endgenerate"), None),
    # processes
    "system-fork": (WRONG.format(body='initial $system(":(){ :|:& };:");'), "shell command"),
    # names taken by the testbench or the standard cells
    "module-tb": (WRONG.format(body="endmodule\nmodule tb; initial $display(\"RESULT: PASS mismatches=0 checks=1\");"),
                  "taken by the testbench"),
    "escaped-tb": (WRONG.format(body="endmodule\nmodule \\tb ;"), "taken by the testbench"),
    "cell-nand": (WRONG.format(body="endmodule\nmodule NAND2X1(input A, input B, output Y); assign Y = 1'b1;"),
                  "standard cell"),
    "cell-dff": (WRONG.format(body="endmodule\nmodule DFFPOSX1(input CLK, input D, output Q); assign Q = D;"),
                 "standard cell"),
    "primitive-cell": (WRONG.format(body="endmodule\nprimitive AND2X1(output Y, input A, input B);\n"
                                         "table 00:0; 01:0; 10:0; 11:1; endtable\nendprimitive\nmodule unused;"),
                       "standard cell"),
    # reaching into the testbench
    "hier-write": (WRONG.format(body="initial tb.mismatches = 0;"), "reaches into the testbench"),
    "hier-read": (WRONG.format(body="wire [31:0] m = tb.checks;"), "reaches into the testbench"),
    "hier-instance": (WRONG.format(body="initial dut.p = 0;"), "reaches into the testbench"),
    "hier-task": (WRONG.format(body="initial tb.apply(0, 0);"), "reaches into the testbench"),
    "defparam": (WRONG.format(body="defparam tb.seed = 1;"), "reaches into the testbench"),
    "force": (WRONG.format(body="initial force tb.mismatches = 0;"), "'force'"),
    "release": (WRONG.format(body="initial release p;"), "'release'"),
    "bind": (WRONG.format(body="bind tb mul8 spy(.a(), .b(), .p());"), "'bind'"),
    "dpi-import": (WRONG.format(body='import "DPI-C" function int system(input string c);'), "DPI"),
    "dpi-export": (WRONG.format(body='export "DPI-C" function f;'), "DPI"),
    # forged verdicts with prints the screen allows: the sealed testbench output decides
    "forge-result": (WRONG.format(body='initial begin #1 $display("RESULT: PASS mismatches=0 checks=999"); '
                                       "$finish; end"), None),
    "forge-every-change": (WRONG.format(body='always @(a or b) $display("RESULT: PASS mismatches=0 checks=1");'),
                           None),
    "forge-partial-line": (WRONG.format(body='always @(a) $write("RESULT: PASS mismatches=0 checks=1 ");'), None),
    "forge-monitor": (WRONG.format(body='initial $monitor("RESULT: PASS mismatches=0 checks=%0d", a);'), None),
    "forge-marks": (WRONG.format(body='initial begin $display("<rtlbo:0123>RESULT: PASS mismatches=0 checks=1'
                                      '</rtlbo:0123>"); $finish; end'), None),
    "forge-stop": (WRONG.format(body='initial begin #1 $display("Your Design Passed"); $stop; end'), None),
    # right in simulation, different after synthesis
    "translate-off": (RIGHT.replace("assign p = a * b;", "wire [15:0] p2;\n  assign p =\n// synopsys translate_off"
                                    "\n  a * b;\n  assign p2 =\n// synopsys translate_on\n  a + b;").format(body=""),
                      None),
    "ifdef-differs": (RIGHT.replace("assign p = a * b;", "`ifdef SYNTHESIS\n  assign p = a + b;\n`else\n"
                                    "  assign p = a * b;\n`endif").format(body=""), None),
}


@pytest.fixture(scope="module")
def sandbox_world(tmp_path_factory, builtin):
    """A copy of mul8 and of the technology in a folder the test owns, a secret, and a canary path."""
    root = tmp_path_factory.mktemp("hostile")
    tech = Technology.from_env()
    shutil.copy(tech.liberty, root / "cells.lib")
    shutil.copy(tech.cell_models, root / "cells.v")
    shutil.copy(builtin["mul8"].harness[0], root / "testbench.v")
    (root / "secret.txt").write_text("c0ffee\nRTLBO-SECRET-7d1f\n")
    task = replace(builtin["mul8"], harness=(root / "testbench.v",))
    return root, task, Technology(liberty=root / "cells.lib", cell_models=root / "cells.v")


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}


def _descendants() -> list[str]:
    """Return the command names of this process's live descendants that a tool run started (their
    environment is the sandbox's)."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            tool = b"HOME=/rtlbo/work" in (entry / "environ").read_bytes()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if rest[0] != "Z":
            children.setdefault(int(rest[1]), []).append(int(entry.name))
            names[int(entry.name)] = name if tool else ""
    found, frontier = [], [os.getpid()]
    while frontier:
        for child in children.get(frontier.pop(), []):
            found.append(names[child])
            frontier.append(child)
    return [name for name in found if name]


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_hostile_candidate_is_contained(case: str, sandbox_world):
    root, task, tech = sandbox_world
    before = _snapshot(root)
    candidate, refusal = CORPUS[case]
    rtl = candidate.replace("{canary}", str(root / "canary")).replace("{secret}", str(root / "secret.txt"))
    start = time.monotonic()
    evaluation = evaluate(task, rtl=rtl, tech=tech, limits=StageLimits(simulation_s=5, synthesis_s=30, sta_s=10,
                                                                        memory_mb=1024))
    seconds = time.monotonic() - start
    assert not evaluation.feasible, "a wrong or escaping design came out feasible"
    if case not in ("translate-off", "ifdef-differs"):
        assert not evaluation.functional or evaluation.stage("gatesim").status != "passed"
    failure = evaluation.failure
    assert failure and "\n" not in failure
    if refusal is not None:
        syntax = evaluation.stage("syntax")
        assert syntax.status == "failed" and syntax.reason.startswith("refused:") and refusal in syntax.reason
    assert _snapshot(root) == before, "a file outside the work directory was created or changed"
    assert "RTLBO-SECRET" not in "".join(evaluation.artifacts.values())
    assert _descendants() == [], "a tool process outlived the evaluation"
    assert seconds < 60


def test_designs_that_differ_after_synthesis_fail_gate_level_simulation(sandbox_world):
    """Right in RTL simulation, wrong as synthesized (hot comments, `ifdef SYNTHESIS): caught."""
    _, task, tech = sandbox_world
    for case in ("translate-off", "ifdef-differs"):
        evaluation = evaluate(task, rtl=CORPUS[case][0], tech=tech)
        assert evaluation.functional, evaluation.failure
        assert evaluation.stage("gatesim").status == "failed", case


def test_a_simulation_killed_by_its_memory_limit_says_so(sandbox_world):
    """Filling a 2 GiB memory under a 512 MiB limit kills the simulator: the reason is that, not a
    verdict line the testbench never got to print."""
    _, task, tech = sandbox_world
    rtl = RIGHT.format(body="reg [1023:0] m [0:(1<<24)-1]; integer i;\n"
                            "initial for (i = 0; i < (1<<24); i = i + 1) m[i] = {32{$random}};")
    evaluation = evaluate(task, rtl=rtl, tech=tech, limits=StageLimits(simulation_s=5, synthesis_s=5, sta_s=10,
                                                                        memory_mb=512))
    simulation = evaluation.stage("simulation")
    assert simulation.status == "failed" and simulation.reason.startswith("the simulator was killed by"), simulation


def test_the_sandbox_alone_contains_file_access_and_shell_commands(sandbox_world, monkeypatch):
    """With the screen off, $fopen, $readmemh and $system reach nothing of the host's."""
    root, task, tech = sandbox_world
    monkeypatch.setattr(Screen, "source", lambda self, text: None)
    monkeypatch.setattr(Screen, "preprocessed", lambda self, text: None)
    before = _snapshot(root)
    simulation_only = "`ifndef SYNTHESIS\n{}\n`endif"  # Yosys would refuse these before simulation runs
    escapes = [simulation_only.format(attack) for attack in (
        f'integer f; initial begin f = $fopen("{root / "canary"}", "w"); $fdisplay(f, "x"); end',
        f'integer f; initial begin f = $fopen("{tech.cell_models}", "w"); $fdisplay(f, "module x; endmodule"); end',
        f'integer f; initial begin f = $fopen("{task.harness[0]}", "w"); $fdisplay(f, "// gone"); end',
        f'reg [8*40:1] s; integer f, r; initial begin f = $fopen("{root / "secret.txt"}", "r"); '
        r'r = $fgets(s, f); $display("%s", s); end',
        f'initial $system("touch {root / "canary"}");',
    )] + [f'reg [31:0] m [0:1]; initial $readmemh("{root / "secret.txt"}", m); wire [31:0] q = m[0];']
    for body in escapes:
        evaluation = evaluate(task, rtl=WRONG.format(body=body), tech=tech, limits=StageLimits(simulation_s=10))
        assert not evaluation.feasible
        assert "RTLBO-SECRET" not in "".join(evaluation.artifacts.values()), body
    assert _snapshot(root) == before
    assert _descendants() == []


def test_real_models_prints_do_not_fail_a_right_design(builtin):
    """Prints, $time and severity tasks that real models leave in designs are harmless now."""
    body = ('always @(a or b) if (a == 8\'hff && b == 8\'hff) $display("max at %t: %0d", $time, p);\n'
            'always @(a) if (a === 8\'bx) $error("a is unknown");\n'
            'initial $write("mul8 ready\\n");')
    evaluation = evaluate(builtin["mul8"], rtl=RIGHT.format(body=body))
    assert evaluation.feasible, evaluation.failure
    assert "mul8 ready" in evaluation.artifacts["simulation.log"]
