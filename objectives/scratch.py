"""Scratch directories, and sweeping the ones killed processes leave behind.

Every temporary directory rtlbo makes is named ``rtlbo-<pid>-*`` after the process that made it,
so that one whose process is gone (killed before it could clean up) can be told from one in use.
multiprocessing's own ``pymp-*`` directory (it holds the forkserver's socket) is left behind the
same way; it is abandoned when no process listens on the socket in it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "rtlbo-"
# Python finds the temporary folder on its first use by writing a probe file (a random name, no
# prefix) into each candidate; a process killed at that moment leaves the file behind, where no
# sweep can tell it from a user's. rtlbo takes the folder the environment names, as Python would
# pick it, without the probe (the package imports this module first).
tempfile.tempdir = os.path.abspath(next((os.environ[name] for name in ("TMPDIR", "TEMP", "TMP")
                                         if os.environ.get(name)), "/tmp"))


def scratch_dir() -> tempfile.TemporaryDirectory:
    """Return a new temporary directory (a context manager yielding its path), removed on exit."""
    return tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-")


def sweep(root: str | Path | None = None) -> list[Path]:
    """Remove the scratch directories of processes that are gone from ``root`` (default: the
    temporary folder): ``rtlbo-<pid>-*`` whose process is dead, and ``pymp-*`` whose forkserver
    socket nobody listens on. Return what was removed."""
    root = Path(root or tempfile.gettempdir())
    listening = _listening_sockets()
    removed = []
    for path in root.iterdir() if root.is_dir() else ():
        name = path.name
        if name.startswith(PREFIX):
            pid = name.removeprefix(PREFIX).partition("-")[0]
            abandoned = pid.isdigit() and not _alive(int(pid))
        elif name.startswith("pymp-"):
            abandoned = listening is not None and _abandoned_pymp(path, listening)
        else:
            continue
        if abandoned and path.is_dir() and not path.is_symlink() and path.stat().st_uid == os.getuid():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _listening_sockets() -> set[str] | None:
    """Return the paths of the Unix sockets bound on this machine, or None when unknown."""
    try:
        lines = Path("/proc/net/unix").read_text().splitlines()[1:]
    except OSError:
        return None
    return {fields[-1] for fields in (line.split() for line in lines) if len(fields) >= 8}


def _abandoned_pymp(path: Path, listening: set[str]) -> bool:
    """Whether a ``pymp-*`` folder holds only forkserver sockets (``listener-*``) that no process
    is bound to. An empty one may be about to get its socket, so it is left alone."""
    with contextlib.suppress(OSError):
        entries = list(path.iterdir())
        return bool(entries) and all(e.name.startswith("listener-") and str(e) not in listening for e in entries)
    return False
