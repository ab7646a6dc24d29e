"""Agreement of rtlbo's verdicts with each benchmark's own harness, on any suite folder.

    .venv/bin/python benchmarks/suite_agreement.py rtllm:/path/to/RTLLM [--samples DIR ...] [--task T ...]

Every design is judged twice on the same RTL: each task's reference as rtlbo loads it (a verified
module renamed to what the testbench instantiates) and, with ``--samples``, every recorded answer as
rtlbo extracts it (the raw answer where it extracts nothing). The judges:

- the benchmark's own, run here with iverilog and vvp as its harness runs them, and written from
  the harness, not from rtlbo's code:
  RTLLM v2 (``auto_run.py`` and the folders' makefiles): the design, saved as ``<folder>.v``, is
  compiled with ``testbench.v`` (``iverilog -g2012`` standing in for VCS, as TuRTLe does); the
  simulation must end within 8 s and print "Pass" or "pass".
  VerilogEval v2 (its Makefile and ``sv-iv-analyze``): ``iverilog -Wall -Winfloop -Wno-timescale
  -g2012 -s tb`` compiles the sample with ``_test.sv`` and ``_ref.sv``; the binary runs under a 30 s
  timeout (TIMEOUT appended to the log when it fires); the sample passes when a log line is exactly
  ``Mismatches: 0 in N samples`` and no line names a syntax error, an error, TIMEOUT, or one of the
  warnings the analysis fails.
- rtlbo's: the cascade's simulation stage passed (every stage before it too).

Prints one line per design with both verdicts and their times, the agreement matrix, and every
disagreement with both judges' reasons.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from objectives.cache import EvalCache
from objectives.generate import Candidate, candidate_from
from objectives.llm import Completion
from objectives.recipe import Recipe
from objectives.runner import Limits, first_error_line, run_tool
from objectives.samples import read_answers
from objectives.suites import load_suite
from objectives.tasks import Task
from objectives.toolchain import IVERILOG
from objectives.trial import evaluate_candidate

RTLLM_SIM_S = 8.0  # auto_run.py's exec_shell timeout
VERILOGEVAL_SIM_S = 30.0  # the Makefile's `timeout 30`
# sv-iv-analyze's outcome classes: a log line holding the text fails the sample with that class.
VERILOGEVAL_CLASSES = (
    ("syntax error", "S: syntax error"),
    ("error: This assignment requires an explicit cast", "e: explicit cast required"),
    ("error: Sized numeric constant must have a size greater than zero", "0: zero-width constant"),
    ("warning: always_comb process has no sensitivities", "n: no sensitivities"),
    ("found no sensitivities so it will never trigger", "n: no sensitivities"),
    ("is declared here as wire", "w: declared as wire"),
    ("Unknown module type", "m: unknown module type"),
    ("Unable to bind wire/reg/memory `clk'", "c: unbound clk"),
    ("TIMEOUT", "T: timeout"),
)


def _vvp() -> str:
    return shutil.which("vvp") or "vvp"


def rtllm_verdict(task: Task, rtl: str, work: Path) -> tuple[bool, str]:
    """Return RTLLM's verdict on ``rtl``: compiled with testbench.v, "Pass"/"pass" printed in time."""
    testbench = task.harness[0]
    for path in (testbench, *task.support_files):
        shutil.copy(path, work / path.name)
    design = f"{testbench.parent.name}.v"
    (work / design).write_text(rtl)
    compiled = run_tool([IVERILOG.path(), "-g2012", "-o", "simv", design, testbench.name], work, Limits(60.0))
    if not compiled.ok:
        return False, f"does not compile: {first_error_line(compiled.output)}"
    ran = run_tool([_vvp(), "-n", "simv"], work, Limits(RTLLM_SIM_S))
    if ran.timed_out:
        return False, f"simulation ran past auto_run.py's {RTLLM_SIM_S:g} s"
    if "Pass" in ran.output or "pass" in ran.output:
        return True, "pass"
    return False, f"no 'Pass' or 'pass' in the output: {first_error_line(ran.output)}"


