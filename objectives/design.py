"""A user's own design as a task: its files, top module, clocks and reset, inferred where the RTL
leaves no doubt.

A design needs no testbench: the cascade then relies on the equivalence stage. The top module is
the one module no other instantiates; the clocks are the top's inputs the design uses only as
edges (``posedge clk``), or, where it clocks on an internal signal (a gated or derived clock), the
inputs that reach a flip-flop's clock through logic; the reset is the one that is also tested in a condition
(``always @(posedge clk or negedge rst_n) if (!rst_n)``), or, for a synchronous reset, the one
input named like a reset. A period not given is derived from the baseline flow
(:func:`objectives.cascade.derive_periods`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from objectives.errors import RtlboError
from objectives.files import read_text
from objectives.lint import lint_script
from objectives.runner import Limits
from objectives.scratch import scratch_dir
from objectives.sources import MAX_DESIGN_BYTES, SourceSettings, read_design, set_parameters
from objectives.tasks import DEFAULT_PERIOD_NS, Task, check_period
from objectives.testbench import instances_of, looks_like_reset, reset_level_by_name
from objectives.toolchain import YOSYS
from objectives.verilog import input_names, module_blocks, module_names, tokens

_EQUALS_ZERO = re.compile(r"==(?:\d*'s?[bodh])?0+(?![\w'])", re.I)  # "== 0", "== 1'b0" as tokens joined
# Cells whose output is state: the search for a clock's inputs stops at them (a divided clock's
# source is the register's own clock; a clock-gating latch's data is an enable, not a clock).
_STATE_CELLS = "$dff,$adff,$dffe,$adffe,$sdff,$sdffe,$sdffce,$dffsr,$dffsre,$aldff,$aldffe,$dlatch,$adlatch,$dlatchsr"


def design_task(files: list[Path], top: str | None = None, clocks: list[str] | None = None,
                reset: str | None = None, period_ns: float | None = None, testbench: Path | None = None,
                name: str | None = None, sources: SourceSettings | None = None) -> Task:
    """Return the task of the design in ``files`` (read in order, as one text, with what
    ``sources`` adds: see :func:`objectives.sources.read_design`). What is not given is inferred:
    the top module, the clocks (several: a multi-clock design), the reset and its active level; a
    period not given is derived later (``derive_period``). With ``testbench``, its verdict line is
    parsed whatever its format ("auto"). Raises RtlboError naming the option to give where the RTL
    is ambiguous."""
    check_period(period_ns, "--period")
    sources = sources or SourceSettings()
    text = read_design(files, sources)
    modules = module_names(text)
    top = top or infer_top(text, modules, files[0])
    if top not in modules:
        raise RtlboError(f"{files[0]}: no module '{top}' (found: {', '.join(modules) or 'none'}); check --top")
    text = set_parameters(text, top, sources.parameters)
    found_clocks, found_reset, level = infer_timing(text, top)
    inputs = input_names(module_blocks(text).get(top, text))
    for option, port in [*(("--clock", c) for c in clocks or []), ("--reset", reset)]:
        if port is not None and port not in inputs:
            raise RtlboError(f"{option} {port}: module '{top}' has no input named so "
                             f"(its inputs: {', '.join(inputs[:12]) or 'none'}); check {option}")
    clocks = clocks if clocks is not None else found_clocks
    reset = reset or found_reset
    harness: tuple[Path, ...] = ()
    harness_top = ""
    if testbench is not None:
        harness_top = next(iter(module_names(read_text(testbench, "testbench", MAX_DESIGN_BYTES))), "")
        if not harness_top:
            raise RtlboError(f"testbench {testbench} defines no module; give a Verilog testbench")
        harness = (testbench,)
    period = period_ns or DEFAULT_PERIOD_NS
    if name is not None and file_name(name) != name:
        raise RtlboError(f"--name {name!r} is no folder name; use letters, digits, '_', '-' and '.'")
    return Task(
        name=name or file_name(top), top=top, spec="", reference_rtl=text, harness=harness, harness_top=harness_top,
        clock=clocks[0] if clocks else None, period_ns=period, reset=reset,
        reset_active=level if reset == found_reset and level else reset_level_by_name(reset or ""),
        suite="design", verdict="auto", extra_clocks=tuple((c, period) for c in clocks[1:]),
        clock_note=_note(clocks, found_clocks), derive_period=period_ns is None,
    )


def file_name(top: str) -> str:
    """Return a folder name for a task of top module ``top``: an escaped identifier may hold any
    character but whitespace (``\\../../x``), a task's name is a folder of its artifacts."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", top).lstrip(".") or "design"


def write_task_folder(task: Task, root: Path) -> Path:
    """Write ``task`` as the folder ``root/<name>`` of a ``tasks:root`` suite (task.toml with what
    was given or inferred; reference.v, the design as one text, so its includes, defines and
    parameters are in it; testbench.v when it has one); return the folder.
    Raises RtlboError when the folder exists (nothing is overwritten)."""
    folder = root / task.name
    if folder.exists():
        raise RtlboError(f"{folder} exists; choose another --name or remove it")
    lines = [f"# {task.clock_note}" if task.clock_note else "", f"top = {_toml(task.top)}"]
    if task.clock:
        lines.append(f"clock = [{', '.join(_toml(port) for port, _ in task.clocks)}]")
        lines.append("# period_ns absent: derived from the baseline flow's delay" if task.derive_period
                     else f"period_ns = {task.period_ns:g}")
    if task.reset:
        lines += [f"reset = {_toml(task.reset)}", f"reset_active = {_toml(task.reset_active)}"]
    if task.harness:
        lines.append(f"verdict = {_toml(task.verdict)}")
    folder.mkdir(parents=True)
    (folder / "task.toml").write_text("\n".join(line for line in lines if line) + "\n")
    (folder / "reference.v").write_text(task.reference_rtl)
    for testbench in task.harness:
        (folder / "testbench.v").write_text(testbench.read_text())
    return folder


