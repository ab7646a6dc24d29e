"""``rtlbo doctor``: is everything rtlbo needs installed, and which versions?"""

from __future__ import annotations

import importlib.metadata
import platform
import shutil
from pathlib import Path

from rich.console import Console
from rich.table import Table

from objectives.errors import RtlboError
from objectives.runner import SANDBOX_ENV, require_sandbox, sandboxed, tool_output
from objectives.technology import Technology
from objectives.toolchain import TOOLS

PACKAGES = ("torch", "ax-platform", "botorch", "gpytorch", "optuna", "pymoo", "pyosys")


def run_doctor(console: Console) -> bool:
    """Print a table of tools, packages and the liberty; return True when nothing is missing."""
    table = Table(title="rtlbo doctor", title_justify="left")
    for column in ("component", "status", "version / path", "fix"):
        table.add_column(column)
    healthy = True

    def row(name: str, ok: bool, info: str, fix: str = "") -> None:
        nonlocal healthy
        healthy &= ok
        table.add_row(name, "[green]ok[/]" if ok else "[red]missing[/]", info, fix)

    row("python", True, platform.python_version())
    for tool in TOOLS:
        try:
            row(tool.name, True, tool.version())
        except RtlboError:
            row(tool.name, False, "", tool.install_hint)
    try:
        require_sandbox()
        on = sandboxed()
        row("sandbox", True, tool_output(["bwrap", "--version"]).strip() if on else f"off ({SANDBOX_ENV}=off)")
    except RtlboError as exc:
        row("sandbox", False, str(exc).split(";")[0], "apt-get install -y bubblewrap")
    vvp = shutil.which("vvp")
    row("vvp", vvp is not None, vvp or "", "apt-get install -y iverilog")
    try:
        import pyosys

        abc = Path(pyosys.__file__).parent / "yosys-abc"
        row("yosys-abc", abc.is_file(), str(abc), "pip install --force-reinstall pyosys==0.70")
    except ImportError:
        row("yosys-abc", False, "", "pip install pyosys==0.70")
    tech = Technology.from_env()
    for name, path in (("liberty", tech.liberty), ("cell models", tech.cell_models)):
        row(name, path.is_file(), str(path), "apt-get install -y qflow-tech-osu018 (or set RTLBO_LIBERTY)")
    if tech.lef is None:  # optional: it only prices cells the liberty gives no area
        row("lef", True, "none beside the liberty: a cell the liberty gives no area counts 0", "set RTLBO_LEF")
    elif tech.liberty.is_file():
        priced = ", ".join(tech.footprint_areas())
        row("lef", True, f"{tech.lef}" + (f" (the footprint prices {priced})" if priced else ""), "set RTLBO_LEF")
    for package in PACKAGES:
        try:
            row(package, True, importlib.metadata.version(package))
        except importlib.metadata.PackageNotFoundError:
            row(package, False, "", "make setup (or pip install -e .)")
    console.print(table)
    missing = "[red]some components are missing; run the fix commands above[/]"
    console.print("[green]all good[/]" if healthy else missing)
    return healthy
