"""The run directory: the campaign as run, the trial table (SQLite), per-trial artifacts, a lock.

::

    runs/<name>/
      campaign.yaml        the campaign with every default filled in
      space/*.yaml         the search-space files it used
      trials.sqlite        one row per trial; the single source of truth for resume
      trials/000007/<task>/{rtl.v, synth.ys, abc.script, netlist.v, sta.tcl, *.log, evaluation.json}
                           (generation campaigns: trials/000007/<task>/sample<k>/..., with answer.txt)
      completions.jsonl    every LLM completion (generation campaigns), replayable
      optimizer/           the optimizer's own state export (e.g. Ax's experiment JSON)
      .lock                held by the process running the campaign

A trial row is written ``pending`` before its evaluation starts and ``completed`` or ``failed``
(with its artifacts already on disk) before the next proposal is made.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from objectives.errors import RtlboError
from objectives.results import Evaluation

PENDING, COMPLETED, FAILED = "pending", "completed", "failed"
BASELINE, PROPOSED, IMPORTED = "baseline", "proposed", "imported"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trials (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    objectives TEXT,
    constraints TEXT,
    feasible INTEGER,
    reason TEXT,
    per_task TEXT,
    extra TEXT,
    source TEXT,
    created REAL,
    finished REAL,
    seconds REAL
);
"""


@dataclass
class Trial:
    """One row of the trial table."""

    id: int
    kind: str
    status: str
    config: dict[str, Any]
    objectives: dict[str, float] | None
    constraints: dict[str, float]
    feasible: bool
    reason: str
    per_task: dict[str, Any]
    source: str
    seconds: float | None
    extra: dict[str, Any] = field(default_factory=dict)


def artifact_dir(root: Path, trial_id: int, task: str, sample: int | None) -> Path:
    """Return where a trial's artifacts for a task (and LLM sample) live."""
    folder = Path(root) / "trials" / f"{trial_id:06d}" / task
    return folder if sample is None else folder / f"sample{sample}"


class Store:
    """A run directory. Opened for writing, it holds the run's lock until :meth:`close`; opened
    ``readonly`` (status, reports) it takes no lock and may read while a campaign runs."""

    def __init__(self, root: Path, create: bool = False, readonly: bool = False):
        self.root = Path(root)
        if create:
            self.root.mkdir(parents=True, exist_ok=True)
        elif not (self.root / "trials.sqlite").is_file():
            raise RtlboError(f"{self.root} is not a run directory (no trials.sqlite); check the path")
        self._lock = None
        if readonly:
            self.db = sqlite3.connect(f"file:{self.root / 'trials.sqlite'}?mode=ro", uri=True, timeout=60)
            return
        self._lock = open(self.root / ".lock", "a+")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.seek(0)
            holder = self._lock.read().strip() or "another process"
            self._lock.close()
            raise RtlboError(
                f"run directory {self.root} is in use by pid {holder}; wait for it to finish or stop it"
            ) from None
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(str(os.getpid()))
        self._lock.flush()
        self.db = sqlite3.connect(self.root / "trials.sqlite", timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------

    def add_pending(self, trial_id: int, kind: str, config: dict[str, Any], source: str = "") -> None:
        """Record a trial about to be evaluated."""
        with self.db:
            self.db.execute(
                "INSERT INTO trials (id, kind, status, config, source, created) VALUES (?, ?, ?, ?, ?, ?)",
                (trial_id, kind, PENDING, json.dumps(config), source, time.time()),
            )

    def finish(self, trial_id: int, *, objectives: dict[str, float] | None, constraints: dict[str, float],
               feasible: bool, reason: str, per_task: dict[str, Any], failed: bool, seconds: float,
               evaluations: list[Evaluation] = (), extra: dict[str, Any] | None = None,
               completions: list[dict] = ()) -> None:
        """Write the trial's artifacts (and LLM completions), then mark it completed (or failed)
        durably."""
        for evaluation in evaluations:
            self._write_artifacts(trial_id, evaluation)
        if completions:
            with open(self.root / "completions.jsonl", "a") as log:
                for record in completions:
                    log.write(json.dumps({k: v for k, v in record.items() if k != "cached"}) + "\n")
        with self.db:
            self.db.execute(
                "UPDATE trials SET status=?, objectives=?, constraints=?, feasible=?, reason=?, per_task=?,"
                " extra=?, finished=?, seconds=? WHERE id=?",
                (FAILED if failed else COMPLETED, json.dumps(objectives), json.dumps(constraints),
                 int(feasible), reason, json.dumps(per_task), json.dumps(extra or {}), time.time(), seconds,
                 trial_id),
            )

    def trial_dir(self, trial_id: int) -> Path:
        return self.root / "trials" / f"{trial_id:06d}"

    def _write_artifacts(self, trial_id: int, evaluation: Evaluation) -> None:
        folder = artifact_dir(self.root, trial_id, evaluation.task, evaluation.sample)
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in evaluation.artifacts.items():
            (folder / name).write_text(text)
        (folder / "evaluation.json").write_text(json.dumps(evaluation.to_dict(), indent=1))

    # -- reading -------------------------------------------------------------------------------

    def trials(self, status: str | None = None) -> list[Trial]:
        """Return the trials in id order (only those with ``status`` when given)."""
        query = "SELECT id, kind, status, config, objectives, constraints, feasible, reason, per_task, source," \
                " seconds, extra FROM trials"
        rows = self.db.execute(query + (" WHERE status=?" if status else "") + " ORDER BY id",
                               (status,) if status else ()).fetchall()
        return [
            Trial(r[0], r[1], r[2], json.loads(r[3]), json.loads(r[4]) if r[4] else None,
                  json.loads(r[5]) if r[5] else {}, bool(r[6]), r[7] or "",
                  json.loads(r[8]) if r[8] else {}, r[9] or "", r[10], json.loads(r[11]) if r[11] else {})
            for r in rows
        ]

    def count(self, kind: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM trials WHERE kind=?", (kind,)).fetchone()[0]
