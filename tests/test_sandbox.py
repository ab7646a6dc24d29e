"""The runner's OS sandbox, limits and kill switch, and the screen's rules on small texts."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from objectives.runner import SANDBOX_ENV, Limits, Sandbox, run_tool
from objectives.screen import Screen, seal, sealed_output
from objectives.verilog import blank_calls, module_names, scope_names, tokens

RTLBO = Path(sys.executable).parent / "rtlbo"


def test_timeout_kills_the_whole_sandbox(tmp_path: Path):
    start = time.monotonic()
    sleep = f"sleep 60.{_nonce()}"  # a duration no other test's sleep has
    run = run_tool(["/bin/sh", "-c", f"{sleep} & {sleep} & wait"], tmp_path, Limits(timeout_s=1))
    assert run.timed_out and not run.ok
    assert time.monotonic() - start < 10
    assert "time limit" in run.failure("sleep", 1)
    time.sleep(0.2)
    assert not _sandboxed_processes(sleep), "a tool's child outlived the timeout"


def test_a_fork_bomb_is_contained(tmp_path: Path):
    """No fork at all where the candidate's code runs; elsewhere a capped count in a PID namespace
    that dies with the run."""
    mark = f"# {_nonce()}"  # in the command line of every copy of the shell, and of no other test's
    bomb = ["/bin/sh", "-c", f"b() {{ b | b & }}; b {mark}"]
    start = time.monotonic()
    run = run_tool(bomb, tmp_path, Limits(timeout_s=10), Sandbox(scratch=True, processes=1))
    assert "Cannot fork" in run.output and not run.timed_out
    capped = run_tool(["/bin/sh", "-c", f"b() {{ b | b; }}; b {mark}"], tmp_path, Limits(timeout_s=5),
                      Sandbox(processes=64))
    assert not capped.ok and capped.seconds < 10
    assert time.monotonic() - start < 30
    time.sleep(0.2)
    assert not _sandboxed_processes(mark), "the fork bomb outlived its run"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root switches the tool to a user of its own")
def test_one_runs_process_cap_is_not_spent_by_the_runs_beside_it(tmp_path: Path):
    """Each run is a user of its own: a tool that holds 40 processes leaves a run beside it all of
    its 64 (RLIMIT_NPROC counts a user's processes system-wide)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sleep = f"sleep 20.{_nonce()}"
    holder = subprocess.Popen([sys.executable, "-c", "from objectives.runner import *; import pathlib; "
                               f"run_tool(['/bin/sh', '-c', 'for i in $(seq 40); do {sleep} & done; wait'], "
                               f"pathlib.Path('{tmp_path / 'a'}'), Limits(timeout_s=15), Sandbox(processes=64))"])
    try:
        deadline = time.monotonic() + 30
        while len(_sandboxed_processes(sleep)) < 40 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_sandboxed_processes(sleep)) >= 40, "the first run never held its processes"
        beside = run_tool(["/bin/sh", "-c", "for i in $(seq 40); do sleep 0.1 & done; wait; id -u"], tmp_path / "b",
                          Limits(timeout_s=10), Sandbox(processes=64))
    finally:
        holder.kill()
        holder.wait()
    assert beside.ok, beside.output
    assert int(beside.output.split()[-1]) not in (0, 65534)


def test_the_host_is_invisible_and_read_only(tmp_path: Path):
    canary = tmp_path / "canary"
    work = tmp_path / "work"
    work.mkdir()
    script = (f"touch {canary}; touch /usr/rtlbo-canary; ls {Path.home()} {Path.cwd()}; cat /etc/shadow; "
              "touch inside; echo ok")
    run = run_tool(["/bin/sh", "-c", script], work)
    assert "ok" in run.output
    assert not canary.exists() and not Path("/usr/rtlbo-canary").exists()
    assert (tmp_path / "work" / "inside").exists(), "the work directory is writable"
    assert "No such file" in run.output and "Read-only file system" in run.output


def test_trusted_inputs_are_read_only_and_read_once_files_cannot_be_reread(tmp_path: Path):
    trusted = tmp_path / "trusted.txt"
    trusted.write_text("trusted\n")
    (tmp_path / "work").mkdir()
    script = "cat program; echo tamper > trusted.txt; cat trusted.txt; timeout 1 cat program; echo done"
    run = run_tool(["/bin/sh", "-c", script], tmp_path / "work", Limits(timeout_s=20),
                   Sandbox(inputs={"trusted.txt": trusted}, read_once=("program", b"secret-program\n"), scratch=True))
    assert run.output.count("secret-program") == 1, run.output
    assert "Read-only file system" in run.output and "done" in run.output
    assert trusted.read_text() == "trusted\n"


def test_memory_limit_stops_a_runaway_tool(tmp_path: Path):
    run = run_tool(["python3", "-c", "x = bytearray(2_000_000_000)"], tmp_path, Limits(memory_mb=256))
    assert not run.ok and "MemoryError" in run.output


