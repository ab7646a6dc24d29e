"""Executors run trial evaluations and hand back results as they complete.

Both executors have the same verbs: ``submit(trial_id, job)``, ``wait(timeout) -> [Completed]``,
``outstanding`` and ``cancel()``.

- ``LocalExecutor`` runs each trial in its own worker process (forked from a forkserver that has
  the evaluator imported), at most ``workers`` at a time. A worker that dies — a tool segfault, the
  OOM killer, SIGKILL — fails only its own trial, with the reason, after ``retries`` re-runs. A
  worker dies with the campaign: when the campaign process is gone (even by SIGKILL) the worker
  stops its tools and removes its scratch directory. Ctrl-C (SIGINT to the whole process group)
  is the campaign's to handle: workers ignore it and are stopped by the campaign.
- ``RayExecutor`` runs trials as Ray tasks on a cluster (``rtlbo[ray]``). Results, artifacts
  included, travel back to the driver, which owns the run directory and writes every evaluation
  into its own cache; a task whose node or worker is lost is re-run by Ray ``retries`` times,
  then reported as failed.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import select
import signal
import socket
import sys
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from objectives.errors import RtlboError
from objectives.trial import TrialJob, TrialResult, evaluate_config


@dataclass
class Completed:
    """A finished trial: its result, or why there is none."""

    trial_id: int
    result: TrialResult | None
    error: str | None = None


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through run_tool, which kills the tool's process group


def _stop_with_campaign(conn: Connection) -> None:
    """Send this worker SIGTERM (see ``_stop``) as soon as the campaign process is gone.

    The worker's parent is the forkserver, which outlives a killed campaign while any worker
    runs, so a parent-death signal would come too late; the campaign is the only reader of the
    result pipe, and poll() on a pipe's write end reports POLLERR once no reader is left.
    """
    def watch() -> None:
        poller = select.poll()
        poller.register(conn.fileno(), 0)  # 0: only POLLERR / POLLHUP
        poller.poll()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="rtlbo-lifeline", daemon=True).start()


def _work(job: TrialJob, conn: Connection) -> None:
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _stop_with_campaign(conn)
    try:
        conn.send(("ok", evaluate_config(job)))
    except RtlboError as exc:
        conn.send(("error", str(exc)))
    except Exception as exc:  # an evaluator bug must fail the trial, not hang the campaign
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """Start workers without re-running the main script in them.

    multiprocessing makes every forkserver child import the parent's ``__main__`` (Python 3.11
    ignores a preloaded one), which costs seconds per trial when that script imports torch, as
    any script driving a campaign does. Workers need nothing from it: ``_work`` and ``TrialJob``
    live in importable modules.
    """
    main = sys.modules["__main__"]
    spec, path = getattr(main, "__spec__", None), main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__spec__ = spec
        if path is not None:
            main.__file__ = path


class _Bounded(ABC):
    """Queues submitted trials and keeps at most ``workers`` of them running."""

    def __init__(self, workers: int):
        self.workers = workers
        self._queue: deque[tuple[int, TrialJob]] = deque()
        self._active: dict[int, Any] = {}  # trial id -> what _launch returned

    @property
    def outstanding(self) -> int:
        """Trials submitted and not yet returned (queued or running)."""
        return len(self._queue) + len(self._active)

    def submit(self, trial_id: int, job: TrialJob) -> None:
        self._queue.append((trial_id, job))
        self._start()

    def _start(self) -> None:
        while self._queue and len(self._active) < self.workers:
            trial_id, job = self._queue.popleft()
            self._active[trial_id] = self._launch(job)

    @abstractmethod
    def _launch(self, job: TrialJob) -> Any:
        """Start ``job``; return the handle ``wait`` collects it by."""


class LocalExecutor(_Bounded):
    """A pool of worker processes on this machine, one process per trial."""

    def __init__(self, workers: int, retries: int = 1):
        super().__init__(workers)
        self.retries = retries
        self._attempts: dict[int, int] = {}
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["objectives.trial"])

    def _launch(self, job: TrialJob) -> tuple[multiprocessing.Process, Connection, TrialJob]:
        parent, child = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(target=_work, args=(job, child), daemon=True)
        with _main_script_hidden():
            process.start()
        child.close()
        return process, parent, job

    def wait(self, timeout: float | None = None) -> list[Completed]:
        """Return the trials that finished within ``timeout`` seconds (possibly none)."""
        if not self._active:
            return []
        by_handle = {}
        for trial_id, (process, conn, _) in self._active.items():
            by_handle[conn] = trial_id
            by_handle[process.sentinel] = trial_id
        ready = wait(list(by_handle), timeout)
        done: dict[int, Completed] = {}
        for handle in ready:
            trial_id = by_handle[handle]
            if trial_id in done:
                continue
            process, conn, _ = self._active[trial_id]
            done[trial_id] = self._collect(trial_id, process, conn)
        finished = []
        for trial_id, completed in done.items():
            process, conn, job = self._active.pop(trial_id)
            process.join()
            conn.close()
            died = completed.result is None and completed.error.startswith("worker process died")
            if died and self._attempts.get(trial_id, 0) < self.retries:
                self._attempts[trial_id] = self._attempts.get(trial_id, 0) + 1
                self._queue.appendleft((trial_id, job))  # run it again, first
            else:
                finished.append(completed)
        self._start()
        return finished

    @staticmethod
    def _collect(trial_id: int, process: multiprocessing.Process, conn: Connection) -> Completed:
        try:
            if conn.poll():
                kind, payload = conn.recv()
                return Completed(trial_id, payload) if kind == "ok" else Completed(trial_id, None, payload)
        except (EOFError, OSError):
            pass
        process.join(timeout=5)
        code = process.exitcode
        cause = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
        return Completed(trial_id, None, f"worker process died ({cause})")

    def cancel(self) -> None:
        """Drop queued trials and stop running ones (SIGTERM, so their tools die too; then SIGKILL)."""
        self._queue.clear()
        for process, _, _ in self._active.values():
            process.terminate()
        for process, conn, _ in self._active.values():
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
            conn.close()
        self._active.clear()


class RayExecutor(_Bounded):
    """Trials as Ray tasks, at most ``workers`` in flight, each with ``resources`` (e.g. num_cpus)."""

    def __init__(self, workers: int, address: str | None, resources: dict[str, float], retries: int = 1):
        check_executor("ray", address)
        import ray

        super().__init__(workers)
        self._ray = ray
        try:
            # Started here (no address), Ray stays on loopback.
            local = {} if address else {"_node_ip_address": "127.0.0.1"}
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False,
                     include_dashboard=False, logging_level="ERROR", **local)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise RtlboError(f"cannot reach the Ray cluster at {address!r} ({str(exc).splitlines()[0][:160]}); "
                             "start one with 'ray start --head' or fix executor.address") from None
        options = {"num_cpus": 1, **resources}
        self._remote = ray.remote(max_retries=retries, retry_exceptions=False)(evaluate_config).options(**options)

    def _launch(self, job: TrialJob) -> Any:
        return self._remote.remote(job)  # an ObjectRef

    def wait(self, timeout: float | None = None) -> list[Completed]:
        if not self._active:
            return []
        trial_of = {ref: trial_id for trial_id, ref in self._active.items()}
        # Return as soon as one trial is done (with any others already done), not at the timeout.
        ready, rest = self._ray.wait(list(trial_of), num_returns=1, timeout=timeout)
        if ready and rest:
            ready += self._ray.wait(rest, num_returns=len(rest), timeout=0)[0]
        done = []
        for ref in ready:
            trial_id = trial_of[ref]
            del self._active[trial_id]
            try:
                result = self._ray.get(ref)
            except self._ray.exceptions.RayTaskError as exc:
                cause = exc.cause
                done.append(Completed(trial_id, None, str(cause) if isinstance(cause, RtlboError)
                                      else f"{type(cause).__name__}: {cause}"))
            except self._ray.exceptions.RayError as exc:  # worker or node lost, retries spent
                done.append(Completed(trial_id, None, f"ray worker lost: {type(exc).__name__}"))
            else:
                done.append(Completed(trial_id, result))
        self._start()
        return done

    def cancel(self) -> None:
        self._queue.clear()
        for ref in self._active.values():
            self._ray.cancel(ref, force=True)
        self._active.clear()


def check_executor(kind: str, address: str | None) -> None:
    """Raise RtlboError when the executor cannot start: Ray is not installed, or a host:port Ray
    address does not answer (ray.init would retry for minutes). Quick: a campaign checks it before
    it spends time screening."""
    if kind != "ray":
        return
    if importlib.util.find_spec("ray") is None:
        raise RtlboError("the ray executor needs Ray; install it with: pip install 'rtlbo[ray]'")
    if not address or address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=3).close()
    except (OSError, ValueError) as exc:
        raise RtlboError(f"cannot reach the Ray cluster at {address!r} ({exc}); start one with 'ray start --head' "
                         "or fix executor.address") from None


Executor = LocalExecutor | RayExecutor


def make_executor(kind: str, workers: int, retries: int, address: str | None = None,
                  resources: dict[str, float] | None = None) -> Executor:
    """Return the executor a campaign's ``executor`` section names."""
    if kind == "ray":
        return RayExecutor(workers, address, resources or {}, retries)
    return LocalExecutor(workers, retries)
