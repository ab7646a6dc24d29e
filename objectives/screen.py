"""The text side of the trust boundary: what candidate RTL may contain, and testbench output that
the candidate cannot forge.

Candidate RTL (an LLM's answer, a user's file) may compute and print; it may not touch the host
(files, the simulator's arguments), reach into the testbench's hierarchy, take the name of a
testbench module or a standard cell, or pull in other files. The screen reads what the tools read:
the raw file for directives, then the preprocessor's output, as tokens of
:func:`objectives.verilog.tokens`. It is the first, explainable refusal; the OS sandbox of
:mod:`objectives.runner` makes a miss harmless.

A candidate's prints are harmless because the testbench's are sealed: :func:`seal` makes every
print statement of the trusted harness wrap its text in marks that carry a per-run secret, and
:func:`sealed_output` keeps only the text inside those marks for the verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from objectives.verilog import Token, design_units, tokens, words

MAX_CANDIDATE_BYTES = 16 << 20  # a design of some 100 000 cells; more is no RTL a person or an LLM wrote
# Control characters but tab, newline and carriage return: the tools disagree on which of them end
# a token (iverilog ends an escaped identifier at a backspace, Yosys does not, this screen's lexer at
# neither), so a candidate could show the screen one text and the simulator another.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")

# Functions of their arguments, prints, simulation control, timing checks: harmless in the sandbox
# once the testbench's verdict is sealed.
ALLOWED_SYSTEM_TASKS = words(
    "$signed $unsigned $clog2 $bits $size $high $low $left $right $increment $dimensions "
    "$unpacked_dimensions $countones $countbits $onehot $onehot0 $isunknown $isunbounded $typename $cast "
    "$abs $floor $ceil $pow $sqrt $ln $log10 $exp $sin $cos $tan $asin $acos $atan $atan2 $hypot $sinh "
    "$cosh $tanh $asinh $acosh $atanh $itor $rtoi $bitstoreal $realtobits $bitstoshortreal $shortrealtobits "
    "$random $urandom $urandom_range $sformat $sformatf $swrite $swriteb $swriteh $swriteo $psprintf $sscanf "
    "$display $displayb $displayh $displayo $write $writeb $writeh $writeo $strobe $strobeb $strobeh $strobeo "
    "$monitor $monitorb $monitorh $monitoro $monitoron $monitoroff $info $warning $error $fatal "
    "$finish $stop $time $stime $realtime $timeformat $printtimescale "
    "$past $rose $fell $stable $changed $sampled "
    "$setup $hold $setuphold $width $period $recovery $removal $recrem $skew $timeskew $fullskew $nochange"
)
_FILES = "reads or writes files"
REFUSED_SYSTEM_TASKS = {
    **dict.fromkeys(
        words("$fopen $fclose $fdisplay $fdisplayb $fdisplayh $fdisplayo $fwrite $fwriteb $fwriteh $fwriteo $fstrobe "
        "$fstrobeb $fstrobeh $fstrobeo $fmonitor $fmonitorb $fmonitorh $fmonitoro $fgetc $fgets $fscanf $fread "
        "$fseek $ftell $rewind $fflush $ferror $feof $ungetc $readmemb $readmemh $writememb $writememh "
        "$dumpfile $dumpvars $dumpon $dumpoff $dumpall $dumpflush $dumplimit $dumpports $sdf_annotate"),
        _FILES),
    "$system": "runs a shell command",
    "$value$plusargs": "reads the simulator's command line",
    "$test$plusargs": "reads the simulator's command line",
    "$root": "reaches outside the design",
}
# What the preprocessor leaves behind that changes nothing of the design's meaning.
ALLOWED_DIRECTIVES = words(
    "`timescale `default_nettype `celldefine `endcelldefine `resetall `unconnected_drive "
    "`nounconnected_drive `begin_keywords `end_keywords"
)
REFUSED_KEYWORDS = {"force": "overrides signals from outside their drivers", "release": "pairs with force",
                    "bind": "inserts code into other modules"}
PRINT_TASKS = frozenset(t for t in ALLOWED_SYSTEM_TASKS if re.fullmatch(
    r"\$(display|write|strobe|monitor)[bho]?|\$(info|warning|error)", t))
# What synthesis tools ignore and Yosys rejects or keeps as cells no liberty maps: dropped from the
# text that synthesis reads.
SIMULATION_TASKS = PRINT_TASKS | words("$fatal $finish $stop $monitoron $monitoroff $timeformat $printtimescale")


@dataclass(frozen=True)
class Screen:
    """The rules for one task's candidates: ``harness_scopes`` are the testbench names a
    hierarchical reference could start from; ``reserved_modules`` are the module names the
    testbench and the standard cells already take."""

    harness_scopes: frozenset[str] = frozenset()
    reserved_modules: frozenset[str] = frozenset()

    def source(self, text: str) -> str | None:
        """Return why the raw candidate ``text`` is refused before preprocessing, or None."""
        if len(text.encode()) > MAX_CANDIDATE_BYTES:
            return f"refused: candidate RTL is larger than {MAX_CANDIDATE_BYTES >> 20} MiB"
        if control := _CONTROL.search(text):
            line = text.count("\n", 0, control.start()) + 1
            return f"refused: control character {control.group()!r} (line {line}); RTL is plain text: remove it"
        for token in tokens(text):
            if token.kind == "unterminated":
                return _refusal("an unterminated string or comment", token)
            if token.kind == "directive" and token.text in ("`include", "`pragma"):
                return _refusal(f"{token.text} is not allowed in candidate RTL (one self-contained file)", token)
        return None

    def preprocessed(self, text: str) -> str | None:
        """Return why the preprocessed candidate ``text`` is refused, or None when tools may read it."""
        toks = list(tokens(text))
        for i, token in enumerate(toks):
            after = toks[i + 1] if i + 1 < len(toks) else None
            reason = self._token(token, after, toks[i - 1] if i else None, toks[i + 2] if i + 2 < len(toks) else None)
            if reason:
                return _refusal(reason, token)
        for name in design_units(text):
            if name.name in self.reserved_modules:
                return _refusal(f"module name '{name.name}' is taken by the testbench or a standard cell; "
                                "rename the module", name)
        return None

    def _token(self, token: Token, after: Token | None, before: Token | None, second: Token | None) -> str:
        """Return why one token (with its neighbours) is refused, or ''."""
        if token.kind == "unterminated":
            return "an unterminated string or comment"
        if token.kind == "directive" and token.text not in ALLOWED_DIRECTIVES:
            return f"{token.text} is left after preprocessing (a directive built by a macro?)"
        if token.kind == "system":
            return _system_task(token, after)
        if token.kind != "ident":
            return ""
        if token.text in REFUSED_KEYWORDS:
            return f"'{token.text}' {REFUSED_KEYWORDS[token.text]}"
        if token.text in ("import", "export") and after is not None and after.text.startswith('"DPI'):
            return "DPI calls foreign code"
        hierarchical = after is not None and after.text == "." and second is not None and second.kind == "ident"
        if hierarchical and (before is None or before.text != ".") and token.name in self.harness_scopes:
            return f"'{token.name}.{second.name}' reaches into the testbench"
        return ""


def _system_task(token: Token, after: Token | None) -> str:
    if token.text == "$":
        # A lone $ is SystemVerilog's "unbounded" ([1:$], q[$]); anything else is a name being built.
        return "" if after is not None and after.text in "]:" else "a lone '$' (a system task built by a macro?)"
    if token.text in ALLOWED_SYSTEM_TASKS:
        return ""
    why = REFUSED_SYSTEM_TASKS.get(token.text, "is not known to be harmless")
    return f"system task {token.text} {why}; synthesizable RTL does not need it"


def _refusal(reason: str, token: Token) -> str:
    return f"refused: {reason} (line {token.line})"


def seal(text: str, secret: str) -> str:
    """Return the trusted testbench ``text`` with every print statement ($display, $write,
    $strobe, $monitor, $info, $warning, $error and their variants) wrapping its text in the marks
    of ``secret``: ``$display("x=%d", x)`` becomes ``$display("<open>", "x=%d", x, "<close>")``."""
    opening, closing = _marks(secret)
    toks = list(tokens(text))
    edits: list[tuple[int, str]] = []
    for i, token in enumerate(toks):
        if token.kind != "system" or token.text not in PRINT_TASKS:
            continue
        if i + 1 < len(toks) and toks[i + 1].text == "(":
            close = _matching(toks, i + 1)
            empty = close == i + 2
            edits.append((toks[i + 1].end, f'"{opening}", "{closing}"' if empty else f'"{opening}", '))
            if not empty:
                edits.append((toks[close].start, f', "{closing}"'))
        else:
            edits.append((token.end, f'("{opening}", "{closing}")'))
    for position, insert in sorted(edits, reverse=True):
        text = text[:position] + insert + text[position:]
    return text


def sealed_output(output: str, secret: str) -> tuple[str, str]:
    """Return (the text the sealed testbench printed, ``output`` with the marks removed)."""
    opening, closing = map(re.escape, _marks(secret))
    # A mark left open (a format that swallowed the closing one) never reaches across other text;
    # the newline a $display ends with follows its closing mark and is kept.
    sealed = re.findall(f"{opening}((?:(?!{opening}).)*?){closing}(\n?)", output, re.S)
    trusted = "".join(text + newline for text, newline in sealed)
    return trusted, re.sub(f"{opening}|{closing}", "", output)


def _marks(secret: str) -> tuple[str, str]:
    return f"<rtlbo:{secret}>", f"</rtlbo:{secret}>"


def _matching(toks: list[Token], i: int) -> int:
    """Return the index of the ``)`` that closes the ``(`` at ``toks[i]`` (the last token if none)."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].kind == "punct":
            depth += {"(": 1, ")": -1}.get(toks[j].text, 0)
            if depth == 0:
                return j
    return len(toks) - 1
