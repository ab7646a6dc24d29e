"""The one way rtlbo runs an external tool: an OS sandbox, rlimits, a wall clock, a kill switch.

Every tool (iverilog, vvp, Yosys/ABC, OpenSTA) may be fed untrusted RTL, so each run happens inside
bubblewrap: the system directories, the tool's own installation and the trusted files it needs are
visible read-only; one work directory is writable; /tmp is private; there is no network and there
are new PID, IPC and UTS namespaces; the user's home, caches, run directories and the project tree
do not exist. Run as root, the tool itself runs as an unprivileged user. Each run also gets a CPU,
memory, file-size (its log included) and process limit, a scrubbed environment, and a wall-clock
timeout after which the whole sandbox is killed.

The sandbox fails closed: when bubblewrap cannot start, :func:`run_tool` raises RtlboError. For RTL
the user trusts, ``RTLBO_SANDBOX=off`` runs the tools without it (rlimits and timeouts still apply).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from objectives.errors import RtlboError
from objectives.scratch import scratch_dir

SANDBOX_ENV = "RTLBO_SANDBOX"
WORK = Path("/rtlbo/work")  # the work directory as the sandboxed tool sees it
# Who a tool runs as when rtlbo runs as root: a user of its own per run, from a range no system
# hands out, so that one run's process cap (RLIMIT_NPROC counts a user's processes system-wide)
# is not spent by the tools other workers run beside it.
UNPRIVILEGED_UIDS = range(0x7E000000, 0x7F000000)
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
LOADER_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives")
SANDBOX_FIX = ("install bubblewrap with 'apt-get install -y bubblewrap' (make setup does), or set "
               f"{SANDBOX_ENV}=off to run the tools unsandboxed on RTL you trust")


@dataclass(frozen=True)
class Limits:
    """Resource limits for one tool run."""

    timeout_s: float = 60.0
    memory_mb: int = 4096
    file_mb: int = 64


@dataclass(frozen=True)
class Sandbox:
    """What one tool run may see and do besides the read-only system.

    ``inputs`` are trusted files shown read-only in the work directory under the given names;
    ``readonly`` host paths are shown read-only where they are (a liberty outside /usr, the Python
    that runs Yosys); ``read_once`` is a file the tool reads once at start-up, served through a FIFO
    so that code the tool later runs cannot read it again; ``scratch`` gives the tool an empty,
    size-capped work directory that vanishes with it instead of ``cwd``; ``proc`` mounts /proc (of the
    sandbox's own processes); ``processes`` caps the processes of the tool's user (1: no fork; a cap
    above 1 only where the tool runs as a user of its own, see :data:`UNPRIVILEGED_UIDS`: an
    unprivileged rtlbo's user has processes of its own, which the cap would count).
    """

    inputs: Mapping[str, Path] = field(default_factory=dict)
    readonly: tuple[Path, ...] = ()
    read_once: tuple[str, bytes] | None = None
    scratch: bool = False
    proc: bool = False
    processes: int | None = None


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


_TEMP_PATH = re.compile(r"/\S*/rtlbo-[^/\s]+/(?:\S*/)?|" + re.escape(f"{WORK}/"))


def first_error_line(output: str, width: int = 240) -> str:
    """Return the most telling line of a tool log: the first line naming an error, else the last
    (work directories stripped from paths, so the same failure reads the same every time)."""
    lines = [_TEMP_PATH.sub("", line.strip()) for line in output.splitlines() if line.strip()]
    for line in lines:
        low = line.lower()
        if "error" in low or "syntax" in low or "unable" in low or "not found" in low:
            return line[:width]
    return lines[-1][:width] if lines else "no output"


def sandboxed() -> bool:
    """Whether tools run in the OS sandbox (``RTLBO_SANDBOX`` is ``on``, the default, or ``off``)."""
    value = os.environ.get(SANDBOX_ENV, "on").strip().lower()
    if value not in ("on", "off"):
        raise RtlboError(f"{SANDBOX_ENV}={value!r} is neither on nor off; unset it, or set it to off for trusted RTL")
    return value == "on"


def require_sandbox() -> None:
    """Raise RtlboError naming the fix when the sandbox is on but cannot start (checked once)."""
    if sandboxed():
        problem = _sandbox_problem()
        if problem:
            raise RtlboError(f"the tool sandbox cannot start ({problem}); {SANDBOX_FIX}")


@lru_cache(maxsize=1)
def _sandbox_problem() -> str:
    if shutil.which("bwrap") is None:
        return "bwrap not found"
    with scratch_dir() as tmp:
        argv = _command(["true"], Path(tmp), Limits(), Sandbox(), _tool_uid())
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return str(exc)
    return "" if done.returncode == 0 else first_error_line(done.stderr + done.stdout, 160)


def tool_output(argv: list[str]) -> str:
    """Return the merged output of a trusted command that reads no candidate input (a version query).
    Its temporary files (iverilog's driver writes some) go to a scratch directory, which the sweep
    of abandoned scratch removes when the process is killed meanwhile."""
    with scratch_dir() as tmp:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
                              env={**os.environ, "TMPDIR": tmp})
    return done.stdout + done.stderr


_time_limit_kills = 0  # tool runs this process killed at their wall-clock limit
_kills_lock = threading.Lock()


class TimeLimits:
    """Watches for tool runs killed at their wall-clock limit from now on, in any thread of this
    process (conservative): an outcome computed meanwhile depends on how loaded the machine was,
    not only on its inputs, so it is not cached."""

    def __init__(self) -> None:
        self._start = _time_limit_kills

    @property
    def hit(self) -> bool:
        """Whether a tool run was killed at its time limit since the watch began."""
        return _time_limit_kills != self._start


def _count_time_limit_kill() -> None:
    global _time_limit_kills
    with _kills_lock:
        _time_limit_kills += 1


def run_tool(argv: list[str], cwd: Path, limits: Limits = Limits(), sandbox: Sandbox = Sandbox()) -> ToolRun:
    """Run ``argv`` with ``cwd`` as its work directory, in the sandbox, under ``limits``.

    stdout and stderr are merged into a log outside the sandbox (capped by the file-size limit).
    On timeout the whole sandbox is killed. Raises RtlboError when the sandbox cannot start.
    """
    require_sandbox()
    cwd = Path(cwd)
    uid = _tool_uid()
    if not sandboxed():
        _stage_inputs(cwd, sandbox)
    elif uid is not None and not sandbox.scratch:
        os.chown(cwd, uid, uid)
    fifo = _fifo(cwd, sandbox, uid)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(WORK if sandboxed() else cwd),
           "TMPDIR": "/tmp" if sandboxed() else str(cwd), "LANG": "C.UTF-8"}
    start = time.monotonic()
    timed_out = False
    with tempfile.TemporaryFile() as log:
        command = _command(argv, cwd, limits, sandbox, uid)
        try:
            proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, env=env, start_new_session=True)
        except FileNotFoundError:
            raise RtlboError(f"{command[0]} not found on PATH; install it (util-linux has setpriv and prlimit, "
                             "bubblewrap has bwrap)") from None
        served = threading.Event()
        server = _serve(fifo, sandbox.read_once[1], served) if fifo else None
        try:
            returncode = _wait(proc, limits.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _count_time_limit_kill()
            _kill_group(proc.pid)
            returncode = proc.wait()
        except BaseException:
            _kill_group(proc.pid)
            proc.wait()
            raise
        finally:
            # A tool's children (ABC under Yosys) must not outlive it.
            _kill_group(proc.pid)
            if server is not None:
                served.set()
                server.join()
                fifo.unlink(missing_ok=True)
        if sandboxed() and returncode > 128 and returncode - 128 in signal.valid_signals():
            returncode = 128 - returncode  # bubblewrap exits 128+N when the tool died of signal N
        log.seek(max(0, log.seek(0, os.SEEK_END) - 256 * 1024))
        output = log.read().decode(errors="replace")
    return ToolRun(tuple(argv), returncode, output, time.monotonic() - start, timed_out)


def _command(argv: list[str], cwd: Path, limits: Limits, sandbox: Sandbox, uid: int | None) -> list[str]:
    """Return the full command line: bubblewrap (unless off), the switch to user ``uid`` (None: stay
    who rtlbo is), prlimit, the tool."""
    rlimits = ["prlimit", f"--cpu={int(limits.timeout_s) + 5}", f"--as={limits.memory_mb << 20}",
               f"--fsize={limits.file_mb << 20}", "--core=0"]
    if sandbox.processes == 1 or (sandbox.processes is not None and uid is not None):
        rlimits.append(f"--nproc={sandbox.processes}")
    rlimits.append("--")
    if not sandboxed():
        # bubblewrap's --die-with-parent does this in the sandbox: the tool dies with rtlbo.
        return ["setpriv", "--pdeathsig", "KILL", "--", *rlimits, *argv]
    bwrap = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-net",
             "--unshare-uts", "--unshare-cgroup-try", "--ro-bind", "/usr", "/usr"]
    if uid is None:
        bwrap.append("--unshare-user")
    for path in SYSTEM_LINKS:
        if os.path.islink(path):
            bwrap += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            bwrap += ["--ro-bind", path, path]
    for path in LOADER_FILES:
        bwrap += ["--ro-bind-try", path, path]
    scratch = ["--perms", "1777", "--size", str(4 * limits.file_mb << 20), "--tmpfs"]
    bwrap += ["--dev", "/dev", *scratch, "/tmp", *(["--proc", "/proc"] if sandbox.proc else [])]
    bwrap += _readonly(sandbox.readonly)
    bwrap += ["--perms", "0755", "--dir", str(WORK.parent)]
    bwrap += [*scratch, str(WORK)] if sandbox.scratch else ["--bind", str(cwd), str(WORK)]
    for name, path in sandbox.inputs.items():
        bwrap += ["--ro-bind", os.path.realpath(path), str(WORK / name)]
    if sandbox.read_once is not None:
        bwrap += ["--bind", str(_fifo_path(cwd, sandbox)), str(WORK / sandbox.read_once[0])]
    bwrap += ["--chdir", str(WORK)]
    if uid is not None:
        bwrap += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--", "setpriv",
                  f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"]
    return [*bwrap, "--", *rlimits, *argv]


def _readonly(paths: tuple[Path, ...]) -> list[str]:
    """Return the bubblewrap arguments that show ``paths`` read-only where they are (with their
    parent directories traversable), skipping what the system binds already show."""
    shown = [Path("/usr"), *map(Path, SYSTEM_LINKS)]
    args: list[str] = []
    made: set[Path] = set()
    for path in sorted({Path(os.path.realpath(p)) for p in paths}):
        if any(path == s or s in path.parents for s in shown):
            continue
        for parent in reversed(path.parents[:-1]):
            if parent not in made:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += ["--ro-bind", str(path), str(path)]
        shown.append(path)
    return args


def _stage_inputs(cwd: Path, sandbox: Sandbox) -> None:
    """Without the sandbox, copy the trusted inputs into the work directory itself."""
    for name, path in sandbox.inputs.items():
        shutil.copy(path, cwd / name)


def _tool_uid() -> int | None:
    """The user a sandboxed tool run switches to: one of its own when rtlbo is root, else None."""
    if sandboxed() and os.geteuid() == 0:
        return UNPRIVILEGED_UIDS[secrets.randbelow(len(UNPRIVILEGED_UIDS))]
    return None


def _fifo_path(cwd: Path, sandbox: Sandbox) -> Path:
    # In the sandbox the FIFO lives beside the work directory, which the tool does not see.
    name = sandbox.read_once[0]
    return cwd.parent / f"{cwd.name}.{name}" if sandboxed() else cwd / name


def _fifo(cwd: Path, sandbox: Sandbox, uid: int | None) -> Path | None:
    """Create the FIFO that serves ``sandbox.read_once`` (None when there is none), owned by ``uid``."""
    if sandbox.read_once is None:
        return None
    path = _fifo_path(cwd, sandbox)
    path.unlink(missing_ok=True)
    os.mkfifo(path, 0o644)
    if uid is not None:
        os.chown(path, uid, uid)
    return path


def _serve(path: Path, data: bytes, done: threading.Event) -> threading.Thread:
    """Write ``data`` into the FIFO ``path`` once the tool opens it (in a thread); give up when
    ``done`` is set (the tool ended without opening it)."""

    def serve() -> None:
        while not done.is_set():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                    return
                time.sleep(0.001)
                continue
            os.set_blocking(fd, True)
            with contextlib.suppress(BrokenPipeError), open(fd, "wb") as pipe:
                pipe.write(data)
            return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


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
