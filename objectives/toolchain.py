"""The external tools, one class each, with the command lines visible in one place.

Each tool has ``version()`` (for cache keys and reports), ``install_hint`` (for ``rtlbo doctor``)
and verbs that build and run its command through :func:`objectives.runner.run_tool`.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from objectives.errors import RtlboError
from objectives.runner import Limits, ToolRun, run_tool


class Tool:
    """An external program found on PATH."""

    name: str = ""
    executable: str = ""
    install_hint: str = ""

    def path(self) -> str:
        """Return the executable's path; raises RtlboError naming the install command."""
        found = shutil.which(self.executable)
        if not found:
            raise RtlboError(f"{self.executable} not found; install it with '{self.install_hint}'")
        return found

    def version(self) -> str:
        """Return the tool's version line; raises RtlboError when it is not installed."""
        return _version(self.path(), tuple(self._version_argv()))

    def _version_argv(self) -> list[str]:
        return [self.path(), "-V"]


@lru_cache(maxsize=16)
def _version(_path: str, argv: tuple[str, ...]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


class Iverilog(Tool):
    """Icarus Verilog: compile (``iverilog``) and simulate (``vvp``)."""

    name = "iverilog"
    executable = "iverilog"
    install_hint = "apt-get install -y iverilog"

    def compile(self, workdir: Path, sources: list[Path], top: str, limits: Limits) -> ToolRun:
        """Compile ``sources`` with ``top`` as root into ``workdir/sim.vvp``."""
        argv = [self.path(), "-g2012", "-o", "sim.vvp", "-s", top, *map(str, sources)]
        return run_tool(argv, workdir, limits)

    def simulate(self, workdir: Path, limits: Limits) -> ToolRun:
        """Run ``workdir/sim.vvp`` (non-interactive)."""
        vvp = shutil.which("vvp") or "vvp"
        return run_tool([vvp, "-n", "sim.vvp"], workdir, limits)


class Yosys(Tool):
    """Yosys 0.70 with its bundled ABC, from the ``pyosys`` wheel, run as a script in a subprocess."""

    name = "yosys"
    executable = "python -m pyosys"
    install_hint = "pip install pyosys==0.70"
    _RUNNER = "from pyosys import libyosys as y; y.run_pass('script synth.ys', y.Design())"
    _VERSION = "from pyosys import libyosys as y; print(y.yosys_maybe_version())"

    def path(self) -> str:
        if importlib.util.find_spec("pyosys") is None:
            raise RtlboError(f"pyosys not found; install it with '{self.install_hint}'")
        return sys.executable

    def _version_argv(self) -> list[str]:
        return [self.path(), "-c", self._VERSION]

    def run_script(self, workdir: Path, script: str, limits: Limits) -> ToolRun:
        """Write ``script`` to ``workdir/synth.ys`` and run it."""
        (workdir / "synth.ys").write_text(script)
        return run_tool([self.path(), "-c", self._RUNNER], workdir, limits)


class OpenSTA(Tool):
    """OpenSTA (Debian ``opensta``): timing and power of a mapped netlist."""

    name = "opensta"
    executable = "sta"
    install_hint = "apt-get install -y opensta"

    def _version_argv(self) -> list[str]:
        return [self.path(), "-version"]

    def run_script(self, workdir: Path, script: str, limits: Limits) -> ToolRun:
        """Write ``script`` to ``workdir/sta.tcl`` and run it."""
        (workdir / "sta.tcl").write_text(script)
        return run_tool([self.path(), "-no_init", "-no_splash", "-exit", "sta.tcl"], workdir, limits)


IVERILOG = Iverilog()
YOSYS = Yosys()
OPENSTA = OpenSTA()
TOOLS: tuple[Tool, ...] = (IVERILOG, YOSYS, OPENSTA)


def tool_versions() -> dict[str, str]:
    """Return ``{tool name: version line}`` for every tool; raises RtlboError if one is missing."""
    return {tool.name: tool.version() for tool in TOOLS}
