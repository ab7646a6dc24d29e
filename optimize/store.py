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
      trials.sqlite.bak    the last good copy: the table as of the last trial finished (or the
                           last start, when it was checked)
      .lock                held by the process running the campaign

A trial row is written ``pending`` before its evaluation starts and ``completed`` or ``failed``
(with its artifacts already on disk) before the next proposal is made.

Opening a store checks it (SQLite's integrity check, the table's columns, every row's values);
damage is an RtlboError that points to :func:`repair`, which keeps every readable trial.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from objectives.errors import RtlboError
from objectives.results import Evaluation
from objectives.scoring import TaskSummary
from objectives.scratch import scratch_dir


class TrialStatus(StrEnum):
    """Where a trial stands: ``pending`` (written before its evaluation starts), ``completed``
    (measured: feasible or not), or ``failed`` (no measurement: a tool or the worker failed)."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


# The sources of proposed trials the campaign drew at random (see optimize.loop): beside a proposal
# of a configuration already measured, as the optimizer's initialization, and between its proposals.
EXPLORATION = "explored: the optimizer proposed a flow already measured"
INITIAL_DRAW = "drawn: the optimizer's initialization"
INTERLEAVED = "drawn: between the optimizer's proposals"
DRAWN = (EXPLORATION, INITIAL_DRAW, INTERLEAVED)


class TrialKind(StrEnum):
    """Where a trial's configuration comes from: the ``baseline`` flow, ``proposed`` by the
    optimizer, or ``imported`` from an earlier run (warm start)."""

    BASELINE = "baseline"
    PROPOSED = "proposed"
    IMPORTED = "imported"


COMPLETED = TrialStatus.COMPLETED  # the name optimize/surrogate.py imports

DB, BACKUP, DAMAGED = "trials.sqlite", "trials.sqlite.bak", "trials.sqlite.damaged"

_SCHEMA = """
CREATE TABLE trials (
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
    seconds REAL,
    proposal TEXT
);
"""
_COLUMNS = ("id", "kind", "status", "config", "objectives", "constraints", "feasible", "reason", "per_task",
            "extra", "source", "created", "finished", "seconds", "proposal")
_ADDED = ("proposal",)  # columns newer than the first run directories: added when such a run is opened


@dataclass
class Trial:
    """One row of the trial table. ``proposal`` is the optimizer's own proposal when it differs
    from ``config`` (idle knobs not yet at their defaults), for replaying it exactly."""

    id: int
    kind: TrialKind
    status: TrialStatus
    config: dict[str, Any]
    objectives: dict[str, float] | None
    constraints: dict[str, float]
    feasible: bool
    reason: str
    per_task: dict[str, TaskSummary]
    source: str
    seconds: float | None
    extra: dict[str, Any] = field(default_factory=dict)
    proposal: dict[str, Any] | None = None

    @property
    def measured_by(self) -> int:
        """The trial whose evaluation (and artifacts) this one's outcome is: itself, or for a
        repeated configuration the first trial of it."""
        return self.extra.get("repeat_of", self.id)

    @property
    def repeats(self) -> bool:
        """Whether this trial repeated an earlier one: its configuration, or the netlists its
        configuration produced on every task (``netlists_of``). A repeat is not counted toward
        the campaign's budget."""
        return "repeat_of" in self.extra or "netlists_of" in self.extra


class Damaged(Exception):
    """What is wrong with a trial table (a row, a column, the file); :func:`repair` reads it."""


def artifact_dir(root: Path, trial_id: int, task: str, sample: int | None) -> Path:
    """Return where a trial's artifacts for a task (and LLM sample) live."""
    folder = Path(root) / "trials" / f"{trial_id:06d}" / task
    return folder if sample is None else folder / f"sample{sample}"


def damage_message(root: Path, problem: str) -> str:
    """Return the one-line error for a damaged trial table: what is wrong and how to recover."""
    return (f"{root / DB} is damaged ({problem[:200]}); recover every readable trial with "
            f"'rtlbo repair {root}', then resume")


class Store:
    """A run directory. Opened for writing, it holds the run's lock until :meth:`close`; opened
    ``readonly`` (status, reports) it takes no lock and may read while a campaign runs.

    Raises RtlboError when the directory has no trial table, when another process holds the lock,
    or when the table is damaged (see :func:`repair`).
    """

    def __init__(self, root: Path, readonly: bool = False):
        self.root = Path(root)
        if not (self.root / DB).is_file():
            raise RtlboError(f"{self.root} is not a run directory (no {DB}); check the path")
        self._lock = None if readonly else _lock(self.root)
        try:
            self.db = _connect(self.root / DB, readonly=True)  # damage is found before anything writes
            try:
                _check(self.db)
                if not readonly:
                    self.db.close()
                    self.db = _connect(self.root / DB, readonly=False)
                    _add_columns(self.db)
                    _back_up(self.db, self.root / BACKUP)
            except BaseException:
                self.db.close()
                raise
        except (sqlite3.Error, Damaged) as exc:
            self._unlock()
            raise RtlboError(damage_message(self.root, str(exc))) from None
        except BaseException:
            self._unlock()
            raise

    @staticmethod
    def create(root: Path) -> None:
        """Create the empty trial table of a new run directory (atomically: a kill leaves either
        no table or a whole one)."""
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        _write_table(root / DB, [])

    def _unlock(self) -> None:
        if self._lock is not None:
            _release(self._lock)
            self._lock = None

    def close(self) -> None:
        self.db.close()
        self._unlock()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------

    def add_pending(self, trial_id: int, kind: TrialKind, config: dict[str, Any], source: str = "",
                    proposal: dict[str, Any] | None = None) -> None:
        """Record a trial about to be evaluated (with the optimizer's ``proposal`` when it differs
        from ``config``)."""
        with self.db:
            self.db.execute(
                "INSERT INTO trials (id, kind, status, config, source, created, proposal) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (trial_id, kind, TrialStatus.PENDING, json.dumps(config), source, time.time(),
                 json.dumps(proposal) if proposal is not None and proposal != config else None),
            )

    def finish(self, trial_id: int, *, objectives: dict[str, float] | None, constraints: dict[str, float],
               feasible: bool, reason: str, per_task: dict[str, TaskSummary], failed: bool, seconds: float,
               evaluations: list[Evaluation] = (), extra: dict[str, Any] | None = None,
               completions: list[dict] = ()) -> None:
        """Write the trial's artifacts (and LLM completions), then mark it completed (or failed)
        durably, and refresh the last good copy."""
        for evaluation in evaluations:
            evaluation.write_artifacts(artifact_dir(self.root, trial_id, evaluation.task, evaluation.sample))
        if completions:
            with open(self.root / "completions.jsonl", "a") as log:
                for record in completions:
                    log.write(json.dumps({k: v for k, v in record.items() if k != "cached"}) + "\n")
        with self.db:
            self.db.execute(
                "UPDATE trials SET status=?, objectives=?, constraints=?, feasible=?, reason=?, per_task=?,"
                " extra=?, finished=?, seconds=? WHERE id=?",
                (TrialStatus.FAILED if failed else TrialStatus.COMPLETED, json.dumps(objectives),
                 json.dumps(constraints), int(feasible), reason,
                 json.dumps({task: summary.to_dict() for task, summary in per_task.items()}),
                 json.dumps(extra or {}), time.time(), seconds, trial_id),
            )
        _back_up(self.db, self.root / BACKUP)

    # -- reading -------------------------------------------------------------------------------

    def trials(self, status: TrialStatus | None = None) -> list[Trial]:
        """Return the trials in id order (only those with ``status`` when given).

        Raises RtlboError when a row is damaged.
        """
        return [t for t in self._read() if status is None or t.status == status]

    def get(self, trial_id: int) -> Trial:
        """Return trial ``trial_id``. Raises RtlboError when there is no such trial or its row is damaged."""
        found = self._read("WHERE id=?", (trial_id,))
        if not found:
            raise RtlboError(f"no trial {trial_id} in {self.root}; 'rtlbo status {self.root}' lists them")
        return found[0]

    def _read(self, where: str = "", args: tuple = ()) -> list[Trial]:
        try:
            return [_trial(row) for row in _rows(self.db, where, args)]
        except (Damaged, sqlite3.Error) as exc:
            raise RtlboError(damage_message(self.root, str(exc))) from None

    def check_space(self, misfits: Misfits) -> None:
        """Raise RtlboError (the table is damaged: repair it) where a trial's configuration or
        proposal is outside the run's space (an edit by hand)."""
        for trial in self.trials():
            if problem := _misfit(trial, misfits):
                raise RtlboError(damage_message(self.root, problem))

    def count(self, kind: TrialKind) -> int:
        return self.db.execute("SELECT COUNT(*) FROM trials WHERE kind=?", (kind,)).fetchone()[0]


