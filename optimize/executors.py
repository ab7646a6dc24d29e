"""Executors run trial evaluations and hand back results as they complete.

``LocalExecutor`` runs each trial in its own worker process (forked from a forkserver that has the
evaluator imported), at most ``workers`` at a time. A worker that dies — a tool segfault, the OOM
killer, SIGKILL — fails only its own trial, with the reason.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

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


def _work(job: TrialJob, conn: Connection) -> None:
    signal.signal(signal.SIGTERM, _stop)
    try:
        conn.send(("ok", evaluate_config(job)))
    except RtlboError as exc:
        conn.send(("error", str(exc)))
    except Exception as exc:  # an evaluator bug must fail the trial, not hang the campaign
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class LocalExecutor:
    """A pool of worker processes on this machine, one process per trial."""

    def __init__(self, workers: int):
        self.workers = workers
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["objectives.trial"])
        self._queue: deque[tuple[int, TrialJob]] = deque()
        self._active: dict[int, tuple[multiprocessing.Process, Connection]] = {}

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
            parent, child = self._ctx.Pipe(duplex=False)
            process = self._ctx.Process(target=_work, args=(job, child), daemon=True)
            process.start()
            child.close()
            self._active[trial_id] = (process, parent)

    def wait(self, timeout: float | None = None) -> list[Completed]:
        """Return the trials that finished within ``timeout`` seconds (possibly none)."""
        if not self._active:
            return []
        by_handle = {}
        for trial_id, (process, conn) in self._active.items():
            by_handle[conn] = trial_id
            by_handle[process.sentinel] = trial_id
        ready = wait(list(by_handle), timeout)
        done: dict[int, Completed] = {}
        for handle in ready:
            trial_id = by_handle[handle]
            if trial_id in done:
                continue
            process, conn = self._active[trial_id]
            done[trial_id] = self._collect(trial_id, process, conn)
        for trial_id in done:
            process, conn = self._active.pop(trial_id)
            process.join()
            conn.close()
        self._start()
        return list(done.values())

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
        for process, _ in self._active.values():
            process.terminate()
        for process, conn in self._active.values():
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
            conn.close()
        self._active.clear()
