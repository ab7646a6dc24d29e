"""Running the ``rtlbo`` command line in the test process (milliseconds instead of the seconds a
subprocess spends importing), with its exit status and output captured."""

from __future__ import annotations

import sys

import pytest

from optimize.cli import main


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """Return the exit status, stdout and stderr of ``rtlbo ARGS``."""
    monkeypatch.setattr(sys, "argv", ["rtlbo", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err
