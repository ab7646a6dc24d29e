"""The one way rtlbo runs an external tool: a fresh directory, rlimits, a wall clock, a kill switch.

Every tool (iverilog, vvp, Yosys, OpenSTA) may be fed untrusted RTL, so each run gets a CPU and
memory limit, a cap on the size of any file it writes (its log included), a wall-clock timeout
after which its whole process group is killed, and a scrubbed environment.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LOG_NAME = "tool.log"


@dataclass(frozen=True)
class Limits:
    """Resource limits for one tool run."""

    timeout_s: float = 60.0
    memory_mb: int = 4096
    file_mb: int = 64


@dataclass(frozen=True)
class ToolRun:
    """What one tool run did: exit status, merged stdout/stderr, wall time, whether it was killed."""

    argv: tuple[str, ...]
    returncode: int
    output: str
    seconds: float
    timed_out: bool

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def failure(self, tool: str, limit: float) -> str:
        """Return a one-line reason for a failed run (the tool's own first error line, trimmed)."""
        if self.timed_out:
            return f"{tool} exceeded its {limit:g} s time limit and was killed"
        if self.returncode < 0:
            sig = signal.Signals(-self.returncode).name
            return f"{tool} was killed by {sig} (resource limit or crash)"
        return f"{tool} failed: {first_error_line(self.output)}"


_TEMP_PATH = re.compile(r"/\S*/rtlbo-[^/\s]+/(?:\S*/)?")


def first_error_line(output: str, width: int = 240) -> str:
    """Return the most telling line of a tool log: the first line naming an error, else the last
    (temporary directories stripped from paths, so the same failure reads the same every time)."""
    lines = [_TEMP_PATH.sub("", line.strip()) for line in output.splitlines() if line.strip()]
    for line in lines:
        low = line.lower()
        if "error" in low or "syntax" in low or "unable" in low or "not found" in low:
            return line[:width]
    return lines[-1][:width] if lines else "no output"


def run_tool(argv: list[str], cwd: Path, limits: Limits = Limits()) -> ToolRun:
    """Run ``argv`` in ``cwd`` under ``limits`` and return what happened.

    stdout and stderr are merged into ``cwd/tool.log`` (capped by the file-size limit). The
    process runs in its own session; on timeout the whole process group gets SIGKILL.
    """
    cwd = Path(cwd)
    log_path = cwd / LOG_NAME
    limit_shell = (
        f"ulimit -c 0; ulimit -t {int(limits.timeout_s) + 5}; "
        f"ulimit -v {limits.memory_mb * 1024}; ulimit -f {limits.file_mb * 1024}; "
        'exec "$@"'
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "TMPDIR": str(cwd),
        "LANG": "C.UTF-8",
    }
    start = time.monotonic()
    timed_out = False
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            ["/bin/sh", "-c", limit_shell, "sh", *argv],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            returncode = _wait(proc, limits.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc.pid)
            returncode = proc.wait()
        except BaseException:
            _kill_group(proc.pid)
            proc.wait()
            raise
        finally:
            # A tool's children (ABC under Yosys) must not outlive it.
            _kill_group(proc.pid)
    output = log_path.read_bytes()[-256 * 1024 :].decode(errors="replace")
    return ToolRun(tuple(argv), returncode, output, time.monotonic() - start, timed_out)


def _wait(proc: subprocess.Popen, timeout: float) -> int:
    """``proc.wait(timeout)`` without its polling loop, whose sleeps (up to 50 ms a call) add up
    to a second per trial over a few dozen tool runs: block on a pidfd instead (Linux)."""
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        return proc.wait(timeout=timeout)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        if not poller.poll(timeout * 1000):
            raise subprocess.TimeoutExpired(proc.args, timeout)
    finally:
        os.close(fd)
    return proc.wait()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
