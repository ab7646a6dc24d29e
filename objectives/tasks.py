"""Tasks: a spec, a reference design and a self-checking testbench; and suites of them.

A built-in task is a folder ``objectives/tasks/<name>/`` with ``task.toml``, ``spec.md``,
``reference.v`` and ``testbench.v``. Suites in other layouts are read by :mod:`objectives.suites`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from objectives.errors import RtlboError
from objectives.files import content_hash, file_digest, load_toml

BUILTIN_DIR = Path(__file__).parent / "tasks"
VERDICTS = ("result-line", "rtllm", "verilogeval", "auto")


@dataclass(frozen=True)
class Task:
    """One design problem. ``harness`` holds the testbench and any golden models it instantiates."""

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
    verdict: str = "result-line"
    support_files: tuple[Path, ...] = field(default=())

    @property
    def combinational(self) -> bool:
        return self.clock is None

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
_VERILOGEVAL = re.compile(r"Mismatches:\s*(\d+)\s+in\s+(\d+)\s+samples")


def parse_verdict(output: str, rule: str) -> Verdict:
    """Return the testbench's verdict from its simulation ``output`` under ``rule``.

    ``result-line``: the last ``RESULT: PASS|FAIL mismatches=M checks=N`` line;
    ``rtllm``: "Your Design Passed" printed; ``verilogeval``: ``Mismatches: 0 in N samples``
    and no TIMEOUT; ``auto``: whichever of the three the output contains.
    """
    if rule in ("result-line", "auto"):
        found = _RESULT_LINE.findall(output)
        if found:
            word, mismatches, checks = found[-1]
            passed = word == "PASS" and int(mismatches) == 0
            reason = "" if passed else f"testbench reported {mismatches} mismatches in {checks} checks"
            return Verdict(passed, int(mismatches), int(checks), reason)
        if rule == "result-line":
            return Verdict(False, None, None, "testbench printed no RESULT line (did it finish?)")
    if rule in ("verilogeval", "auto"):
        found = _VERILOGEVAL.findall(output)
        if "TIMEOUT" in output:
            return Verdict(False, None, None, "testbench reported TIMEOUT")
        if found:
            mismatches, samples = map(int, found[-1])
            reason = "" if mismatches == 0 else f"testbench reported {mismatches} mismatches in {samples} samples"
            return Verdict(mismatches == 0, mismatches, samples, reason)
        if rule == "verilogeval":
            return Verdict(False, None, None, "testbench printed no 'Mismatches:' line")
    if "Your Design Passed" in output:
        return Verdict(True, 0, None, "")
    failures = re.search(r"(\d+)\s+failures?", output)
    mismatches = int(failures.group(1)) if failures else None
    return Verdict(False, mismatches, None, "testbench did not print 'Your Design Passed'")


def load_builtin_task(folder: Path) -> Task:
    """Return the task stored in ``folder``; raises RtlboError naming a missing or bad file."""
    meta = load_toml(folder / "task.toml")
    for required in ("top", "period_ns"):
        if required not in meta:
            raise RtlboError(f"{folder / 'task.toml'}: missing key '{required}'; add it")
    for name in ("spec.md", "reference.v", "testbench.v"):
        if not (folder / name).is_file():
            raise RtlboError(f"{folder}: missing {name}; every task needs spec.md, reference.v, testbench.v")
    return Task(
        name=folder.name,
        top=meta["top"],
        spec=(folder / "spec.md").read_text(),
        reference_rtl=(folder / "reference.v").read_text(),
        harness=(folder / "testbench.v",),
        clock=meta.get("clock"),
        period_ns=float(meta["period_ns"]),
        reset=meta.get("reset"),
        reset_active=meta.get("reset_active", "high"),
        goal=meta.get("goal", "area"),
        summary=meta.get("summary", ""),
        suite="builtin",
        verdict="result-line",
    )


def builtin_tasks() -> list[Task]:
    """Return every built-in task, sorted by name."""
    return [load_builtin_task(d) for d in sorted(BUILTIN_DIR.iterdir()) if (d / "task.toml").is_file()]
