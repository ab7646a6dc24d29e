"""Per-task configurations: a campaign that searches one configuration per task, its export (each
task with its own flow, reproduced by ``rtlbo eval --config``) and the report comparing it with
one shared configuration."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from objectives.tasks import builtin_tasks
from objectives.technology import Technology
from objectives.trial import recipe_of
from optimize.package import RTL
from optimize.runs import compare_flows, load_runs, task_runs
from optimize.store import TrialKind, TrialStatus

RTLBO = str(Path(sys.executable).parent / "rtlbo")
TASKS = ["mul8", "seqdet"]
TOPS = {t.name: t.top for t in builtin_tasks()}
LIBERTY = Technology.from_env().liberty


def rtlbo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RTLBO, *args], capture_output=True, text=True, timeout=900)


def campaign(folder: Path, name: str, configuration: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({
        "name": name, "tasks": {"suite": "builtin", "select": TASKS}, "configuration": configuration,
        "budget": {"trials": 4}, "batch_size": 2, "optimizer": "sobol", "output": str(folder / name),
        "constraints": {"gate_level_simulation": "unproved"}}))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A per-task campaign and a shared one over the same tasks, run through the command line."""
    folder = tmp_path_factory.mktemp("per_task")
    for name, configuration in (("own", "per_task"), ("shared", "shared")):
        done = rtlbo("run", str(campaign(folder, name, configuration)))
        assert done.returncode == 0, done.stderr
    return {"own": folder / "own", "shared": folder / "shared", "folder": folder}


def test_a_per_task_campaign_runs_one_campaign_per_task(runs: dict[str, Path]):
    folders = task_runs(runs["own"])
    assert list(folders) == TASKS
    for task, run in zip(TASKS, load_runs(runs["own"]), strict=True):
        assert list(run.baseline.per_task) == [task], "each task's run evaluates that task alone"
        proposed = [t for t in run.trials if t.kind == TrialKind.PROPOSED]
        assert sum(not t.repeats for t in proposed) == 4 and all(t.status == TrialStatus.COMPLETED for t in proposed)
    assert task_runs(runs["shared"]) == {}
    status = rtlbo("status", str(runs["own"]))
    assert status.returncode == 0 and status.stdout.count("4/4 trials proposed") == 2
    before = [len(r.trials) for r in load_runs(runs["own"])]
    resumed = rtlbo("run", str(runs["own"]), "--resume")
    assert resumed.returncode == 0 and [len(r.trials) for r in load_runs(runs["own"])] == before, "nothing re-run"


def test_the_export_holds_each_tasks_own_flow_and_reproduces(runs: dict[str, Path]):
    out = runs["folder"] / "best"
    done = rtlbo("export", str(runs["own"]), "--out", str(out))
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["configuration"] == "per_task" and list(config["per_task"]) == TASKS
    for task, run in zip(TASKS, load_runs(runs["own"]), strict=True):
        chosen = config["per_task"][task]
        assert chosen["source"]["run"] == str(run.root)
        trial = run.trial(chosen["source"]["trial"])
        assert chosen["knobs"] == trial.config and chosen["objectives"] == trial.objectives
        period = json.loads((out / task / "metrics.json").read_text())["metrics"]["period_ns"]
        expected = recipe_of(trial.config).yosys_script([RTL], TOPS[task], str(LIBERTY), period)
        assert (out / task / "synth.ys").read_text() == expected, "each task's script is its own recipe's"
    reproduced = rtlbo("eval", "--config", str(out), "--no-cache")
    assert reproduced.returncode == 0, reproduced.stdout + reproduced.stderr
    assert "reproduced every exported metric of 2 task(s) exactly" in reproduced.stderr


def test_the_report_compares_own_and_shared_configurations(runs: dict[str, Path]):
    own, shared = load_runs(runs["own"]), load_runs(runs["shared"])[0]
    rows = compare_flows(shared, own)
    assert [r.task for r in rows] == TASKS
    pick = shared.ranked()[0].trial
    for row, run in zip(rows, own, strict=True):
        assert row.shared == pick.per_task[row.task].ratio
        assert row.own == run.ranked()[0].trial.objectives
    for row in compare_flows(shared):  # each task's own, from the shared campaign's trials on it
        assert row.own == shared.ranked(row.task)[0].trial.objectives
        # The own pick is on that task's Pareto front: the shared pick cannot dominate it there.
        assert not (all(row.shared[n] <= row.own[n] for n in row.own) and row.shared != row.own)
    done = rtlbo("report", str(runs["own"]), "--against", str(runs["shared"]))
    assert done.returncode == 0, done.stderr
    page = (runs["own"] / "report" / "index.html").read_text()
    assert "own / shared" in page and all(f"tasks/{t}/report/index.html" in page for t in TASKS)
    done = rtlbo("report", str(runs["shared"]))
    assert done.returncode == 0, done.stderr
    assert "One configuration per task" in (runs["shared"] / "report" / "index.html").read_text()
    wrong = rtlbo("report", str(runs["shared"]), "--against", str(runs["own"]))
    assert wrong.returncode != 0 and "--against" in wrong.stderr


def test_a_per_task_run_warm_starts_a_campaign_with_each_tasks_trials(runs: dict[str, Path]):
    """Each task's campaign of the per-task run is imported; every trial is re-scored from the
    cache on this campaign's task, where its flow was measured."""
    path = campaign(runs["folder"], "again", "per_task")
    done = rtlbo("run", str(path), "--warm-start", str(runs["own"]))
    assert done.returncode == 0, done.stderr
    for task, folder in task_runs(runs["folder"] / "again").items():
        imported = [t for t in load_runs(folder)[0].trials if t.kind == TrialKind.IMPORTED]
        own = f"{runs['own'] / 'tasks' / task}#"
        assert any(t.source.startswith(own) for t in imported), (task, [t.source for t in imported])
        assert all(t.objectives for t in imported)
