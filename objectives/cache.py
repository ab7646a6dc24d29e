"""The content-addressed evaluation cache: an SQLite file of JSON records keyed by content hash.

Keys are built by :func:`objectives.cascade.evaluation_key` from the RTL, the testbench, the
recipe, the liberty and the tool versions, so a hit is always the answer the tools would give.
Records are zlib-compressed JSON; a hit returns the identical record. The cache is derived data:
a record that no longer decodes (a damaged file) is a miss, and the evaluation that follows
replaces it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import zlib
from dataclasses import asdict
from pathlib import Path

from objectives.errors import RtlboError
from objectives.results import Evaluation, StageResult


def default_cache_path() -> Path:
    """Return $RTLBO_CACHE, else ~/.cache/rtlbo/evaluations.sqlite."""
    env = os.environ.get("RTLBO_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "rtlbo" / "evaluations.sqlite"


class EvalCache:
    """Evaluations and front-stage (syntax, simulation) results by key. Safe across threads and
    processes (SQLite WAL, one connection per thread)."""

    def __init__(self, path: str | Path | None = None):
        """Open (or create) the cache at ``path``; raises RtlboError, without touching the file,
        when the file there is not one (another database, or not a database)."""
        self.path = Path(path) if path else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        db = sqlite3.connect(self.path, timeout=60)  # checked before journal mode or schema touch the file
        try:
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            columns = [row[1] for row in db.execute("PRAGMA table_info(records)")]
            ours = tables in ([], ["records"]) and columns in ([], ["key", "kind", "body"])
            problem = "" if ours else f"tables {', '.join(tables)}"
        except sqlite3.DatabaseError as exc:
            problem = str(exc)
        if problem:
            db.close()
            raise RtlboError(f"{self.path} is not an rtlbo evaluation cache ({problem}); move it aside, or give "
                             "another cache file (--cache, 'cache' in a campaign, or $RTLBO_CACHE)")
        self._local.db = _configured(db)  # this thread's connection
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, kind TEXT, body BLOB)")

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = _configured(sqlite3.connect(self.path, timeout=60))
        return db

    def _get(self, key: str, kind: str) -> object | None:
        row = self._db().execute("SELECT body FROM records WHERE key=? AND kind=?", (key, kind)).fetchone()
        try:
            return json.loads(zlib.decompress(row[0])) if row else None
        except (zlib.error, TypeError, ValueError):  # damaged (zlib's checksum, a body not bytes, not JSON)
            return None

    def _put(self, key: str, kind: str, value: object) -> None:
        body = zlib.compress(json.dumps(value, sort_keys=True).encode())
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", (key, kind, body))

    def __contains__(self, key: str) -> bool:
        """Whether an evaluation is stored under ``key`` (without reading it)."""
        query = "SELECT 1 FROM records WHERE key=? AND kind='evaluation'"
        return self._db().execute(query, (key,)).fetchone() is not None

    def get(self, key: str) -> Evaluation | None:
        """Return the stored Evaluation for ``key`` (marked ``cached``), or None."""
        data = self._get(key, "evaluation")
        if data is None:
            return None
        evaluation = Evaluation.from_dict(data)
        evaluation.cached = True
        return evaluation

    def put(self, evaluation: Evaluation) -> None:
        """Store ``evaluation`` under its key."""
        self._put(evaluation.key, "evaluation", evaluation.to_dict(artifacts=True))

    def get_record(self, kind: str, key: str) -> dict | None:
        """Return another kind of record (e.g. an LLM completion) stored under ``key``, or None."""
        return self._get(key, kind)

    def put_record(self, kind: str, key: str, record: dict) -> None:
        """Store a record of ``kind`` under ``key``."""
        self._put(key, kind, record)

    def get_stages(self, key: str) -> list[StageResult] | None:
        """Return the stored front-stage results for ``key``, or None."""
        data = self._get(key, "stages")
        return [StageResult(**s) for s in data] if data is not None else None

    def put_stages(self, key: str, stages: list[StageResult]) -> None:
        """Store front-stage results under ``key``."""
        self._put(key, "stages", [asdict(s) for s in stages])

    def __len__(self) -> int:
        return self._db().execute("SELECT COUNT(*) FROM records WHERE kind='evaluation'").fetchone()[0]


def _configured(db: sqlite3.Connection) -> sqlite3.Connection:
    """Return ``db`` set up for many readers and writers across processes (WAL)."""
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db