def verilogeval_verdict(task: Task, rtl: str, work: Path) -> tuple[bool, str]:
    """Return VerilogEval's verdict on ``rtl``: its compile line, its timeout, its log analysis."""
    test, ref = task.harness
    for path in (test, ref):
        shutil.copy(path, work / path.name)
    sample = f"{task.name}_sample01"
    (work / f"{sample}.sv").write_text(rtl)
    argv = [IVERILOG.path(), "-Wall", "-Winfloop", "-Wno-timescale", "-g2012", "-s", "tb", "-o", sample,
            f"{sample}.sv", test.name, ref.name]
    compiled = run_tool(argv, work, Limits(60.0))
    log = compiled.output
    if compiled.ok:
        ran = run_tool([_vvp(), "-n", sample], work, Limits(VERILOGEVAL_SIM_S))
        log += ran.output + ("TIMEOUT\n" if ran.timed_out else "")
    outcome, unbound, error, zero = None, False, False, False
    for line in log.splitlines():
        outcome = next((name for text, name in VERILOGEVAL_CLASSES if text in line), None)
        if outcome:
            break
        unbound = unbound or "Unable to bind wire/reg" in line
        error = error or "error" in line
        mismatches = re.match(r"^Mismatches: (\d+) in \d+ samples$", line)
        zero = zero or bool(mismatches and int(mismatches.group(1)) == 0)
    outcome = outcome or ("p: unable to bind" if unbound else "C: compile error" if error else None)
    if outcome:
        return False, outcome
    return (True, ".: pass") if zero else (False, "R: runtime mismatch")


JUDGES = {"rtllm": rtllm_verdict, "verilogeval": verilogeval_verdict}


def designs(tasks: list[Task], models: list[Path]) -> list[tuple[Task, str, Candidate]]:
    """Return (task, label, candidate) for every task's reference and every recorded answer."""
    by_name = {t.name: t for t in tasks}
    found = [(t, "reference", Candidate(0, t.reference_rtl)) for t in tasks]
    for model in models:
        for answer in read_answers(model, list(by_name)):
            if answer.missing:
                continue
            completion = Completion(hashlib.sha256(answer.text.encode()).hexdigest(), answer.text,
                                    finish_reason=answer.finish_reason)
            found.append((by_name[answer.task], f"{model.name} {answer.sample}",
                          candidate_from(by_name[answer.task], 0, completion)))
    return sorted(found, key=lambda d: d[0].name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", help="rtllm:/path or verilogeval:/path")
    parser.add_argument("--samples", type=Path, action="append", default=[], help="a model's answers (repeatable)")
    parser.add_argument("--task", action="append", help="only these tasks (repeatable)")
    parser.add_argument("--cache", type=Path, help="rtlbo's evaluation cache (default: none, cold timings)")
    args = parser.parse_args()
    tasks = load_suite(args.suite).select(args.task)
    cache = EvalCache(args.cache) if args.cache else None
    matrix: Counter = Counter()
    disagreements = []
    print(f"{'task':18s} {'design':22s} {'benchmark':26s} {'rtlbo':6s} {'bench s':>8s} {'rtlbo sim s':>11s}"
          f" {'rtlbo all s':>11s}")
    unknown = sorted({t.verdict for t in tasks} - set(JUDGES))
    if unknown:
        raise SystemExit(f"no benchmark harness for verdict rule(s) {', '.join(unknown)}; give an rtllm: or "
                         "verilogeval: suite")
    for task, label, candidate in designs(tasks, args.samples):
        rtl = candidate.rtl if candidate.rtl is not None else candidate.completion.text
        with tempfile.TemporaryDirectory(prefix="agreement-") as tmp:
            start = time.perf_counter()
            bench_pass, bench_why = JUDGES[task.verdict](task, rtl, Path(tmp))
            bench_s = time.perf_counter() - start
        start = time.perf_counter()
        evaluation = evaluate_candidate(task, Recipe(), candidate, label, cache)
        total_s = time.perf_counter() - start
        front_s = sum(evaluation.stage(s).seconds for s in ("syntax", "simulation"))
        ours = evaluation.functional
        matrix[(bench_pass, ours)] += 1
        if bench_pass != ours:
            disagreements.append((task.name, label, bench_why, evaluation.failure or "passed"))
        bench = f"{'pass' if bench_pass else 'fail'} ({bench_why})"[:26]
        print(f"{task.name:18s} {label:22s} {bench:26s} {'pass' if ours else 'fail':6s}"
              f" {bench_s:8.2f} {front_s:11.2f} {total_s:11.2f}")
    print()
    print("agreement matrix (rows: the benchmark's harness, columns: rtlbo)")
    print(f"{'':16s}{'rtlbo pass':>12s}{'rtlbo fail':>12s}")
    for bench in (True, False):
        print(f"{'bench ' + ('pass' if bench else 'fail'):16s}{matrix[(bench, True)]:12d}{matrix[(bench, False)]:12d}")
    agreed = matrix[(True, True)] + matrix[(False, False)]
    print(f"agreement: {agreed}/{sum(matrix.values())}")
    for name, label, bench_why, ours in disagreements:
        print(f"DISAGREE {name} {label}: benchmark: {bench_why}; rtlbo: {ours}")


if __name__ == "__main__":
    main()
