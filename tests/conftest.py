"""Shared fixtures. Every test runs the real tools; nothing here stands in for Yosys, iverilog or
OpenSTA."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from objectives.cache import EvalCache
from objectives.suites import Suite, load_suite
from objectives.tasks import Task

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def builtin() -> dict[str, Task]:
    """The built-in tasks by name."""
    return {t.name: t for t in load_suite("builtin").tasks}


@pytest.fixture
def cache(tmp_path: Path) -> EvalCache:
    """A fresh evaluation cache in the test's temp dir."""
    return EvalCache(tmp_path / "cache.sqlite")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands under test never touch the user's ~/.cache."""
    monkeypatch.setenv("RTLBO_CACHE", str(tmp_path_factory.getbasetemp() / "session-cache.sqlite"))


def make_suite(root: Path, tasks: dict[str, tuple[str, str, str]]) -> Suite:
    """Write tasks in the built-in layout into ``root`` and load them as the suite ``tasks:root``.

    ``tasks`` maps a name to (reference RTL, testbench or "" for none, extra task.toml lines such as
    the clock).
    """
    for name, (rtl, testbench, toml) in tasks.items():
        folder = root / name
        folder.mkdir()
        top = re.search(r"module\s+(\w+)", rtl).group(1)
        (folder / "task.toml").write_text(f'top = "{top}"\n{toml or "period_ns = 10.0"}\n')
        (folder / "spec.md").write_text(f"# {name}\n")
        (folder / "reference.v").write_text(rtl)
        if testbench:
            (folder / "testbench.v").write_text(testbench)
    return load_suite(f"tasks:{root}")


OPTIMIZER_LIBRARIES = frozenset({"torch", "ax", "botorch", "gpytorch"})


def optimizer_libraries_imported(command: list[str]) -> set[str]:
    """Run the installed ``rtlbo`` with ``command`` under ``python -X importtime``; return the
    optimizer libraries (torch, Ax, BoTorch, GPyTorch) it imported. Fails when the command fails."""
    rtlbo = str(Path(sys.executable).parent / "rtlbo")
    done = subprocess.run([sys.executable, "-X", "importtime", rtlbo, *command], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    return imported & OPTIMIZER_LIBRARIES
