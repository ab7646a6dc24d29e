"""A design's source text as the user's files give it: one self-contained text that every tool reads
the same way.

Real designs are several files that include headers from other folders, expect macros on the
command line and parameters set at their top. :func:`read_design` turns them into one text: the
files in order, each ```include "name"`` replaced by the file it names (searched in the including
file's folder, then in the include directories given, never outside them), the command-line
defines as ```define`` lines before it all, and the top module's parameters set to the values given
(:func:`set_parameters`). The cascade, the cache and an export then see exactly what was measured.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from objectives.errors import RtlboError
from objectives.files import read_text
from objectives.verilog import Token, module_blocks, tokens, words

MAX_DESIGN_BYTES = 16 << 20  # all of a design's files, included ones too
MAX_INCLUDE_DEPTH = 16
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
# Keywords and types that may stand between ``parameter`` and the parameter's name.
_PARAMETER_TYPES = words("signed unsigned integer real realtime time logic bit byte shortint int longint reg string "
                         "type")


@dataclass(frozen=True)
class SourceSettings:
    """What a user adds to a design's files: folders to search for included files, macros defined
    before the first file (name → value, '' for a bare flag), and the top module's parameters
    (name → Verilog constant)."""

    include_dirs: tuple[Path, ...] = ()
    defines: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)


def read_design(files: Sequence[Path], options: SourceSettings | None = None) -> str:
    """Return the text of the design in ``files`` (read in order) with its includes expanded and
    the ``options``' defines first (its parameters are set by :func:`set_parameters` once the top
    is known). Raises RtlboError naming the file, line and fix for an include that cannot be found
    or leads out of its folders, or a bad define."""
    options = options or SourceSettings()
    dirs = [_folder(path) for path in options.include_dirs]
    budget = [MAX_DESIGN_BYTES]
    text = "\n".join(_expanded(Path(path), dirs, budget, ()) for path in files)
    return "".join(define_line(name, value) for name, value in options.defines.items()) + text


def _folder(path: Path) -> Path:
    if not Path(path).is_dir():
        raise RtlboError(f"include directory {path} is not a folder; give the folder that holds the headers")
    return Path(path).resolve()


def _expanded(path: Path, dirs: list[Path], budget: list[int], chain: tuple[Path, ...]) -> str:
    """Return the text of ``path`` with each ```include`` replaced by the text it names."""
    text = read_text(path, "RTL file", budget[0])
    budget[0] -= len(text.encode())
    if budget[0] < 0:
        raise RtlboError(f"{path}: the design's files and includes exceed {MAX_DESIGN_BYTES >> 20} MiB together")
    toks = list(tokens(text))
    parts, position = [], 0
    for i, token in enumerate(toks):
        if token.kind != "directive" or token.text != "`include":
            continue
        name = toks[i + 1] if i + 1 < len(toks) else None
        if name is None or name.kind != "string":
            raise RtlboError(f'{path} line {token.line}: write `include "file" with the name in double quotes')
        found = _find_include(name.text[1:-1], path, dirs, token)
        if found in chain or len(chain) >= MAX_INCLUDE_DEPTH:
            raise RtlboError(f"{path} line {token.line}: {name.text} includes itself (directly or through other "
                             "files); guard the header with `ifndef")
        parts += [text[position:token.start], _expanded(found, dirs, budget, (*chain, found))]
        position = name.end
    return "".join(parts) + text[position:]


def _find_include(name: str, including: Path, dirs: list[Path], token: Token) -> Path:
    """Return the file ``name`` names: in the folder of ``including``, else in the first of ``dirs``
    that holds it. A name that leads out of those folders (absolute, ``..``) is refused."""
    folders = [Path(including).resolve().parent, *dirs]
    for folder in folders:
        candidate = (folder / name).resolve()
        if not candidate.is_relative_to(folder):
            raise RtlboError(f'{including} line {token.line}: `include "{name}" leads out of its folder; '
                             "give the header's folder with --include-dir and include it by name")
        if candidate.is_file():
            return candidate
    searched = ", ".join(map(str, folders))
    raise RtlboError(f'{including} line {token.line}: `include "{name}" is in none of {searched}; '
                     "give its folder with --include-dir")


