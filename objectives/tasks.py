"""Tasks: a spec, a reference design and a self-checking testbench; and suites of them.

A built-in task is a folder ``objectives/tasks/<name>/`` with ``task.toml``, ``spec.md``,
``reference.v`` and ``testbench.v``. Suites in other layouts are read by :mod:`objectives.suites`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from objectives.errors import RtlboError
from objectives.files import content_hash, file_digest, load_toml, parse_model, read_text
from objectives.sources import SourceSettings, read_design, set_parameters

BUILTIN_DIR = Path(__file__).parent / "tasks"
VerdictRule = Literal["result-line", "rtllm", "verilogeval", "auto"]  # see parse_verdict
DEFAULT_PERIOD_NS = 10.0  # where a task gives no period and none is derived yet
MAX_PERIOD_NS = 1e6  # a millisecond: beyond it a period is a typo, and OpenSTA's arithmetic overflows


def check_period(period_ns: float | None, option: str) -> None:
    """Raise RtlboError unless ``period_ns`` (given as ``option``) is None or a clock period rtlbo can time."""
    if period_ns is not None and not (math.isfinite(period_ns) and 0 < period_ns <= MAX_PERIOD_NS):
        raise RtlboError(f"{option} {period_ns}: give the clock period in ns, a finite number above 0 and at "
                         f"most {MAX_PERIOD_NS:g}")


@dataclass(frozen=True)
class Task:
    """One design problem. ``harness`` holds the testbench and any golden models it instantiates.

    ``clock`` is the clock port (None: combinational) and ``period_ns`` its period; a design with
    several clocks lists the others in ``extra_clocks``. ``clock_note`` says where they came from.
    ``derive_period`` marks a period the task does not give (a placeholder until
    :func:`objectives.cascade.derive_periods` sets it from the baseline flow's delay).
    """

    name: str
    top: str
    spec: str
    reference_rtl: str
    harness: tuple[Path, ...]
    harness_top: str = "tb"
    clock: str | None = None
    period_ns: float = 10.0
    reset: str | None = None
    reset_active: str = "high"
    goal: str = "area"
    summary: str = ""
    suite: str = "builtin"
    verdict: VerdictRule = "result-line"
    support_files: tuple[Path, ...] = field(default=())
    extra_clocks: tuple[tuple[str, float], ...] = ()
    clock_note: str = ""
    derive_period: bool = False

    @property
    def combinational(self) -> bool:
        return self.clock is None

    @property
    def clocks(self) -> tuple[tuple[str, float], ...]:
        """Return every clock as (port, period ns): ``clock`` at ``period_ns`` first, then
        ``extra_clocks`` (a design with several clocks); empty for a combinational design."""
        return ((self.clock, self.period_ns), *self.extra_clocks) if self.clock else ()

    def interface(self) -> str:
        """Return the module interface: the fenced ```verilog block of the spec, else the header."""
        block = re.search(r"```(?:verilog|systemverilog|sv)\s*\n(.*?)```", self.spec, re.S)
        if block:
            return block.group(1).strip()
        header = re.search(rf"\bmodule\s+{re.escape(self.top)}\b.*?\)\s*;", self.reference_rtl, re.S)
        return header.group(0) if header else f"module {self.top}(...);"

    def fingerprint(self) -> str:
        """Return a hash of everything about the task that can change an evaluation."""
        return content_hash(
            {
                "top": self.top,
                "clock": self.clock,
                "period_ns": self.period_ns,
                "harness": [file_digest(p) for p in self.harness],
                "harness_top": self.harness_top,
                "support": {p.name: file_digest(p) for p in self.support_files},
                "verdict": self.verdict,
                # Only where there are several, so single-clock tasks keep their cache keys.
                **({"extra_clocks": list(self.extra_clocks)} if self.extra_clocks else {}),
            }
        )


@dataclass(frozen=True)
class Verdict:
    """A testbench's verdict as parsed from its output."""

    passed: bool
    mismatches: int | None
    checks: int | None
    reason: str


_RESULT_LINE = re.compile(r"RESULT:\s*(PASS|FAIL)\s+mismatches=(\d+)\s+checks=(\d+)")
_MISMATCHES = re.compile(r"^Mismatches: (\d+) in (\d+) samples$", re.M)
# VerilogEval's sv-iv-analyze fails a sample whose log has a line containing any of these.
VERILOGEVAL_FAILURES = ("syntax error", "error", "always_comb process has no sensitivities",
                        "found no sensitivities so it will never trigger", "is declared here as wire",
                        "Unknown module type", "Unable to bind wire/reg", "TIMEOUT")
_FAILURES = re.compile(r"(\d+)\s+failures?")


# Compiler warnings a benchmark's harness turns on and judges (VerilogEval compiles with these).
WARNING_FLAGS = {"verilogeval": ("-Wall", "-Winfloop", "-Wno-timescale")}


def parse_verdict(output: str, rule: str, compiler_log: str = "") -> Verdict:
    """Return the testbench's verdict from what it printed in simulation (``output``) under
    ``rule``; ``compiler_log`` (the compiler's warnings) can only fail a design, never pass it.

    ``result-line``: the last ``RESULT: PASS|FAIL mismatches=M checks=N`` line; ``rtllm``: RTLLM's
    ``auto_run.py`` rule, "Pass" or "pass" anywhere in the output; ``verilogeval``: VerilogEval's
    ``sv-iv-analyze`` rule, a line ``Mismatches: 0 in N samples`` and no line naming an error,
    a warning it counts as a failure, or TIMEOUT; ``auto`` (a user's testbench): the RESULT line,
    else the VerilogEval rule when there is a ``Mismatches:`` line, else "Your Design Passed".
    """
    if rule == "auto":
        if _RESULT_LINE.search(output):
            rule = "result-line"
        elif _MISMATCHES.search(output):
            rule = "verilogeval"
    if rule == "result-line":
        found = _RESULT_LINE.findall(output)
        if not found:
            return Verdict(False, None, None, "testbench printed no RESULT line (did it finish?)")
        word, mismatches, checks = found[-1]
        passed = word == "PASS" and int(mismatches) == 0
        reason = "" if passed else f"testbench reported {mismatches} mismatches in {checks} checks"
        return Verdict(passed, int(mismatches), int(checks), reason)
    if rule == "verilogeval":
        return _verilogeval(output, compiler_log)
    failures = _FAILURES.search(output)
    mismatches = int(failures.group(1)) if failures else None
    if rule == "rtllm":
        passed, wanted = "Pass" in output or "pass" in output, "'Pass' or 'pass' (RTLLM's rule)"
    else:
        passed, wanted = "Your Design Passed" in output, "'Your Design Passed'"
    if passed:
        return Verdict(True, mismatches or 0, None, "")
    return Verdict(False, mismatches, None, f"testbench did not print {wanted}")


def _verilogeval(output: str, compiler_log: str) -> Verdict:
    for line in (compiler_log + "\n" + output).splitlines():
        failure = next((f for f in VERILOGEVAL_FAILURES if f in line), None)
        if failure:
            word = "TIMEOUT" if failure == "TIMEOUT" else f"'{line.strip()[:160]}'"
            return Verdict(False, None, None, f"testbench log has {word}, which VerilogEval counts as a failure")
    found = [(int(m), int(n)) for m, n in _MISMATCHES.findall(output)]
    if not found:
        return Verdict(False, None, None, "testbench printed no 'Mismatches: M in N samples' line")
    mismatches, samples = found[-1]
    if any(m == 0 for m, _ in found):
        return Verdict(True, 0, samples, "")
    return Verdict(False, mismatches, samples, f"testbench reported {mismatches} mismatches in {samples} samples")


class TaskFile(BaseModel):
    """A task folder's ``task.toml``: the top module, its clock(s) (a list: a multi-clock design,
    all at ``period_ns``), the period (absent: derived), the reset and its active level, how the
    testbench's output is read (``verdict``), and what the RTL needs besides ``reference.v``:
    folders its ``include``s are found in (relative to the task folder), macros to define and the
    top module's parameters to set (see :mod:`objectives.sources`)."""

    model_config = ConfigDict(extra="forbid")
    top: str
    clock: str | list[str] | None = None
    period_ns: float | None = Field(None, gt=0, le=MAX_PERIOD_NS, allow_inf_nan=False)
    reset: str | None = None
    reset_active: Literal["high", "low"] = "high"
    goal: Literal["area", "delay", "power", "throughput"] = "area"
    summary: str = ""
    verdict: VerdictRule = "result-line"
    include_dirs: list[str] = []
    defines: dict[str, str | int | float] = {}
    parameters: dict[str, str | int | float] = {}

    def sources(self, folder: Path) -> SourceSettings:
        """Return the source options this file gives the RTL of ``folder``."""
        return SourceSettings(tuple(folder / d for d in self.include_dirs),
                             {k: str(v) for k, v in self.defines.items()},
                             {k: str(v) for k, v in self.parameters.items()})


def load_builtin_task(folder: Path, suite: str = "builtin") -> Task:
    """Return the task stored in ``folder`` (``task.toml`` and ``reference.v``; ``spec.md``, which
    generation prompts need, and ``testbench.v`` may be absent); raises RtlboError naming a missing
    or bad file."""
    meta = parse_model(TaskFile, load_toml(folder / "task.toml"), str(folder / "task.toml"))
    if not (folder / "reference.v").is_file():
        raise RtlboError(f"{folder}: missing reference.v; every task needs task.toml and reference.v")
    spec, testbench = folder / "spec.md", folder / "testbench.v"
    sources = meta.sources(folder)
    clocks = [meta.clock] if isinstance(meta.clock, str) else meta.clock or []
    period = meta.period_ns or DEFAULT_PERIOD_NS
    return Task(
        name=folder.name,
        top=meta.top,
        spec=read_text(spec, "spec") if spec.is_file() else "",
        reference_rtl=set_parameters(read_design([folder / "reference.v"], sources), meta.top, sources.parameters),
        harness=(testbench,) if testbench.is_file() else (),
        clock=clocks[0] if clocks else None,
        extra_clocks=tuple((c, period) for c in clocks[1:]),
        period_ns=period,
        derive_period=meta.period_ns is None,
        reset=meta.reset,
        reset_active=meta.reset_active,
        goal=meta.goal,
        summary=meta.summary,
        suite=suite,
        verdict=meta.verdict,
    )


def builtin_tasks() -> list[Task]:
    """Return every built-in task, sorted by name."""
    return [load_builtin_task(d) for d in sorted(BUILTIN_DIR.iterdir()) if (d / "task.toml").is_file()]