def test_output_flood_is_capped(tmp_path: Path):
    run = run_tool(["/bin/sh", "-c", "yes flood"], tmp_path, Limits(timeout_s=30, file_mb=1))
    assert not run.ok and not run.timed_out
    assert len(run.output) <= 256 * 1024
    assert re.search(r"SIGXFSZ|resource limit", run.failure("yes", 30))


def test_environment_is_scrubbed(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    run = run_tool(["/usr/bin/env"], tmp_path)
    assert run.ok and "sk-secret" not in run.output and "HOME=/rtlbo/work" in run.output


def test_without_the_sandbox_evaluation_stops_with_one_line(tmp_path: Path):
    """Fail closed: no bubblewrap on PATH, no evaluation; the opt-out is printed on every run."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("iverilog", "vvp", "sta", "prlimit", "setpriv"):
        (bin_dir / tool).symlink_to(subprocess.check_output(["which", tool], text=True).strip())
    env = {**os.environ, "PATH": str(bin_dir)}
    done = subprocess.run([RTLBO, "eval", "--task", "adder32", "--no-cache"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert "sandbox cannot start (bwrap not found)" in done.stderr and "apt-get install -y bubblewrap" in done.stderr
    trusted = subprocess.run([RTLBO, "eval", "--task", "adder32", "--no-cache"], capture_output=True, text=True,
                             env={**env, SANDBOX_ENV: "off"}, timeout=120)
    assert trusted.returncode == 0, trusted.stderr
    assert "without the sandbox" in trusted.stderr


def test_lexer_reads_strings_comments_and_escaped_identifiers_as_tools_do():
    text = 'a = "// not a comment"; \\b"c ; /* "x */ $d // $e\n`f'
    kinds = [(t.kind, t.text) for t in tokens(text)]
    assert ("string", '"// not a comment"') in kinds and ("ident", '\\b"c') in kinds
    assert ("system", "$d") in kinds and ("system", "$e") not in kinds and ("directive", "`f") in kinds
    assert [t.kind for t in tokens('"open')][0] == "unterminated"


def test_module_and_scope_names_ignore_strings_and_comments():
    text = 'module a; initial $display("module fake;"); // module b\nsub #(1) u1 (x); begin : blk end endmodule'
    assert module_names(text) == ["a"]
    assert {"a", "u1", "blk"} <= scope_names(text) and "fake" not in scope_names(text)


def test_screen_allows_prints_and_pure_functions_and_reports_the_line():
    screen = Screen(frozenset({"tb"}), frozenset({"tb"}))
    ok = 'module m(input [7:0] a, output [3:0] y);\nassign y = $clog2(a);\ninitial $display("%t", $time);\nendmodule\n'
    assert screen.source(ok) is None and screen.preprocessed(ok) is None
    assert "line 3" in screen.preprocessed("module m;\n\ninitial $fopen(\"x\");\nendmodule\n")
    assert screen.preprocessed("module m; int q[$]; wire [3:0] w = q[$]; endmodule") is None


def test_sealed_output_keeps_only_what_the_testbench_printed():
    secret = "0f" * 16
    sealed = seal('initial begin $display("RESULT: %s", r); $write; $display(); end', secret)
    assert sealed.count(secret) == 6
    log = (f"<rtlbo:{secret}>RESULT: PASS</rtlbo:{secret}>\nfake RESULT: PASS\n<rtlbo:{secret}>unclosed\n"
           f"candidate text <rtlbo:{secret}>tail</rtlbo:{secret}>\n")
    printed, clean = sealed_output(log, secret)
    assert printed == "RESULT: PASS\ntail\n" and secret not in clean and "fake RESULT" in clean


def test_synthesis_view_drops_simulation_only_statements():
    text = 'always @(posedge c) if (a) $display("x=%d", (a)); else $finish;\nassign y = $signed(a);'
    call = '$display("x=%d", (a))'
    expected = text.replace(call, " " * len(call)).replace("$finish", " " * len("$finish"))
    assert blank_calls(text, frozenset({"$display", "$finish"})) == expected


def _nonce() -> str:
    """Digits no other test run on this machine at the same time will use."""
    return f"{secrets.randbelow(10**6):06d}"


def _sandboxed_processes(command: str) -> list[int]:
    """Return the pids of live processes whose command line holds ``command`` (unique to one test:
    tests run beside each other) that run in a sandbox (HOME=/rtlbo/work)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        state = stat[stat.rindex(")") + 2 :].split()[0]
        if command.encode() in cmdline and state != "Z" and b"HOME=/rtlbo/work" in environ:
            found.append(int(entry.name))
    return found


@pytest.fixture(autouse=True)
def _sandbox_on(monkeypatch):
    monkeypatch.delenv(SANDBOX_ENV, raising=False)
