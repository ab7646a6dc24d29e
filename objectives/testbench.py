"""Reading a benchmark's testbench: its time unit, how it instantiates the design, and which of
the design's ports it drives as clocks and resets.

A port is a clock when the testbench signal connected to it is inverted after a fixed delay in an
``always`` or ``forever`` loop (``always #5 clk = ~clk;``): its period is twice that delay in the
testbench's time unit. A reset is a port named like one; its active level is the opposite of the
last constant the testbench drives onto it (a testbench ends with its resets released). Text only,
like :mod:`objectives.verilog`: nothing here elaborates or runs anything.
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass, field

from objectives.verilog import strip_comments

UNITS_NS = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0, "ps": 1e-3, "fs": 1e-6}
_TIMESCALE = re.compile(r"`timescale\s+(\d+)\s*(s|ms|us|ns|ps|fs)\s*/")
_IDENT = r"[A-Za-z_][\w$]*"
_DELAY = r"(\d+(?:\.\d+)?|`?[A-Za-z_][\w$]*|\((?:[^()]|\([^()]*\))*\))"
# Words that can stand where a module name would in ``name [#(...)] instance (...);``.
_KEYWORDS = frozenset({
    "module", "macromodule", "task", "function", "else", "if", "begin", "end", "always", "always_ff",
    "always_comb", "initial", "input", "output", "inout", "wire", "reg", "logic", "integer", "real",
    "automatic", "static", "return", "case", "for", "while", "repeat", "forever", "assign", "localparam",
    "parameter", "genvar", "generate", "typedef", "struct", "bit", "int", "byte", "void", "posedge", "negedge",
    "or", "and", "not", "fork", "join", "disable", "wait", "signed", "unsigned", "default", "endcase", "final"
})
_RESET_NAME = re.compile(r"(?i)rst|reset|clr|clear")
_ACTIVE_LOW_NAME = re.compile(r"(?i)(?:rst|reset|clr|clear)\w*?(?:_?[nb]|_l)$")


@dataclass(frozen=True)
class Instance:
    """One instantiation ``module #(...) name (...);``: named connections (port -> expression text)
    or positional ones, in order."""

    module: str
    name: str
    named: dict[str, str] = field(default_factory=dict)
    positional: tuple[str, ...] = ()

    def signal_of(self, port: str, ports: list[str]) -> str | None:
        """Return the testbench identifier connected to ``port`` (``ports``: the module's port
        order, for positional connections), or None when it is not a plain identifier."""
        if self.named:
            expression = self.named.get(port, "")
        else:
            index = ports.index(port) if port in ports else len(self.positional)
            expression = self.positional[index] if index < len(self.positional) else ""
        expression = expression.strip()
        return expression if re.fullmatch(_IDENT, expression) else None


def time_unit_ns(text: str) -> float | None:
    """Return the time unit (ns) of the last ```timescale`` in ``text``, or None when it has none."""
    found = _TIMESCALE.findall(strip_comments(text))
    return int(found[-1][0]) * UNITS_NS[found[-1][1]] if found else None


def _balanced(text: str, start: int) -> int:
    """Return the index just past the parenthesis that closes the one at ``text[start]`` (-1 if none)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def _split_top(text: str) -> list[str]:
    """Split ``text`` at the commas that are outside any bracket."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def instances_of(text: str, module: str) -> list[Instance]:
    """Return every instantiation of ``module`` in ``text``."""
    code = strip_comments(text)
    found = []
    for match in re.finditer(rf"(?<![\w$.`]){re.escape(module)}\s*", code):
        at = match.end()
        if code.startswith("#", at):
            opening = code.find("(", at)
            if opening < 0 or code[at + 1:opening].strip():
                continue
            at = _balanced(code, opening)
            if at < 0:
                continue
        head = re.compile(rf"\s*({_IDENT})\s*(?:\[[^\]]*\]\s*)?\(").match(code, at)
        if not head or head.group(1) in _KEYWORDS:
            continue
        end = _balanced(code, head.end() - 1)
        if end < 0 or not re.match(r"\s*;", code[end:]):
            continue
        named, positional = {}, []
        for part in _split_top(code[head.end():end - 1]):
            port = re.fullmatch(rf"\.\s*({_IDENT})\s*(?:\((.*)\))?", part, re.S)
            if port:
                named[port.group(1)] = port.group(2) if port.group(2) is not None else port.group(1)
            else:
                positional.append(part)
        found.append(Instance(module, head.group(1), named, tuple(positional)))
    return found


