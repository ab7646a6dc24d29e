"""The external tools, one class each, with the command lines visible in one place.

Each tool has ``version()`` (for cache keys and reports), ``install_hint`` (for ``rtlbo doctor``)
and verbs that build its command and run it through :func:`objectives.runner.run_tool`, inside the
sandbox, with what that command needs to see (:class:`objectives.runner.Sandbox`).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from functools import lru_cache
from pathlib import Path

from objectives.errors import RtlboError
from objectives.runner import Limits, Sandbox, ToolRun, run_tool, tool_output

# A tool's own processes: iverilog's driver runs its preprocessor and compiler, Yosys runs ABC,
# OpenSTA has threads. Simulation runs the candidate's code and gets none at all.
TOOL_PROCESSES = 64


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

    def installation(self) -> tuple[Path, ...]:
        """Return the folder the tool is installed in when the sandbox's system view lacks it
        (e.g. /opt/oss-cad-suite for /opt/oss-cad-suite/bin/yosys); empty for /usr."""
        return (Path(os.path.realpath(self.path())).parent.parent,)

    def sandbox(self, **options: object) -> Sandbox:
        """Return the sandbox of one run of this tool (``options`` as for Sandbox)."""
        options.setdefault("processes", TOOL_PROCESSES)
        readonly = self.installation() + tuple(options.pop("readonly", ()))
        return Sandbox(readonly=readonly, **options)


@lru_cache(maxsize=16)
def _version(_path: str, argv: tuple[str, ...]) -> str:
    lines = tool_output(list(argv)).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


class Iverilog(Tool):
    """Icarus Verilog: preprocess and compile (``iverilog``), simulate (``vvp``)."""

    name = "iverilog"
    executable = "iverilog"
    install_hint = "apt-get install -y iverilog"

    def preprocess(self, workdir: Path, source: str, output: str, defines: dict[str, str], limits: Limits) -> ToolRun:
        """Preprocess ``workdir/source`` with ``defines`` into ``workdir/output``."""
        argv = [self.path(), "-g2012", "-E", "-o", output, *(f"-D{k}={v}" for k, v in defines.items()), source]
        return run_tool(argv, workdir, limits, self.sandbox())

    def compile(self, workdir: Path, sources: list[str], top: str, limits: Limits,
                inputs: dict[str, Path] | None = None, readonly: tuple[Path, ...] = (),
                flags: tuple[str, ...] = ()) -> ToolRun:
        """Compile ``sources`` (names in ``workdir`` or in ``inputs``; ``readonly`` are more trusted
        files they name) with ``top`` as root, and the extra ``flags``, into ``workdir/sim.vvp``."""
        argv = [self.path(), "-g2012", *flags, "-o", "sim.vvp", "-s", top, *sources]
        return run_tool(argv, workdir, limits, self.sandbox(inputs=inputs or {}, readonly=readonly))

    def simulate(self, workdir: Path, limits: Limits, inputs: dict[str, Path] | None = None) -> ToolRun:
        """Run ``workdir/sim.vvp`` (non-interactive) in an empty scratch directory beside ``inputs``.
        The program is read once through a FIFO: the code it runs can neither read nor rewrite it,
        and cannot fork."""
        vvp = shutil.which("vvp") or "vvp"
        program = ("sim.vvp", (workdir / "sim.vvp").read_bytes())
        sandbox = Sandbox(inputs=inputs or {}, readonly=self.installation(), read_once=program, scratch=True,
                          processes=1)
        return run_tool([vvp, "-n", "sim.vvp"], workdir, limits, sandbox)


class Yosys(Tool):
    """Yosys 0.70 with its bundled ABC, from the ``pyosys`` wheel, run as a script in a subprocess.

    The subprocess is the Python interpreter in isolated mode, seeing only the pyosys package.
    """

    name = "yosys"
    executable = "python -m pyosys"
    install_hint = "pip install pyosys==0.70"
    _RUNNER = ("import sys; sys.path.insert(0, {path!r}); "
               "from pyosys import libyosys as y; y.run_pass({cmd!r}, y.Design())")
    _VERSION = "from pyosys import libyosys as y; print(y.yosys_maybe_version())"

    def path(self) -> str:
        if self.package() is None:
            raise RtlboError(f"pyosys not found; install it with '{self.install_hint}'")
        return os.path.realpath(sys.executable)

    @staticmethod
    def package() -> Path | None:
        """Return the folder of the pyosys package (None when it is not installed)."""
        spec = importlib.util.find_spec("pyosys")
        return Path(spec.submodule_search_locations[0]) if spec and spec.submodule_search_locations else None

    def _version_argv(self) -> list[str]:
        return [sys.executable, "-c", self._VERSION]

    def installation(self) -> tuple[Path, ...]:
        return (Path(sys.base_prefix), self.package())

    def run_script(self, workdir: Path, script: str, limits: Limits, readonly: tuple[Path, ...] = ()) -> ToolRun:
        """Write ``script`` to ``workdir/synth.ys`` and run it (``readonly``: the liberty it reads).
        Yosys needs /proc for its own path; the sandbox's /proc shows only the sandbox."""
        (workdir / "synth.ys").write_text(script)
        runner = self._RUNNER.format(path=str(self.package().parent), cmd="script synth.ys")
        sandbox = self.sandbox(proc=True, readonly=readonly)
        return run_tool([self.path(), "-I", "-S", "-c", runner], workdir, limits, sandbox)

    def abc(self, workdir: Path, commands: str, limits: Limits) -> ToolRun:
        """Run ABC commands (``;``-separated, on files in ``workdir``) with the ``yosys-abc`` that
        ships in the pyosys package, so its version is Yosys's; raises RtlboError when it is missing."""
        self.path()
        abc = self.package() / "yosys-abc"
        if not abc.is_file():
            raise RtlboError(f"{abc} not found; reinstall pyosys with 'pip install --force-reinstall pyosys==0.70'")
        return run_tool([str(abc), "-c", commands], workdir, limits, self.sandbox())


class OpenSTA(Tool):
    """OpenSTA (Debian ``opensta``): timing and power of a mapped netlist."""

    name = "opensta"
    executable = "sta"
    install_hint = "apt-get install -y opensta"

    def _version_argv(self) -> list[str]:
        return [self.path(), "-version"]

    def run_script(self, workdir: Path, script: str, limits: Limits, readonly: tuple[Path, ...] = ()) -> ToolRun:
        """Write ``script`` to ``workdir/sta.tcl`` and run it (``readonly``: the liberty)."""
        (workdir / "sta.tcl").write_text(script)
        argv = [self.path(), "-no_init", "-no_splash", "-exit", "sta.tcl"]
        return run_tool(argv, workdir, limits, self.sandbox(readonly=readonly))


IVERILOG = Iverilog()
YOSYS = Yosys()
OPENSTA = OpenSTA()
TOOLS: tuple[Tool, ...] = (IVERILOG, YOSYS, OPENSTA)


def tool_versions() -> dict[str, str]:
    """Return ``{tool name: version line}`` for every tool; raises RtlboError if one is missing."""
    return {tool.name: tool.version() for tool in TOOLS}
