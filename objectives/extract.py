"""Getting a design out of an LLM's answer: fences, prose, several modules, a wrong top name,
truncation.

``extract(answer, top, ports)`` returns the RTL to evaluate, or the reason there is none (which
the cascade reports as a failed syntax stage).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from objectives.verilog import module_blocks, module_names, port_names, rename_module, strip_comments

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)
_TESTBENCH_HINTS = re.compile(r"\$(display|finish|monitor|dumpfile|random)|\binitial\b")


@dataclass
class Extraction:
    """The RTL found in an answer (None when none could be used), why not, and what was changed."""

    rtl: str | None
    reason: str = ""
    notes: list[str] = field(default_factory=list)


def _code(answer: str) -> str:
    """Return the code part of an answer: fenced blocks holding modules, else module..endmodule."""
    blocks = [body for _, body in _FENCE.findall(answer) if re.search(r"\bmodule\b", body)]
    if blocks:
        return "\n".join(blocks)
    start = re.search(r"\bmodule\b", answer)
    return answer[start.start():] if start else ""


def _instantiated(block: str, names: set[str]) -> set[str]:
    body = strip_comments(block)
    return {n for n in names if re.search(rf"(?<![\w$]){re.escape(n)}\s*(#\s*\(|[A-Za-z_][\w$]*\s*\()", body)}


def extract(answer: str, top: str, ports: list[str]) -> Extraction:
    """Return the design in ``answer`` whose top module is ``top`` with ``ports``.

    Modules the top does not (transitively) instantiate are dropped. A single candidate top under
    another name is renamed when its ports are exactly ``ports``.
    """
    code = _code(answer)
    if not code.strip():
        return Extraction(None, "the answer contains no Verilog module")
    declared = module_names(code)
    blocks = module_blocks(code)
    unfinished = [m for m in declared if m not in blocks]
    if unfinished:
        return Extraction(None, f"truncated answer: module {unfinished[-1]} has no endmodule")
    notes: list[str] = []
    if top not in blocks:
        designs = [n for n, b in blocks.items() if not _TESTBENCH_HINTS.search(strip_comments(b))]
        roots = [n for n in designs if not any(n in _instantiated(blocks[o], {n}) for o in designs if o != n)]
        matching = [n for n in roots if sorted(port_names(blocks[n])) == sorted(ports)]
        if len(matching) != 1:
            found = ", ".join(f"{n}({', '.join(port_names(blocks[n]))})" for n in roots) or "none"
            return Extraction(None, f"no module named {top}, and no single module with its ports "
                                    f"({', '.join(ports)}); found: {found}")
        old = matching[0]
        code = rename_module(code, old, top)
        blocks = module_blocks(code)
        notes.append(f"renamed module {old} to {top} (same ports)")
    keep, frontier = {top}, [top]
    while frontier:
        current = frontier.pop()
        for child in _instantiated(blocks[current], set(blocks) - keep):
            keep.add(child)
            frontier.append(child)
    dropped = [n for n in blocks if n not in keep]
    if dropped:
        notes.append(f"dropped module(s) not used by {top}: {', '.join(dropped)}")
    rtl = "\n\n".join(blocks[n] for n in blocks if n in keep) + "\n"
    return Extraction(rtl, "", notes)
