"""The trial table is checked when opened: damage (a truncated file, overwritten bytes, a bad
value, an emptied file, no table) is one line from ``status``, ``pareto`` and ``run --resume``,
never a traceback and never a fresh start; ``rtlbo repair`` keeps every readable trial (from the
damaged file and the last good copy) and the campaign then resumes to its end."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from objectives.errors import RtlboError
from objectives.scoring import TaskSummary
from optimize.loop import run
from optimize.runs import Run
from optimize.store import BACKUP, DAMAGED, DB, Store, TrialKind, TrialStatus, repair

from .in_process import run_cli

RTLBO = str(Path(sys.executable).parent / "rtlbo")
QUIET = Console(file=open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the tests
BUDGET = 4


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished Sobol campaign (baseline + 4 trials on adder32); its evaluations are cached."""
    folder = tmp_path_factory.mktemp("finished")
    path = folder / "campaign.yaml"
    path.write_text(yaml.safe_dump({"name": "store", "tasks": {"suite": "builtin", "select": ["adder32"]},
                                    "budget": {"trials": BUDGET}, "batch_size": 2, "optimizer": "sobol",
                                    "output": str(folder / "run")}))
    run(path, resume=False, output=None, console=QUIET)
    return folder / "run"


def _sql(statement: str) -> Callable[[Path], None]:
    def damage(db: Path) -> None:
        with contextlib.closing(sqlite3.connect(db)) as conn, conn:
            conn.execute(statement)
    return damage


def _overwrite(start: int, length: int | None = None) -> Callable[[Path], None]:
    def damage(db: Path) -> None:
        size = db.stat().st_size
        with open(db, "r+b") as handle:
            handle.seek(start)
            handle.write(random.Random(0).randbytes(length or size - start))
    return damage


