"""Verilog text, read the way the tools read it: a lexer, and helpers built on its tokens.

Nothing here elaborates anything; these let rtlbo reason about untrusted text before any tool sees
it. The lexer knows what changes the meaning of the characters after it (comments, strings,
escaped identifiers, compiler directives), so that ``//`` inside a string or ``"`` inside an
escaped identifier cannot hide code from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache


def words(text: str) -> frozenset[str]:
    """Return the whitespace-separated words of ``text`` (for tables of names)."""
    return frozenset(text.split())


# Kinds of tokens: "comment", "string", "ident" (escaped ones too), "system" ($name, or a lone $),
# "directive" (`name, and the macro operators `` `" `\`"), "number", "punct" (any other character),
# "unterminated" (a string or block comment that never ends: no tool accepts it).
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>//[^\n]*|/\*.*?\*/)
    | (?P<string>"(?:\\.|[^"\\\n])*")
    | (?P<unterminated>"|/\*)
    | (?P<ident>\\\S+|[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<system>\$[A-Za-z0-9_$]*)
    | (?P<directive>`[A-Za-z_][A-Za-z0-9_$]*|``|`\\`"|`"|`)
    | (?P<number>\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d[\d_]*)?|'[sS]?[bBoOdDhH]\s*[0-9a-fA-FxXzZ?_]+|'[01xXzZ])
    | (?P<punct>.)
    """,
    re.S | re.X,
)
KEYWORDS = words(
    "always always_comb always_ff always_latch and assign automatic begin case casex casez default defparam "
    "else end endcase endfunction endgenerate endmodule endtask for forever function generate genvar if "
    "initial inout input integer localparam logic module negedge or output parameter posedge reg repeat signed "
    "static task unsigned while wire xor"
)
# Words SystemVerilog reserves that Verilog-2005 does not: a Verilog design may name a signal so.
SYSTEMVERILOG_ONLY = words(
    "accept_on alias always_comb always_ff always_latch assert assume before bind bins binsof bit break byte "
    "chandle checker class clocking const constraint context continue cover covergroup coverpoint cross dist do "
    "endchecker endclass endclocking endgroup endinterface endpackage endprogram endproperty endsequence enum "
    "eventually expect export extends extern final first_match foreach forkjoin global iff ignore_bins "
    "illegal_bins implies import inside int interface intersect join_any join_none let local logic longint "
    "matches modport nettype new nexttime null package packed priority program property protected pure rand "
    "randc randcase randsequence ref reject_on restrict return s_always s_eventually s_nexttime s_until "
    "s_until_with sequence shortint shortreal solve static string strong struct super sync_accept_on "
    "sync_reject_on tagged this throughout timeprecision timeunit type typedef union unique unique0 until "
    "until_with untyped var virtual void wait_order weak wildcard with within"
)
DESIGN_UNITS = ("module", "macromodule", "primitive", "interface", "program", "package")


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind, its text as written, where it starts, and its line (from 1)."""

    kind: str
    text: str
    start: int
    line: int

    @property
    def name(self) -> str:
        """The identifier this token names (an escaped identifier without its backslash)."""
        return self.text[1:] if self.text.startswith("\\") else self.text

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def tokens(text: str, comments: bool = False) -> Iterator[Token]:
    """Yield the tokens of ``text`` in order (comments only when ``comments``; never whitespace)."""
    return iter(_lexed(text) if comments else [t for t in _lexed(text) if t.kind != "comment"])


@lru_cache(maxsize=2)
def _lexed(text: str) -> tuple[Token, ...]:
    """The tokens of ``text``, comments included: a design is read by several checks in a row."""
    found, line, position = [], 1, 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind != "space":
            line += text.count("\n", position, match.start())
            position = match.start()
            found.append(Token(kind, match.group(), match.start(), line))
    return tuple(found)


def uses_defines(text: str, names: set[str]) -> bool:
    """Whether defining the macros ``names`` can change what the preprocessor makes of ``text``:
    it has conditional compilation, uses one of them, or pastes tokens (which could build either)."""
    conditional = {"`ifdef", "`ifndef", "`elsif", "``", *(f"`{name}" for name in names)}
    return any(t.kind == "directive" and t.text in conditional for t in tokens(text))


def keyword_hint(text: str, line: int) -> str:
    """Return a hint for a syntax error on ``line`` of ``text`` that uses a word SystemVerilog
    reserves (rtlbo's tools read Verilog as SystemVerilog), or an empty string."""
    used = sorted({t.text for t in tokens(text) if t.line == line and t.text in SYSTEMVERILOG_ONLY})
    if not used:
        return ""
    return (f" (line {line} uses {', '.join(map(repr, used))}, reserved in SystemVerilog, which the tools read; "
            "rename a signal or port so named)")


def writes_z(text: str) -> bool:
    """Whether ``text`` writes 'z' in a number (``4'bz``, ``'z``): tri-state logic, which leaves a
    net floating on purpose (an output no one drives floats too, without meaning it). A case label
    (``4'b1zzz:`` in a casez) matches 'z' rather than writing it, and does not count."""
    toks = list(tokens(text))
    depth = 0
    for i, token in enumerate(toks):
        if token.kind == "punct" and token.text in "([{":
            depth += 1
        elif token.kind == "punct" and token.text in ")]}":
            depth -= 1
        elif (token.kind == "number" and token.text.startswith("'") and "z" in token.text.lower()
              and not (depth == 0 and _case_label(toks, i))):
            return True
    return False


def _case_label(toks: list[Token], i: int) -> bool:
    """Whether the number ``toks[i]`` stands alone as a case label: after a statement, the case
    selector or another label, and before the label's ':' or the next label."""
    start = i - 1 if i > 0 and toks[i - 1].kind == "number" else i  # a size: 4'b1zzz is two tokens
    before = toks[start - 1] if start > 0 else None
    after = toks[i + 1] if i + 1 < len(toks) else None
    return (before is not None and after is not None and before.text in (";", ")", ",", "end")
            and after.text in (":", ","))


def strip_comments(text: str) -> str:
    """Return ``text`` with every comment replaced by blanks (line numbers kept)."""
    return _blank(text, [(t.start, t.end) for t in tokens(text, comments=True) if t.kind == "comment"])


def blank_calls(text: str, names: frozenset[str]) -> str:
    """Return ``text`` with every call of the system tasks ``names`` (arguments included) replaced by
    blanks: ``if (a) $display("x");`` becomes an empty statement (line numbers kept)."""
    toks = list(tokens(text))
    spans = []
    for i, token in enumerate(toks):
        if token.kind == "system" and token.text in names:
            last = _skip_parens(toks, i + 1) - 1
            spans.append((token.start, toks[max(last, i)].end))
    return _blank(text, spans)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """Return ``text`` with the (start, end) ``spans`` (in order, disjoint) replaced by blanks."""
    parts, position = [], 0
    for start, end in spans:
        parts += [text[position:start], re.sub(r"[^\n]", " ", text[start:end])]
        position = end
    return "".join(parts) + text[position:]


def design_units(text: str) -> list[Token]:
    """Return the name tokens of the modules (and primitives, interfaces, programs, packages)
    defined in ``text``, in order."""
    toks = list(tokens(text))
    found = []
    for i, token in enumerate(toks):
        if token.kind == "ident" and token.text in DESIGN_UNITS:
            name = next((t for t in toks[i + 1 : i + 3] if t.text not in ("automatic", "static")), None)
            if name is not None and name.kind == "ident":
                found.append(name)
    return found


def module_names(text: str) -> list[str]:
    """Return the names of the modules defined in ``text``, in order."""
    return [t.name for t in design_units(text)]


def module_blocks(text: str) -> dict[str, str]:
    """Return ``{module name: source from 'module' to 'endmodule'}`` for each module in ``text``."""
    blocks: dict[str, str] = {}
    start, name = None, None
    for token in tokens(text):
        if token.kind != "ident":
            continue
        if token.text in ("module", "macromodule") and start is None:
            start, name = token.start, None
        elif start is not None and name is None and token.text not in ("automatic", "static"):
            name = token.name
        elif token.text == "endmodule" and start is not None:
            if name is not None:
                blocks[name] = text[start : token.end]
            start = None
    return blocks


def scope_names(text: str) -> set[str]:
    """Return every name in ``text`` that a hierarchical reference can start from: design units,
    instances, named blocks, tasks and functions."""
    toks = list(tokens(text))
    names = {t.name for t in design_units(text)}
    for i, token in enumerate(toks):
        if token.kind != "ident":
            continue
        after = [t.text for t in toks[i + 1 : i + 3]]
        if token.text in ("task", "function"):
            header = [t for t in toks[i + 1 : i + 12] if t.kind == "ident" or t.text in "(;"]
            cut = next((j for j, t in enumerate(header) if t.text in "(;"), len(header))
            names.update(t.name for t in header[:cut][-1:])
        elif token.text in ("begin", "fork") and after[:1] == [":"] and i + 2 < len(toks):
            names.add(toks[i + 2].name)
        elif token.text not in KEYWORDS and (after[:1] == [":"] and after[1:] in (["begin"], ["fork"])):
            names.add(token.name)
        elif token.text not in KEYWORDS and (instance := _instance_name(toks, i + 1)) is not None:
            names.add(instance)
    return names


def _instance_name(toks: list[Token], i: int) -> str | None:
    """Return the instance name of ``Type [#(...)] name [range] (`` starting after ``Type``."""
    if i < len(toks) and toks[i].text == "#":
        i = _skip_parens(toks, i + 1)
    if i + 1 < len(toks) and toks[i].kind == "ident" and toks[i].text not in KEYWORDS and toks[i + 1].text in "([":
        return toks[i].name
    return None


def _skip_parens(toks: list[Token], i: int) -> int:
    """Return the index after the balanced parenthesis group that starts at ``i`` (``i`` if none)."""
    if i >= len(toks) or toks[i].text != "(":
        return i
    depth = 0
    for j in range(i, len(toks)):
        depth += {"(": 1, ")": -1}.get(toks[j].text, 0) if toks[j].kind == "punct" else 0
        if depth == 0:
            return j + 1
    return len(toks)


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
        keywords = {"input", "output", "inout", "wire", "reg", "logic", "signed", "unsigned", "var"}
        found = [w for w in re.findall(r"[A-Za-z_][\w$]*", part) if w not in keywords]
        if found:
            names.append(found[-1])
    return names


def input_names(module_text: str) -> list[str]:
    """Return the input ports of one module's source, in declaration order: a port takes the
    direction keyword last seen before it in the header or in its own declaration statement."""
    ports, direction, found = port_names(module_text), None, {}
    for token in tokens(module_text):
        if token.text in ("input", "output", "inout"):
            direction = token.text
        elif token.text in (";", "function", "task"):
            direction = None
        elif direction and token.name in ports:
            found.setdefault(token.name, direction)
    return [p for p in ports if found.get(p) == "input"]
