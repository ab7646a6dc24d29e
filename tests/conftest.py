"""Shared fixtures. Every test runs the real tools; nothing here stands in for Yosys, iverilog or
OpenSTA."""

from __future__ import annotations

from pathlib import Path

import pytest

from objectives.cache import EvalCache
from objectives.suites import load_suite
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
