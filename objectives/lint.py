"""Lint findings: what Yosys notices about a design that simulates, in its own words, and which
findings a campaign treats as fatal.

Whether a latch or an undriven output is acceptable is a design decision, not a syntax error: every
finding is recorded with the tool's words, and the :class:`LintPolicy` says which kinds fail the
design. By default a combinational loop and a net with several drivers do (no hardware behaves like
their simulation); a latch, an undriven net, and a construct Yosys cannot synthesize do not (the
last fails the synthesis stage, with Yosys's reason, after the simulation verdict is recorded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from objectives.errors import RtlboError

FindingKind = Literal["latch", "undriven", "multiple-drivers", "comb-loop", "unsynthesizable"]
FINDING_KINDS: tuple[FindingKind, ...] = ("latch", "undriven", "multiple-drivers", "comb-loop", "unsynthesizable")
DEFAULT_FORBIDDEN: tuple[FindingKind, ...] = ("comb-loop", "multiple-drivers")
_NAME = r"\\?([^\s'`:]+)"
_PATTERNS: tuple[tuple[FindingKind, re.Pattern], ...] = (
    ("latch", re.compile(rf"Latch inferred for signal `\\[^.]+\.{_NAME}'")),
    ("undriven", re.compile(rf"Wire [^.\s]+\.{_NAME} is used but has no driver")),
    ("multiple-drivers", re.compile(rf"multiple conflicting drivers for [^.\s]+\.{_NAME}:")),
    ("comb-loop", re.compile(r"found logic loop in module \S+:(?:\n\s+(?:cell|[A-Z]).*)*?\n\s+wire \\?(\S+)")),
    ("unsynthesizable", re.compile(r"^ERROR: ?(.+)$", re.M)),
)
_WORDS = {"latch": "latch inferred for {}", "undriven": "{} is used but has no driver",
          "multiple-drivers": "{} has several conflicting drivers", "comb-loop": "combinational loop through {}",
          "unsynthesizable": "Yosys cannot synthesize it: {}"}


@dataclass(frozen=True)
class Finding:
    """One thing the lint noticed: its kind and a one-line message in the tool's words."""

    kind: FindingKind
    message: str


@dataclass(frozen=True)
class LintPolicy:
    """The finding kinds that make a design infeasible (its syntax stage fails)."""

    forbidden: tuple[FindingKind, ...] = DEFAULT_FORBIDDEN

    def violation(self, findings: list[Finding]) -> Finding | None:
        """Return the first finding this policy forbids, or None."""
        return next((f for f in findings if f.kind in self.forbidden), None)


def lint_policy(forbid: list[str], allow: list[str]) -> LintPolicy:
    """Return the default policy with the kinds ``forbid`` added and ``allow`` removed; raises
    RtlboError naming the kinds there are for an unknown one."""
    for kind in (*forbid, *allow):
        if kind not in FINDING_KINDS:
            raise RtlboError(f"unknown lint finding '{kind}'; the kinds are {', '.join(FINDING_KINDS)}")
    if both := sorted(set(forbid) & set(allow)):
        raise RtlboError(f"lint finding '{both[0]}' is both forbidden and allowed; give it to one of the two")
    return LintPolicy(tuple(k for k in FINDING_KINDS if (k in DEFAULT_FORBIDDEN or k in forbid) and k not in allow))


def lint_script(source: str, top: str) -> str:
    """Return the Yosys script that elaborates ``source`` with ``top`` and reports its findings."""
    return "\n".join([f"read_verilog -sv {source}", f"hierarchy -check -top {top}", "proc", "flatten",
                      "opt_clean", "check"]) + "\n"


def findings(log: str) -> list[Finding]:
    """Return the findings in a Yosys log of :func:`lint_script`, in the order of the kinds."""
    found = []
    for kind, pattern in _PATTERNS:
        for name in dict.fromkeys(m.group(1).strip() for m in pattern.finditer(log)):
            found.append(Finding(kind, _WORDS[kind].format(name)[:240]))
    return found
