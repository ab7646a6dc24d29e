"""Text-level Verilog helpers: comments, module names, ports, renaming.

These never elaborate anything; they let rtlbo reason about untrusted text before any tool sees it.
"""

from __future__ import annotations

import re

_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"')
_MODULE = re.compile(r"\b(?:module|macromodule)\s+(?:automatic\s+)?([A-Za-z_][\w$]*)")
_MODULE_BLOCK = re.compile(
    r"\b(?:module|macromodule)\s+([A-Za-z_][\w$]*).*?\bendmodule\b", re.S
)


def strip_comments(text: str) -> str:
    """Return ``text`` with // and /* */ comments replaced by blanks (line numbers kept)."""
    return _COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def strip_strings(text: str) -> str:
    """Return ``text`` with string literals emptied (quotes kept)."""
    return _STRINGS.sub('""', text)


def module_names(text: str) -> list[str]:
    """Return the names of the modules defined in ``text``, in order."""
    return _MODULE.findall(strip_comments(text))


def module_blocks(text: str) -> dict[str, str]:
    """Return ``{module name: source from 'module' to 'endmodule'}`` for each module in ``text``."""
    clean = strip_comments(text)
    return {m.group(1): text[m.start() : m.end()] for m in _MODULE_BLOCK.finditer(clean)}


def rename_module(text: str, old: str, new: str) -> str:
    """Return ``text`` with module ``old`` renamed to ``new`` (definition and instantiations)."""
    name = re.escape(old)
    text = re.sub(rf"\b(module\s+){name}(?![\w$])", rf"\g<1>{new}", text)
    instance = rf"(?<![\w$.]){name}(?=\s*#\s*\(|\s+[A-Za-z_][\w$]*\s*(?:\[[^\]]*\]\s*)?\()"
    return re.sub(instance, new, text)


def port_names(module_text: str) -> list[str]:
    """Return the port names of one module's source, in declaration order.

    Handles ANSI headers (``module m(input [7:0] a, output y);``) and non-ANSI port lists.
    """
    clean = strip_comments(module_text)
    header = re.search(r"\bmodule\s+[\w$]+\s*(?:#\s*\((?:[^()]|\([^()]*\))*\)\s*)?\((.*?)\)\s*;", clean, re.S)
    if not header:
        return []
    names: list[str] = []
    for part in header.group(1).split(","):
        part = re.sub(r"\[[^\]]*\]", " ", part)
        words = re.findall(r"[A-Za-z_][\w$]*", part)
        keywords = {"input", "output", "inout", "wire", "reg", "logic", "signed", "unsigned", "var"}
        words = [w for w in words if w not in keywords]
        if words:
            names.append(words[-1])
    return names
