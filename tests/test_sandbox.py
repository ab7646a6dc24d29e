"""Untrusted RTL is refused before any tool sees it; tools run under limits and get killed."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from objectives.evaluate import evaluate
from objectives.runner import Limits, run_tool
from objectives.sandbox import screen_candidate

HOSTILE = {
    "$system": 'initial $system("touch {canary}");',
    "$fopen": 'integer f; initial f = $fopen("{canary}", "w");',
    "$fwrite": 'initial $fwrite(32\'h8000_0002, "x");',
    "$readmemh": 'reg [7:0] m [0:3]; initial $readmemh("{canary}", m);',
    "$dumpfile": 'initial $dumpfile("{canary}");',
    "$display": 'initial $display("RESULT: PASS mismatches=0 checks=999");',
    "include": '`include "{canary}"',
    "tb.": "initial tb.mismatches = 0;",
    "force": "initial force y = 0;",
}


@pytest.mark.parametrize("what", sorted(HOSTILE))
def test_hostile_candidate_is_refused_and_never_runs(what: str, builtin, tmp_path: Path):
    canary = tmp_path / "canary"
    task = builtin["mul8"]
    body = task.reference_rtl.replace("endmodule", HOSTILE[what].format(canary=canary) + "\nendmodule")
    evaluation = evaluate(task, rtl=body)
    syntax = evaluation.stage("syntax")
    assert syntax.status == "failed" and syntax.reason.startswith("refused:")
    assert what.strip(".") in syntax.reason or what == "include"
    assert evaluation.stage("simulation").status == "skipped"
    assert not canary.exists()


def test_screen_ignores_comments_and_allows_pure_functions():
    text = "// $system(\"rm -rf /\") in a comment\nmodule m(input [7:0] a, output [3:0] y);\n" \
           "assign y = $clog2(a) + $signed(a[3:0]);\nendmodule\n"
    assert screen_candidate(text) is None


def test_screen_reports_the_line():
    assert "line 3" in screen_candidate("module m;\n\ninitial $finish;\nendmodule\n")


def test_timeout_kills_the_whole_process_group(tmp_path: Path):
    pidfile = tmp_path / "child.pid"
    start = time.monotonic()
    run = run_tool(["/bin/sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"], tmp_path, Limits(timeout_s=1))
    assert run.timed_out and not run.ok
    assert time.monotonic() - start < 10
    child = int(pidfile.read_text())
    time.sleep(0.2)
    assert not _alive(child), "the tool's child outlived the timeout"
    assert "time limit" in run.failure("sleep", 1)


def test_memory_limit_stops_a_runaway_tool(tmp_path: Path):
    run = run_tool(["python3", "-c", "x = bytearray(2_000_000_000)"], tmp_path, Limits(memory_mb=256))
    assert not run.ok and "MemoryError" in run.output


def test_output_flood_is_capped(tmp_path: Path):
    run = run_tool(["/bin/sh", "-c", "yes flood"], tmp_path, Limits(timeout_s=30, file_mb=1))
    assert not run.ok and not run.timed_out
    assert (tmp_path / "tool.log").stat().st_size <= 1024 * 1024
    assert re.search(r"SIGXFSZ|resource limit", run.failure("yes", 30))


def test_environment_is_scrubbed(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    run = run_tool(["/usr/bin/env"], tmp_path)
    assert run.ok and "sk-secret" not in run.output and f"HOME={tmp_path}" in run.output


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()