def _toml(text: str) -> str:
    """Return ``text`` as a TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def with_inferred_timing(task: Task) -> Task:
    """Return ``task`` with the clocks and reset its reference RTL uses when its task.toml names no
    clock (a task folder of a user's own sequential design); unchanged otherwise."""
    if task.clock is not None:
        return task
    clocks, reset, level = infer_timing(task.reference_rtl, task.top)
    if not clocks:
        return task
    return replace(task, clock=clocks[0], extra_clocks=tuple((c, task.period_ns) for c in clocks[1:]),
                   reset=task.reset or reset,
                   reset_active=level if task.reset in (None, reset) and level else task.reset_active,
                   clock_note=_note(clocks, clocks))


def infer_top(text: str, modules: list[str], where: Path) -> str:
    """Return the one module of ``text`` that no other instantiates; raises RtlboError otherwise."""
    if not modules:
        raise RtlboError(f"{where}: no module found; give the Verilog files that define your design")
    roots = [m for m in modules if not instances_of(text, m)]
    if len(roots) != 1:
        raise RtlboError(f"{where}: {len(roots)} modules are instantiated by no other ({', '.join(roots[:6])}); "
                         "name the top one with --top")
    return roots[0]


def infer_timing(text: str, top: str) -> tuple[list[str], str | None, str | None]:
    """Return (clocks, reset, its active level or None) of module ``top`` of ``text``: the inputs
    used as edges, split into clocks (used only as edges) and the reset (also tested in a
    condition); a reset used in no edge is the one port named like one. Where the design clocks on
    an internal signal, or tests more than one edge (a clock gate's latch tests its clock), the
    inputs that reach a flip-flop's clock (:func:`clock_inputs`) are clocks too. The reset's level
    is its edge's, else how the first condition tests it (``!rst_l``, ``~rst``, ``rst == 0``: low)."""
    ports = input_names(module_blocks(text).get(top, text))
    toks = list(tokens(text))
    edges: dict[str, str] = {}
    tested: dict[str, str] = {}  # input -> the level the first condition testing it takes as true
    clocked_inside = False
    for i, token in enumerate(toks[:-1]):
        if token.text in ("posedge", "negedge"):
            if toks[i + 1].name in ports:
                edges.setdefault(toks[i + 1].name, token.text)
            else:
                clocked_inside = True
        elif token.text == "if" and toks[i + 1].text == "(":
            for j in range(i + 2, min(i + 8, len(toks))):
                if toks[j].text == ")":
                    break
                tested.setdefault(toks[j].name, _tested_level(toks, j))
    clocks = [p for p in ports if p in edges and p not in tested]
    if clocked_inside or len([p for p in edges if p in tested]) > 1:
        reached = clock_inputs(text, top)
        clocks = [p for p in ports if p in clocks or p in reached]
    resets = [p for p in ports if p in edges and p in tested and p not in clocks]
    if len(resets) == 1:
        return clocks, resets[0], "high" if edges[resets[0]] == "posedge" else "low"
    named = [p for p in ports if p not in edges and looks_like_reset(p)]
    reset = named[0] if len(named) == 1 and clocks else None
    return clocks, reset, tested.get(reset)


def _tested_level(toks: list, at: int) -> str:
    """The level of the input at ``toks[at]`` that makes the condition around it true: low where
    it is negated (``!``, ``~``) or compared equal to zero."""
    negated = at > 0 and toks[at - 1].text in ("!", "~")
    zero = _EQUALS_ZERO.match("".join(t.text for t in toks[at + 1 : at + 5]))
    return "low" if negated or zero else "high"


def clock_inputs(text: str, top: str) -> set[str]:
    """Return the inputs of ``top`` that reach a flip-flop's clock through logic, not through a
    register or a latch's data (Yosys, in the sandbox); none where Yosys cannot elaborate ``text``."""
    select = f"t:$*dff* %x:+[CLK] t:$*dff* %d %ci*:-{_STATE_CELLS}[Q] i:* %i"
    with scratch_dir() as tmp:
        work = Path(tmp)
        (work / "design.v").write_text(text)
        script = lint_script("design.v", top).replace("check\n", f"tee -q -o clocks.txt select -list {select}\n")
        run = YOSYS.run_script(work, script, Limits(timeout_s=60))
        listed = work / "clocks.txt"
        if not run.ok or not listed.is_file():
            return set()
        return {line.split("/", 1)[-1].lstrip("\\") for line in listed.read_text().split()}


def _note(clocks: list[str], found: list[str]) -> str:
    if not clocks:
        return "combinational: no input is used as a clock edge"
    origin = "given" if clocks != found else "inferred from the edges the design uses"
    return f"clock(s) {', '.join(clocks)} {origin}"
