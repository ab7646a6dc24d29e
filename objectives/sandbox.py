"""Screening of untrusted candidate RTL before any tool reads it.

Candidate RTL (an LLM's answer, a user's file) may only compute. It may not touch the host
(files, processes, VPI), print (which could forge the testbench's verdict), pull in other files,
or reach into the testbench's hierarchy. The task's own testbench is trusted and never screened.
Tools then run it inside :mod:`objectives.runner`'s limits.
"""

from __future__ import annotations

import re

from objectives.verilog import strip_comments, strip_strings

MAX_CANDIDATE_BYTES = 1_000_000

# Pure functions of their arguments; every other system task or function is refused.
ALLOWED_SYSTEM_FUNCTIONS = frozenset(
    {"$signed", "$unsigned", "$clog2", "$bits", "$size", "$high", "$low", "$left", "$right",
     "$countones", "$onehot", "$onehot0", "$isunknown", "$abs", "$floor", "$ceil", "$pow"}
)
_SYSTEM_CALL = re.compile(r"\$[A-Za-z_][\w$]*")
_FORBIDDEN_DIRECTIVES = re.compile(r"`\s*(include|pragma\s+protect)\b")
_FORBIDDEN_KEYWORDS = re.compile(r"\b(force|release|bind|import\s+\"DPI|export\s+\"DPI)\b")


def screen_candidate(text: str, harness_modules: tuple[str, ...] = ("tb",)) -> str | None:
    """Return why ``text`` is refused, or None when it may be compiled.

    ``harness_modules`` are the testbench's module names; references into them are refused.
    """
    if len(text.encode()) > MAX_CANDIDATE_BYTES:
        return f"refused: candidate RTL is larger than {MAX_CANDIDATE_BYTES // 1000} kB"
    code = strip_comments(text)
    directive = _FORBIDDEN_DIRECTIVES.search(code)
    if directive:
        return f"refused: `{directive.group(1)} is not allowed in candidate RTL (line {_line(code, directive.start())})"
    code = strip_strings(code)
    for call in _SYSTEM_CALL.finditer(code):
        if call.group(0) not in ALLOWED_SYSTEM_FUNCTIONS:
            return (
                f"refused: system task {call.group(0)} is not allowed in candidate RTL "
                f"(line {_line(code, call.start())}); synthesizable RTL does not need it"
            )
    keyword = _FORBIDDEN_KEYWORDS.search(code)
    if keyword:
        word = keyword.group(1).split()[0]
        return f"refused: '{word}' is not allowed in candidate RTL (line {_line(code, keyword.start())})"
    for name in harness_modules:
        reach = re.search(rf"(?<![\w$.]){re.escape(name)}\s*\.\s*[A-Za-z_]", code)
        if reach:
            return (
                f"refused: candidate RTL references the testbench hierarchy '{name}.' "
                f"(line {_line(code, reach.start())})"
            )
    return None


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