def _lock(root: Path) -> Any:
    """Return the run's lock file, locked (flock: the kernel drops it when its holder dies)."""
    try:
        handle = open(root / ".lock", "a+")  # noqa: SIM115 - held until Store.close()
    except OSError as exc:
        raise RtlboError(f"cannot open the run's lock file {root / '.lock'} ({exc.strerror}); remove or fix "
                         "it and try again") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise RtlboError(f"run directory {root} is in use by pid {holder}; wait for it to finish or stop it") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _release(handle: Any) -> None:
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)
    db = sqlite3.connect(path, timeout=60)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db


def _columns(db: sqlite3.Connection) -> list[str]:
    return [row[1] for row in db.execute("PRAGMA table_info(trials)")]


Misfits = Callable[[dict[str, Any]], list[str]]  # the knobs a configuration lacks or sets outside the run's space


def _misfit(trial: Trial, misfits: Misfits | None) -> str | None:
    """Why ``trial``'s configuration or proposal is outside the run's space, or None."""
    for what, config in (("configuration", trial.config), ("proposal", trial.proposal)):
        if misfits is not None and config is not None and (problems := misfits(config)):
            return f"trial {trial.id}'s {what}: {problems[0]}"
    return None


def _check(db: sqlite3.Connection, misfits: Misfits | None = None) -> None:
    """Raise Damaged (or sqlite3.Error) unless the file passes SQLite's integrity check and holds
    the trial table, with every row readable (inside the run's space, given its ``misfits``)
    and the ids consecutive from 0."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise Damaged(f"integrity check: {problems[0]}")
    columns = _columns(db)
    if not columns:
        raise Damaged("the file holds no trial table")
    missing = [c for c in _COLUMNS if c not in columns and c not in _ADDED]
    if missing:
        raise Damaged(f"the trial table lacks column(s) {', '.join(missing)}")
    for index, row in enumerate(_rows(db)):
        trial = _trial(row)
        if trial.id != index:
            raise Damaged(f"trial ids jump from {index - 1} to {trial.id}")
        if problem := _misfit(trial, misfits):
            raise Damaged(problem)


def _add_columns(db: sqlite3.Connection) -> None:
    """Give a table from before a column was added that column."""
    columns = _columns(db)
    with db:
        for column in _ADDED:
            if column not in columns:
                db.execute(f"ALTER TABLE trials ADD COLUMN {column} TEXT")


def _rows(db: sqlite3.Connection, where: str = "", args: tuple = ()) -> Iterator[dict[str, Any]]:
    """Yield the table's rows (column -> value) in id order."""
    cursor = db.execute(f"SELECT * FROM trials {where} ORDER BY id", args)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def _json(row: dict[str, Any], column: str, kind: type, nullable: bool = True) -> Any:
    """Return the JSON value of ``row[column]`` (None for NULL); raises Damaged when it is not
    valid JSON of ``kind``."""
    text = row.get(column)
    if text is None:
        if nullable:
            return None
        raise Damaged(f"trial {row['id']}: '{column}' is empty")
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        raise Damaged(f"trial {row['id']}: '{column}' is not valid JSON") from None
    if value is not None and not isinstance(value, kind) or value is None and not nullable:
        raise Damaged(f"trial {row['id']}: '{column}' is not a JSON {kind.__name__}")
    return value