def _replace_with_other_table(db: Path) -> None:
    db.unlink()
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE notes (text TEXT)")


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (lambda db: os.truncate(db, db.stat().st_size // 2), "database disk image is malformed"),
    "header-overwritten": (_overwrite(0, 100), "file is not a database"),
    "pages-overwritten": (_overwrite(4096), "malformed"),
    "bad-json": (_sql("UPDATE trials SET objectives='{\"power\": 0.9,' WHERE id=2"),
                 "trial 2: 'objectives' is not valid JSON"),
    "not-finite": (_sql("UPDATE trials SET objectives='{\"power\": NaN}' WHERE id=3"), "not a finite number"),
    "bad-status": (_sql("UPDATE trials SET status='done' WHERE id=1"), "trial 1: unknown status 'done'"),
    "config-not-object": (_sql("UPDATE trials SET config='[1, 2]' WHERE id=4"), "'config' is not a JSON dict"),
    "id-gap": (_sql("DELETE FROM trials WHERE id=2"), "trial ids jump from 1 to 3"),
    "missing-column": (_sql("ALTER TABLE trials DROP COLUMN per_task"), "lacks column(s) per_task"),
    "bad-summary": (_sql("UPDATE trials SET per_task='{\"adder32\": {\"pad\": 1}}' WHERE id=2"),
                    "trial 2: 'per_task' holds something other than task summaries"),
    "objective-not-positive": (_sql("UPDATE trials SET objectives='{\"power\": -1.0, \"delay\": 1.0, \"area\": 1.0}' "
                                    "WHERE id=2"), "trial 2: an objective (a ratio to the baseline flow's) is not "
                                                   "above 0"),
    "emptied": (lambda db: db.write_bytes(b""), "holds no trial table"),
    "other-table": (_replace_with_other_table, "holds no trial table"),
}


def damaged_copy(finished_run: Path, tmp_path: Path, how: str, backup: bool = True) -> Path:
    run_dir = tmp_path / "run"
    shutil.copytree(finished_run, run_dir)
    if not backup:
        (run_dir / BACKUP).unlink()
    DAMAGE[how][0](run_dir / DB)
    return run_dir


def snapshot(run_dir: Path) -> dict[str, bytes]:
    """Every file of a run directory with its content (SQLite's journal files aside)."""
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in run_dir.rglob("*")
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


def rows(run_dir: Path) -> dict[int, dict]:
    with Store(run_dir, readonly=True) as store:
        return {t.id: {"status": t.status, "config": t.config, "objectives": t.objectives} for t in store.trials()}


@pytest.mark.parametrize("how", DAMAGE)
def test_damage_is_one_line_for_every_command_that_opens_the_run(how: str, finished_run: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture):
    run_dir = damaged_copy(finished_run, tmp_path, how)
    before = snapshot(run_dir)
    for args in (["status", str(run_dir)], ["pareto", str(run_dir)], ["run", str(run_dir), "--resume"]):
        code, _, err = run_cli(args, monkeypatch, capsys)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1, (args, err)
        assert f"{run_dir / DB} is damaged" in lines[0] and DAMAGE[how][1] in lines[0], lines[0]
        assert f"'rtlbo repair {run_dir}'" in lines[0]
    assert snapshot(run_dir) == before, "nothing may change, let alone start from scratch"


def test_the_installed_command_reports_damage_the_same(finished_run: Path, tmp_path: Path):
    run_dir = damaged_copy(finished_run, tmp_path, "emptied")
    for args in (["status", str(run_dir)], ["run", str(run_dir), "--resume"]):
        done = subprocess.run([RTLBO, *args], capture_output=True, text=True, timeout=300)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr and "is damaged" in done.stderr


@pytest.mark.parametrize("how", DAMAGE)
def test_repair_keeps_every_readable_trial_then_the_campaign_resumes(how: str, finished_run: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture):
    original = rows(finished_run)
    run_dir = damaged_copy(finished_run, tmp_path, how)
    code, out, _ = run_cli(["repair", str(run_dir)], monkeypatch, capsys)
    assert code == 0 and f"repaired {run_dir}: kept" in out and f"rtlbo run {run_dir} --resume" in out
    assert (run_dir / DAMAGED).is_file()
    repaired = rows(run_dir)
    # The last good copy holds every trial of a finished run: nothing is lost, and a trial whose
    # results were damaged in place is pending again (or its intact copy is used).
    assert len(repaired) == len(original)
    kept = [t for t in original.values() if t["config"] in [r["config"] for r in repaired.values()]]
    assert len(kept) == len(repaired)
    for trial in repaired.values():
        if trial["status"] == TrialStatus.COMPLETED:
            assert trial in original.values()
    code, _, err = run_cli(["run", str(run_dir), "--resume"], monkeypatch, capsys)
    assert code == 0, err
    final = rows(run_dir)
    assert not [t for t in final.values() if t["status"] == TrialStatus.PENDING]
    with Store(run_dir, readonly=True) as store:
        assert store.count(TrialKind.PROPOSED) == BUDGET
    for trial_id, trial in repaired.items():
        if trial["status"] == TrialStatus.COMPLETED:
            assert final[trial_id] == trial, "a repaired trial changed on resume"


def test_repair_without_a_copy_salvages_the_damaged_file(finished_run: Path, tmp_path: Path):
    run_dir = damaged_copy(finished_run, tmp_path, "bad-json", backup=False)
    repaired = repair(run_dir)
    assert (repaired.kept, repaired.from_backup, repaired.reset, repaired.lost) == (BUDGET + 1, 0, 1, 0)
    assert rows(run_dir)[2]["status"] == TrialStatus.PENDING and rows(run_dir)[2]["objectives"] is None


def test_task_summaries_are_typed_and_tables_from_before_a_field_still_load(finished_run: Path, tmp_path: Path):
    run_dir = tmp_path / "run"
    shutil.copytree(finished_run, run_dir)
    with contextlib.closing(sqlite3.connect(run_dir / DB)) as db:
        written = {row[0]: json.loads(row[1]) for row in db.execute("SELECT id, per_task FROM trials")}
    with Store(run_dir, readonly=True) as store:
        trials = store.trials()
        assert store.get(1) == trials[1]
        with pytest.raises(RtlboError, match=f"no trial 99 in {run_dir}"):
            store.get(99)
    for trial in trials:
        assert all(isinstance(s, TaskSummary) for s in trial.per_task.values())
        assert {task: s.to_dict() for task, s in trial.per_task.items()} == written[trial.id]
    summary = trials[1].per_task["adder32"]
    assert summary.metrics.area_um2 > 0 and summary.ratio and summary.key and summary.netlist

    # A summary as the first run directories wrote it: no sample, netlist digest nor reuse flag.
    old = {k: v for k, v in written[1]["adder32"].items() if k not in ("sample", "netlist", "measurement_reused")}
    _sql(f"UPDATE trials SET per_task='{json.dumps({'adder32': old})}' WHERE id=1")(run_dir / DB)
    with Store(run_dir) as store:
        loaded = store.get(1).per_task["adder32"]
    assert (loaded.sample, loaded.netlist, loaded.measurement_reused) == (None, "", False)
    assert (loaded.metrics, loaded.ratio, loaded.feasible) == (summary.metrics, summary.ratio, summary.feasible)


def test_repair_of_an_intact_table_changes_nothing(finished_run: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    run_dir = tmp_path / "run"
    shutil.copytree(finished_run, run_dir)
    code, out, _ = run_cli(["repair", str(run_dir)], monkeypatch, capsys)
    assert code == 0 and "not damaged; nothing to repair" in out
    assert not (run_dir / DAMAGED).exists() and rows(run_dir) == rows(finished_run)


def test_repair_reads_the_rows_on_either_side_of_a_damaged_page(tmp_path: Path):
    """A large table with one page in its middle destroyed, and no copy: the rows before and after
    it are kept (renumbered without gaps, artifact folders following), those on it are lost."""
    run_dir = tmp_path / "run"
    Store.create(run_dir)
    with Store(run_dir) as store:
        for trial_id in range(300):
            store.add_pending(trial_id, TrialKind.PROPOSED, {"knob": trial_id})
            store.finish(trial_id, objectives={"power": 1.0}, constraints={}, feasible=True, reason="",
                         per_task={"pad": TaskSummary(True, "x" * 400, "")}, failed=False, seconds=1.0)
            (run_dir / "trials" / f"{trial_id:06d}").mkdir(parents=True)
            (run_dir / "trials" / f"{trial_id:06d}" / "knob.json").write_text(json.dumps(trial_id))
    (run_dir / BACKUP).unlink()
    size = (run_dir / DB).stat().st_size
    _overwrite(size // 2 // 4096 * 4096, 4096)(run_dir / DB)
    with pytest.raises(RtlboError, match="is damaged"):
        Store(run_dir, readonly=True)
    repaired = repair(run_dir)
    assert 250 < repaired.kept < 300 and repaired.lost == 300 - repaired.kept
    with Store(run_dir, readonly=True) as store:
        trials = store.trials()
    knobs = [t.config["knob"] for t in trials]
    assert knobs == sorted(knobs) and knobs[0] == 0 and knobs[-1] == 299, "rows after the damaged page are kept"
    for trial in trials:  # each artifact folder moved with its trial
        assert json.loads((run_dir / "trials" / f"{trial.id:06d}" / "knob.json").read_text()) == trial.config["knob"]
    assert len(list((run_dir / "trials.lost").iterdir())) == repaired.lost


@pytest.mark.parametrize(("statement", "message"), [
    ("UPDATE trials SET objectives='{\"power\": 1.0, \"area\": 1.0}' WHERE id=2",
     "trial 2 lacks an objective the campaign has"),
    ("UPDATE trials SET kind='proposed' WHERE id=0", "trial 0 is no baseline")])
def test_rows_that_read_but_no_campaign_writes_are_one_line(statement: str, message: str, finished_run: Path,
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture):
    run_dir = tmp_path / "run"
    shutil.copytree(finished_run, run_dir)
    _sql(statement)(run_dir / DB)
    for command in (["status", str(run_dir)], ["pareto", str(run_dir)]):
        code, _, err = run_cli(command, monkeypatch, capsys)
        assert code == 2 and message in err and err.count("\n") == 1, err


def test_a_lock_file_that_cannot_be_opened_is_one_line(finished_run: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    run_dir = tmp_path / "run"
    shutil.copytree(finished_run, run_dir)
    (run_dir / ".lock").unlink(missing_ok=True)
    (run_dir / ".lock").mkdir()
    code, _, err = run_cli(["run", str(run_dir), "--resume"], monkeypatch, capsys)
    assert code == 2 and "lock file" in err and err.count("\n") == 1, err


@pytest.mark.parametrize(("edit", "problem", "lost"), [
    ("UPDATE trials SET config=json_remove(config, '$.flatten') WHERE id=2",
     "trial 2's configuration: missing knob 'flatten'", 1),
    ("UPDATE trials SET config=json_set(config, '$.abc_recipe', 'bogus') WHERE id=2",
     "trial 2's configuration: abc_recipe='bogus' is outside its domain", 1),
    ("UPDATE trials SET proposal=json_set(config, '$.abc_delay_target', 'x') WHERE id=3",
     "trial 3's proposal: abc_delay_target='x' is outside its domain", 0),
])
def test_a_trial_edited_outside_the_space_is_damage_that_repair_mends(edit: str, problem: str, lost: int,
                                                                      finished_run: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture):
    """A configuration or proposal no longer of the run's space (an edit by hand) is one line from
    resume naming the trial, not a traceback; repair drops the configuration (or the proposal) and
    the campaign then resumes to its end."""
    run_dir = tmp_path / "run"
    shutil.copytree(finished_run, run_dir)
    _sql(edit)(run_dir / DB)
    code, _, err = run_cli(["run", str(run_dir), "--resume"], monkeypatch, capsys)
    assert code == 2 and f"is damaged ({problem}); recover every readable trial" in " ".join(err.split()), err
    code, out, _ = run_cli(["repair", str(run_dir)], monkeypatch, capsys)
    assert code == 0 and f"lost {lost};" in out, out
    assert len(rows(run_dir)) == len(rows(finished_run)) - lost
    code, _, err = run_cli(["run", str(run_dir), "--resume"], monkeypatch, capsys)
    assert code == 0, err
    proposed = [t for t in Run.load(run_dir).trials if t.kind == TrialKind.PROPOSED]
    assert len(proposed) - sum(t.repeats for t in proposed) == BUDGET