def define_line(name: str, value: str) -> str:
    """Return the ```define`` line of a command-line define; raises RtlboError for a name that is no
    identifier or a value on several lines."""
    if not _NAME.fullmatch(name):
        raise RtlboError(f"define '{name}' is not a Verilog identifier; write NAME or NAME=VALUE")
    if "\n" in value or "\r" in value:
        raise RtlboError(f"define '{name}' has a value on several lines; give it on one line")
    return f"`define {name} {value}".rstrip() + "\n"


def set_parameters(text: str, top: str, parameters: Mapping[str, str]) -> str:
    """Return ``text`` (unchanged without ``parameters``) with the default value of each of module
    ``top``'s ``parameters`` replaced by the value given (a constant: number, string or expression).
    Raises RtlboError for a name that is no parameter of ``top`` (a ``localparam`` included) or a
    value that is no constant."""
    if not parameters:
        return text
    block = module_blocks(text).get(top)
    if block is None:
        raise RtlboError(f"the design has no module '{top}' whose parameters could be set; check --top")
    offset = text.index(block)
    declared = _parameter_values(block)
    edits = []
    for name, value in parameters.items():
        _check_constant(name, value)
        if name not in declared:
            known = ", ".join(n for n, (_, _, local) in declared.items() if not local) or "none"
            raise RtlboError(f"module '{top}' has no parameter '{name}' (it has: {known}); check --param")
        start, end, local = declared[name]
        if local:
            raise RtlboError(f"'{name}' is a localparam of '{top}', which cannot be set; set the parameter it "
                             "derives from")
        edits.append((offset + start, offset + end, f" {value}"))
    for start, end, value in sorted(edits, reverse=True):
        text = text[:start] + value + text[end:]
    return text


def _parameter_values(block: str) -> dict[str, tuple[int, int, bool]]:
    """Return each parameter of a module's text as name → (start, end, is localparam): the span of
    the expression after its ``=``."""
    toks = list(tokens(block))
    found: dict[str, tuple[int, int, bool]] = {}
    i = 0
    while i < len(toks):
        if toks[i].text not in ("parameter", "localparam"):
            i += 1
            continue
        local, i = toks[i].text == "localparam", i + 1
        while i < len(toks):
            while i < len(toks) and (toks[i].text in _PARAMETER_TYPES or toks[i].text == "["):
                i = _skip_range(toks, i) if toks[i].text == "[" else i + 1
            if i + 1 >= len(toks) or toks[i].kind != "ident" or toks[i + 1].text != "=":
                break
            name, i = toks[i].name, i + 2
            start, depth = toks[i - 1].end, 0
            while i < len(toks) and not (depth == 0 and toks[i].text in ",;)"):
                depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(toks[i].text, 0)
                i += 1
            found.setdefault(name, (start, toks[i - 1].end, local))
            if i >= len(toks) or toks[i].text != "," or (i + 1 < len(toks) and toks[i + 1].text in
                                                           ("parameter", "localparam")):
                break
            i += 1
    return found


def _skip_range(toks: list[Token], i: int) -> int:
    """Return the index after the bracketed range that starts at ``toks[i]``."""
    depth = 0
    while i < len(toks):
        depth += {"[": 1, "]": -1}.get(toks[i].text, 0)
        i += 1
        if depth == 0:
            break
    return i


def _check_constant(name: str, value: str) -> None:
    """Raise RtlboError unless ``value`` reads as one constant expression (no statement, comment or
    directive; brackets balanced)."""
    toks = list(tokens(value, comments=True))
    depth = 0
    for token in toks:
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(token.text, 0)
        if depth < 0 or token.text in (";", ",") or token.kind in ("comment", "directive", "unterminated"):
            break
    else:
        if toks and depth == 0 and "\n" not in value:
            return
    raise RtlboError(f"parameter '{name}' = {value!r} is not a constant; give a number, string or expression "
                     "like 8 or 2*4")


def name_values(pairs: Sequence[str], what: str) -> dict[str, str]:
    """Return ``NAME=VALUE`` (or bare ``NAME``: value '') command-line pairs as a mapping."""
    values = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if not name.strip():
            raise RtlboError(f"{what} {pair!r} has no name; write NAME=VALUE")
        values[name.strip()] = value.strip()
    return values
