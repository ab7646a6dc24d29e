"""Suites: the built-in tasks, a folder of tasks in the same layout, RTLLM v2 and VerilogEval v2.

A suite is named ``builtin``, ``tasks:/path``, ``rtllm:/path`` or ``verilogeval:/path``. Loading
returns the tasks found and, for each folder that could not be used, the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from objectives.errors import RtlboError
from objectives.tasks import BUILTIN_DIR, Task, load_builtin_task
from objectives.verilog import module_blocks, module_names, port_names, rename_module

CLOCK_NAMES = ("clk", "clock", "CLK", "clk_i", "i_clk")
RESET_NAMES = {"rst": "high", "reset": "high", "rst_n": "low", "rstn": "low", "reset_n": "low",
               "RST": "high", "areset": "high", "resetn": "low"}
DEFAULT_PERIOD_NS = 10.0


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
            suite.tasks.append(load_builtin_task(folder))
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
    reference = verified[0].read_text()
    tb_text = testbench.read_text()
    tb_modules = module_names(tb_text)
    if not tb_modules:
        raise RtlboError("testbench.v defines no module")
    top = None
    for module in module_names(reference):
        plain = module.removeprefix("verified_")
        for candidate in (plain, module):
            if re.search(rf"(?<![\w$]){re.escape(candidate)}\s*(#\s*\(|[A-Za-z_][\w$]*\s*\()", tb_text):
                top = candidate
                if candidate != module:
                    reference = rename_module(reference, module, candidate)
                break
        if top:
            break
    if top is None:
        raise RtlboError("the testbench instantiates none of the modules in the verified design")
    ignored = {"design_description.txt", "testbench.v", "makefile", "Makefile", verified[0].name}
    support = tuple(p for p in sorted(folder.iterdir()) if p.is_file() and p.name not in ignored)
    return _with_ports(
        name=folder.name, top=top, spec=(folder / "design_description.txt").read_text(),
        reference=reference, harness=(testbench,), harness_top=tb_modules[0], suite=suite,
        verdict="rtllm", support=support,
    )


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
        if "RefModule" not in module_names(ref.read_text()):
            suite.skipped.append((problem, f"{ref.name} defines no module RefModule"))
            continue
        suite.tasks.append(
            _with_ports(
                name=problem, top="TopModule", spec=prompt.read_text(),
                reference=rename_module(ref.read_text(), "RefModule", "TopModule"),
                harness=(test, ref), harness_top="tb", suite=name, verdict="verilogeval",
            )
        )
    return suite


def _with_ports(*, name: str, top: str, spec: str, reference: str, harness: tuple[Path, ...],
                harness_top: str, suite: str, verdict: str, support: tuple[Path, ...] = ()) -> Task:
    """Return a Task whose clock and reset are guessed from the reference module's port names."""
    block = module_blocks(reference).get(top, reference)
    ports = port_names(block)
    clock = next((p for p in CLOCK_NAMES if p in ports), None)
    reset = next((p for p in RESET_NAMES if p in ports), None)
    return Task(
        name=name, top=top, spec=spec, reference_rtl=reference, harness=harness,
        harness_top=harness_top, clock=clock, period_ns=DEFAULT_PERIOD_NS, reset=reset,
        reset_active=RESET_NAMES.get(reset or "", "high"), suite=suite, verdict=verdict,
        support_files=support,
    )