def _trial(row: dict[str, Any]) -> Trial:
    """Return the Trial of a table row; raises Damaged naming the trial and column that is bad."""
    if not isinstance(row["id"], int) or row["id"] < 0:
        raise Damaged(f"a trial id is {row['id']!r}")
    if row["kind"] not in tuple(TrialKind):
        raise Damaged(f"trial {row['id']}: unknown kind {str(row['kind'])[:20]!r}")
    if row["status"] not in tuple(TrialStatus):
        raise Damaged(f"trial {row['id']}: unknown status {str(row['status'])[:20]!r}")
    objectives = _json(row, "objectives", dict)
    numbers = list((objectives or {}).values()) + list((_json(row, "constraints", dict) or {}).values())
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in numbers):
        raise Damaged(f"trial {row['id']}: an objective or constraint value is not a finite number")
    if not all(v > 0 for v in (objectives or {}).values()):
        raise Damaged(f"trial {row['id']}: an objective (a ratio to the baseline flow's) is not above 0")
    try:
        per_task = {task: TaskSummary.from_dict(data) for task, data in (_json(row, "per_task", dict) or {}).items()}
    except (TypeError, KeyError, ValueError):
        raise Damaged(f"trial {row['id']}: 'per_task' holds something other than task summaries") from None
    return Trial(
        row["id"], TrialKind(row["kind"]), TrialStatus(row["status"]), _json(row, "config", dict, nullable=False),
        objectives, _json(row, "constraints", dict) or {}, bool(row["feasible"]), row["reason"] or "", per_task,
        row["source"] or "", row["seconds"], _json(row, "extra", dict) or {}, _json(row, "proposal", dict),
    )


