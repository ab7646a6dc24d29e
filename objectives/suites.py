"""Suites: the built-in tasks, a folder of tasks in the same layout, RTLLM v2 and VerilogEval v2.

A suite is named ``builtin``, ``tasks:/path``, ``rtllm:/path`` or ``verilogeval:/path``. Loading
returns the tasks found and, for each folder that could not be used, the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from objectives.design import with_inferred_timing
from objectives.errors import RtlboError
from objectives.files import read_text
from objectives.sources import MAX_DESIGN_BYTES
from objectives.tasks import BUILTIN_DIR, DEFAULT_PERIOD_NS, Task, load_builtin_task
from objectives.testbench import (
    Instance,
    active_level,
    instances_of,
    instantiated_modules,
    looks_like_reset,
    reset_level_by_name,
    time_unit_ns,
    toggles,
)
from objectives.verilog import module_blocks, module_names, port_names, rename_module

# Only where a testbench shows no toggling signal on any port.
CLOCK_NAMES = ("clk", "clock", "CLK", "clk_i", "i_clk")
# RTLLM's makefiles compile with VCS's -timescale=1ns/1ns: a testbench without `timescale counts in ns.
RTLLM_TIME_UNIT_NS = 1.0
VERILOGEVAL_NO_PERIOD = ("VerilogEval clocks every design at 10 ps of simulated time (`timescale 1 ps/1 ps), "
                         "a simulation convention, not a timing target")


@dataclass
class Suite:
    """The tasks of one suite and the folders that were skipped, with why."""

    name: str
    tasks: list[Task] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def select(self, names: list[str] | None) -> list[Task]:
        """Return the tasks named in ``names`` (all when None); raises RtlboError for unknown ones."""
        if not names:
            return list(self.tasks)
        by_name = {t.name: t for t in self.tasks}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            known = ", ".join(sorted(by_name)) or "none"
            raise RtlboError(f"unknown task(s) {', '.join(unknown)} in suite {self.name}; known: {known}")
        return [by_name[n] for n in names]


def load_suite(spec: str = "builtin") -> Suite:
    """Return the suite named by ``spec``; raises RtlboError for an unknown kind or a missing path."""
    if spec == "builtin":
        return _task_folders("builtin", BUILTIN_DIR)
    kind, sep, path = spec.partition(":")
    loaders = {"tasks": _task_folders, "rtllm": _rtllm, "verilogeval": _verilogeval}
    if not sep or kind not in loaders:
        raise RtlboError(
            f"unknown suite '{spec}'; use builtin, tasks:/path, rtllm:/path or verilogeval:/path"
        )
    root = Path(path).expanduser()
    if not root.is_dir():
        raise RtlboError(f"suite folder {root} not found; check the path after '{kind}:'")
    return loaders[kind](spec, root)


def _task_folders(name: str, root: Path) -> Suite:
    suite = Suite(name)
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            suite.tasks.append(with_inferred_timing(load_builtin_task(folder, name)))
        except RtlboError as exc:
            suite.skipped.append((folder.name, str(exc)))
    return suite


def _rtllm(name: str, root: Path) -> Suite:
    """RTLLM v2: folders with design_description.txt, verified_*.v and testbench.v."""
    suite = Suite(name)
    for desc in sorted(root.rglob("design_description.txt")):
        folder = desc.parent
        try:
            suite.tasks.append(_rtllm_task(name, folder))
        except RtlboError as exc:
            suite.skipped.append((folder.name, str(exc)))
    return suite


def _rtllm_task(suite: str, folder: Path) -> Task:
    verified = sorted(folder.glob("verified_*.v"))
    testbench = folder / "testbench.v"
    if len(verified) != 1:
        raise RtlboError(f"expected one verified_*.v, found {len(verified)}")
    if not testbench.is_file():
        raise RtlboError("no testbench.v")
    tb_text = read_text(testbench, "testbench", MAX_DESIGN_BYTES)
    tb_modules = module_names(tb_text)
    if not tb_modules:
        raise RtlboError("testbench.v defines no module")
    top, reference, instance = _rtllm_top(read_text(verified[0], "reference", MAX_DESIGN_BYTES), tb_text, tb_modules)
    ignored = {"design_description.txt", "testbench.v", "makefile", "Makefile", verified[0].name}
    support = tuple(p for p in sorted(folder.iterdir()) if p.is_file() and p.name not in ignored)
    return Task(
        name=folder.name, top=top, spec=read_text(folder / "design_description.txt", "spec"),
        reference_rtl=reference, harness=(testbench,), harness_top=tb_modules[0], suite=suite,
        verdict="rtllm", support_files=support,
        **_timing(reference, top, tb_text, instance, time_unit_ns(tb_text) or RTLLM_TIME_UNIT_NS),
    )


def _rtllm_top(reference: str, tb_text: str, tb_modules: list[str]) -> tuple[str, str, Instance]:
    """Return the module the testbench instantiates, the reference with its top renamed to it, and
    the instantiation. Like RTLLM's users, a verified module named otherwise (``verified_x``, or
    another name) is renamed to what the testbench instantiates, found by its ports."""
    blocks = module_blocks(reference)
    duts = [m for m in instantiated_modules(tb_text) if m not in tb_modules]
    if not duts:
        raise RtlboError("testbench.v instantiates no design module")
    for dut in duts:
        for name in (dut, f"verified_{dut}"):
            if name in blocks:
                return dut, rename_module(reference, name, dut), instances_of(tb_text, dut)[0]
    used = set(instantiated_modules(reference))
    roots = [n for n in blocks if n not in used]
    for dut in duts:
        instance = instances_of(tb_text, dut)[0]
        for exact in (True, False):
            matching = [n for n in roots if _connects(instance, port_names(blocks[n]), exact)]
            if len(matching) == 1:
                return dut, rename_module(reference, matching[0], dut), instance
    raise RtlboError(f"testbench.v instantiates {', '.join(duts)}, and no single verified module has its ports")


def _connects(instance: Instance, ports: list[str], exact: bool) -> bool:
    """True when ``instance``'s connections fit a module with ``ports``: the same names, or with
    ``exact`` False a subset (a testbench may leave ports unconnected); by count when positional."""
    if not instance.named:
        return len(instance.positional) == len(ports)
    return set(instance.named) == set(ports) if exact else set(instance.named) <= set(ports)


def _verilogeval(name: str, root: Path) -> Suite:
    """VerilogEval v2 spec-to-rtl: <P>_prompt.txt, <P>_ref.sv (RefModule), <P>_test.sv (tb)."""
    suite = Suite(name)
    for prompt in sorted(root.glob("*_prompt.txt")):
        problem = prompt.name.removesuffix("_prompt.txt")
        ref, test = root / f"{problem}_ref.sv", root / f"{problem}_test.sv"
        missing = [p.name for p in (ref, test) if not p.is_file()]
        if missing:
            suite.skipped.append((problem, f"missing {', '.join(missing)}"))
            continue
        if "RefModule" not in module_names(read_text(ref, "reference", MAX_DESIGN_BYTES)):
            suite.skipped.append((problem, f"{ref.name} defines no module RefModule"))
            continue
        reference = rename_module(read_text(ref, "reference", MAX_DESIGN_BYTES), "RefModule", "TopModule")
        tb_text = read_text(test, "testbench", MAX_DESIGN_BYTES)
        instance = next(iter(instances_of(tb_text, "TopModule")), None)
        suite.tasks.append(
            Task(
                name=problem, top="TopModule", spec=read_text(prompt, "prompt"), reference_rtl=reference,
                harness=(test, ref), harness_top="tb", suite=name, verdict="verilogeval",
                **_timing(reference, "TopModule", tb_text, instance, None, VERILOGEVAL_NO_PERIOD),
            )
        )
    return suite


def _timing(reference: str, top: str, tb_text: str, instance: Instance | None, unit_ns: float | None,
            no_period: str = "") -> dict:
    """Return the Task fields for clocks and reset, read from how the testbench drives the design.

    A port is a clock when the testbench signal on it toggles (see :func:`objectives.testbench.toggles`)
    and the design clocks something with it. Periods are the testbench's (the fastest clock first)
    when ``unit_ns`` is known, else the default with ``no_period`` as the reason.
    """
    ports = port_names(module_blocks(reference).get(top, reference))
    toggling = toggles(tb_text)
    signals = {p: instance.signal_of(p, ports) for p in ports} if instance else {}
    clocks = [(p, 2 * toggling[s]) for p, s in signals.items()
              if s in toggling and _clocks_something(reference, p)]
    if clocks and unit_ns is not None:
        clocks = sorted(((p, round(half * unit_ns, 6)) for p, half in clocks), key=lambda c: c[1])
        note = "from the testbench: " + ", ".join(f"{p} every {t:g} ns" for p, t in clocks)
    elif clocks:
        clocks = [(p, DEFAULT_PERIOD_NS) for p, _ in clocks]
        note = f"clock(s) from the testbench; default {DEFAULT_PERIOD_NS:g} ns period: {no_period}"
    else:
        guess = next((p for p in CLOCK_NAMES if p in ports), None)
        clocks = [(guess, DEFAULT_PERIOD_NS)] if guess else []
        note = (f"clock {guess} guessed from its name (the testbench toggles no port), default "
                f"{DEFAULT_PERIOD_NS:g} ns period" if guess else "combinational: the testbench toggles no port")
    clock_ports = {p for p, _ in clocks}
    reset = next((p for p in ports if looks_like_reset(p) and p not in clock_ports), None)
    level = (active_level(tb_text, signals.get(reset) or "") or reset_level_by_name(reset)) if reset else "high"
    return {"clock": clocks[0][0] if clocks else None,
            "period_ns": clocks[0][1] if clocks else DEFAULT_PERIOD_NS,
            "derive_period": not clocks or unit_ns is None,
            "extra_clocks": tuple(clocks[1:]), "reset": reset, "reset_active": level, "clock_note": note}


def _clocks_something(reference: str, port: str) -> bool:
    """True when the design uses ``port`` as an edge or passes it to an instance (a clock, not data
    that the testbench happens to toggle)."""
    name = re.escape(port)
    return bool(re.search(rf"\b(?:posedge|negedge)\s+{name}\b|\.\s*[\w$]+\s*\(\s*{name}\s*\)", reference))