def instantiated_modules(text: str) -> list[str]:
    """Return the names of the modules ``text`` instantiates, in order of first appearance."""
    code = strip_comments(text)
    names: list[str] = []
    pattern = rf"(?<![\w$.`])({_IDENT})\s*(?:#\s*\(|{_IDENT}\s*(?:\[[^\]]*\]\s*)?\()"
    for match in re.finditer(pattern, code):
        name = match.group(1)
        if name not in _KEYWORDS and name not in names and instances_of(text, name):
            names.append(name)
    return names


_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
              ast.FloorDiv: operator.floordiv, ast.USub: operator.neg, ast.UAdd: operator.pos}


def _value(expression: str, names: dict[str, float]) -> float | None:
    """Return the number an arithmetic ``expression`` of literals and known ``names`` stands for."""
    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in names:
            return names[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.operand))
        raise ValueError(expression)

    try:
        return walk(ast.parse(expression.replace("`", "").strip(), mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError):
        return None


def _constants(code: str) -> dict[str, float]:
    """Return the numeric ``parameter``/``localparam``/```define`` values of a testbench."""
    names: dict[str, float] = {}
    for name, expression in re.findall(rf"`define\s+({_IDENT})[ \t]+([^\n]+)", code):
        if (value := _value(expression, names)) is not None:
            names[name] = value
    declared = rf"\b(?:parameter|localparam)\s+(?:integer\s+|real\s+|int\s+)?({_IDENT})\s*=\s*([^;,)]+)"
    for name, expression in re.findall(declared, code):
        if (value := _value(expression, names)) is not None:
            names[name] = value
    return names


def toggles(text: str) -> dict[str, float]:
    """Return ``{signal: half period}`` (in the testbench's time unit) for every signal ``text``
    inverts after a fixed delay in an ``always`` or ``forever`` loop."""
    code = strip_comments(text)
    names = _constants(code)
    loop = r"\b(?:always|forever)\s*(?:begin\s*)?"
    invert = rf"({_IDENT})\s*<?=\s*[~!]\s*\(?\s*({_IDENT})"
    patterns = (rf"{loop}#\s*{_DELAY}\s*;?\s*{invert}", rf"{loop}{invert}\s*\)?\s*;\s*#\s*{_DELAY}")
    found: dict[str, float] = {}
    for index, pattern in enumerate(patterns):
        for match in re.finditer(pattern, code):
            delay, target, source = (match.group(1, 2, 3) if index == 0 else match.group(3, 1, 2))
            value = _value(delay, names)
            if target == source and value and value > 0:
                found.setdefault(target, value)
    return found


def active_level(text: str, signal: str) -> str | None:
    """Return "high" or "low": the opposite of the last constant ``text`` drives onto ``signal``
    after driving another one, or None when the testbench drives it with one value or none."""
    code = strip_comments(text)
    values = re.findall(rf"(?<![\w$.]){re.escape(signal)}\s*<?=\s*(?:1'[bBdDhH])?([01])\s*;", code)
    if len(set(values)) < 2:
        return None
    return "low" if values[-1] == "1" else "high"


def looks_like_reset(port: str) -> bool:
    """True when ``port`` is named like a reset (rst, reset, clr, clear, in any case)."""
    return bool(_RESET_NAME.search(port))


def reset_level_by_name(port: str) -> str:
    """Return the active level a reset's name implies: "low" for a trailing n, b or _l, else "high"."""
    return "low" if _ACTIVE_LOW_NAME.search(port) else "high"