def _back_up(db: sqlite3.Connection, path: Path) -> None:
    """Copy the (checked) table to ``path``, atomically: the last good copy :func:`repair` uses."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(partial)) as copy:
        db.backup(copy)
    os.replace(partial, path)


def _write_table(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write a fresh trial table holding ``rows`` to ``path`` (atomically)."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(partial)) as db:
        db.executescript(_SCHEMA)
        with db:
            db.executemany(f"INSERT INTO trials ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                           [tuple(row.get(c) for c in _COLUMNS) for row in rows])
    for suffix in ("-wal", "-shm"):  # a previous table's journal must not be replayed into this one
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(partial, path)


# -- repair ------------------------------------------------------------------------------------

PROBE = 64  # ids looked up past the highest one known, for rows beyond a damaged page


@dataclass
class Repaired:
    """What :func:`repair` kept: trials in the rebuilt table (``from_backup`` of them from the last
    good copy, ``reset`` of them pending again because their results were unreadable), trials
    lost, and where the damaged file now is."""

    kept: int
    from_backup: int
    reset: int
    lost: int
    damaged: Path


def repair(root: Path, misfits: Misfits | None = None) -> Repaired | None:
    """Rebuild a damaged trial table from every row that can still be read, in the damaged file
    or in the last good copy; return None when the table is not damaged. A row whose
    configuration is outside the run's space (given its ``misfits``) cannot be read; one whose
    proposal is keeps its configuration.

    A row whose configuration is readable but whose results are not becomes pending (resume
    evaluates it again; the evaluation cache makes that cheap); ids are renumbered without gaps
    and artifact folders follow, those of lost trials moving to ``trials.lost/``. The damaged
    file is kept as ``trials.sqlite.damaged``. Raises RtlboError when ``root`` holds neither a
    table nor a copy, or another process holds the run.
    """
    root = Path(root)
    if not (root / DB).is_file() and not (root / BACKUP).is_file():
        raise RtlboError(f"{root} is not a run directory (no {DB}); check the path")
    handle = _lock(root)
    try:
        if (root / DB).is_file():
            try:
                with contextlib.closing(_connect(root / DB, readonly=True)) as db:
                    _check(db, misfits)
                return None
            except (Damaged, sqlite3.Error):
                pass
        found = _salvage(root / DB)
        backup = _salvage(root / BACKUP)
        known = [*found, *backup, *(int(p.name) for p in (root / "trials").glob("[0-9]" * 6))]
        found.update(_salvage(root / DB, range(max(known, default=-1) + 1 + PROBE), skip=found))
        chosen: dict[int, tuple[tuple[bool, bool], dict[str, Any]]] = {}
        for from_backup, rows in ((False, found), (True, backup)):
            for trial_id, row in rows.items():
                usable = _usable(row, misfits)
                preference = (usable is not row, from_backup)  # whole rows first, then the newer file's
                if usable is not None and (trial_id not in chosen or preference < chosen[trial_id][0]):
                    chosen[trial_id] = (preference, usable)
        damaged = _keep_damaged(root)
        old_ids = sorted(chosen)
        _renumber_artifacts(root, old_ids)
        new_ids = {old: new for new, old in enumerate(old_ids)}
        rows = [_renumbered(chosen[old][1], new_ids) for old in old_ids]
        _write_table(root / DB, rows)
        lost = len({*found, *backup, *known} - set(old_ids))
        preferences = [preference for preference, _ in chosen.values()]
        return Repaired(len(rows), sum(b for _, b in preferences), sum(r for r, _ in preferences), lost, damaged)
    finally:
        _release(handle)


def _salvage(path: Path, ids: range | None = None, skip: dict | None = None) -> dict[int, dict[str, Any]]:
    """Return the rows that can be read from the trial table in ``path``, by id: a scan in id
    order until the first unreadable page, or (``ids``) a lookup of each id not in ``skip``.

    The file and its journal are read from a copy, so that the damaged original stays as it is.
    """
    rows: dict[int, dict[str, Any]] = {}
    if not path.is_file():
        return rows
    with scratch_dir() as tmp:
        for suffix in ("", "-wal"):
            if path.with_name(path.name + suffix).is_file():
                shutil.copy(path.with_name(path.name + suffix), Path(tmp) / (DB + suffix))
        try:
            db = sqlite3.connect(Path(tmp) / DB)
        except sqlite3.Error:
            return rows
        with contextlib.closing(db):
            if ids is None:
                with contextlib.suppress(sqlite3.Error):
                    for row in _rows(db):
                        rows[row["id"]] = row
            else:
                for trial_id in ids:
                    if trial_id not in (skip or {}):
                        with contextlib.suppress(sqlite3.Error):
                            rows.update((row["id"], row) for row in _rows(db, "WHERE id=?", (trial_id,)))
    return {k: v for k, v in rows.items() if isinstance(k, int)}


def _usable(row: dict[str, Any], misfits: Misfits | None) -> dict[str, Any] | None:
    """Return ``row`` when it reads whole, a pending copy of it when only its configuration reads
    (to evaluate again), or None; a proposal that does not read, or lies outside the run's space,
    is dropped."""
    try:
        config = _json(row, "config", dict, nullable=False)
    except (Damaged, KeyError):
        return None
    if misfits is not None and misfits(config):
        return None
    try:
        _trial(row)
    except (Damaged, KeyError, TypeError):
        if row.get("kind") not in tuple(TrialKind):
            return None
        row = _pending(row)
    try:
        proposal = _json(row, "proposal", dict)
    except Damaged:
        return {**row, "proposal": None}
    return {**row, "proposal": None} if proposal and misfits is not None and misfits(proposal) else row


def _pending(row: dict[str, Any]) -> dict[str, Any]:
    """Return ``row`` without results: pending, to be evaluated again."""
    results = ("objectives", "constraints", "feasible", "reason", "per_task", "extra", "finished", "seconds")
    return {**row, **dict.fromkeys(results), "status": TrialStatus.PENDING}


def _renumbered(row: dict[str, Any], new_ids: dict[int, int]) -> dict[str, Any]:
    """Return ``row`` under its new id; a repeat points to its first trial's new id, or is pending
    again when that trial was lost."""
    row = {**row, "id": new_ids[row["id"]]}
    extra = json.loads(row["extra"]) if row.get("extra") else {}
    if "repeat_of" not in extra:
        return row
    if extra["repeat_of"] in new_ids:
        return {**row, "extra": json.dumps({**extra, "repeat_of": new_ids[extra["repeat_of"]]})}
    return _pending(row)


def _keep_damaged(root: Path) -> Path:
    """Copy the damaged table (and its journal) beside it under a free name; return that path."""
    target = root / DAMAGED
    number = 1
    while target.exists():
        target, number = root / f"{DAMAGED}.{number}", number + 1
    for suffix in ("", "-wal"):
        source = root / (DB + suffix)
        if source.is_file():
            shutil.copy(source, target.with_name(target.name + suffix))
    return target


def _renumber_artifacts(root: Path, old_ids: list[int]) -> None:
    """Move artifact folders to the ids trials get when ``old_ids`` are renumbered 0, 1, ...;
    folders of trials not kept go to ``trials.lost/``."""
    folder = root / "trials"
    keep = set(old_ids)
    for path in sorted(folder.glob("[0-9]" * 6)):
        if int(path.name) not in keep:
            (root / "trials.lost").mkdir(exist_ok=True)
            os.replace(path, root / "trials.lost" / path.name)
    for new, old in enumerate(old_ids):  # new <= old, so in increasing order no target is taken
        if new != old and (folder / f"{old:06d}").is_dir():
            os.replace(folder / f"{old:06d}", folder / f"{new:06d}")
