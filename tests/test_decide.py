"""Deciding and reusing on a real small campaign: pareto, export + reproduce, warm start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from optimize.loop import run
from optimize.runs import Run
from optimize.store import TrialKind

from .conftest import optimizer_libraries_imported

RTLBO = str(Path(sys.executable).parent / "rtlbo")
QUIET = Console(file=open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the tests
TASKS = ["mul8", "seqdet"]


def rtlbo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RTLBO, *args], capture_output=True, text=True, timeout=600)


def write_campaign(folder: Path, name: str, **fields) -> Path:
    data = {"name": name, "tasks": {"suite": "builtin", "select": TASKS}, "budget": {"trials": 8},
            "batch_size": 4, "executor": {"workers": 2}, "optimizer": "sobol", "output": str(folder / name)}
    data.update(fields)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("decide")
    run(write_campaign(folder, "q0"), resume=False, output=None, console=QUIET)
    return folder / "q0"


def test_pareto_lists_the_front_with_scores(campaign: Path):
    done = rtlbo("pareto", str(campaign), "--prefer", "power=1,delay=3,area=1")
    assert done.returncode == 0, done.stderr
    assert "hypervolume" in done.stdout and "reference: the baseline flow × 2" in done.stdout
    assert "PAMA pick" in done.stdout and "best for power=1,delay=3,area=1" in done.stdout
    front = Run.load(campaign).front()
    assert front and all(f"│ {t.id:>5} │" in done.stdout for t in front)
    per_task = rtlbo("pareto", str(campaign), "--task", "mul8")
    assert per_task.returncode == 0 and "Pareto set over task mul8" in per_task.stdout


def test_reading_a_campaign_imports_no_optimizer_library(campaign: Path, tmp_path: Path):
    for command in (["status", str(campaign)], ["pareto", str(campaign), "--task", "mul8"], ["report", str(campaign)],
                    ["export", str(campaign), "--out", str(tmp_path / "best")]):
        assert optimizer_libraries_imported(command) == set(), command


def test_pareto_explain_prints_implied_weights(campaign: Path):
    done = rtlbo("pareto", str(campaign), "--explain")
    assert done.returncode == 0, done.stderr
    assert "implied trade-off weights" in done.stdout and "stationarity gap" in done.stdout


def test_bad_preference_is_one_line(campaign: Path):
    done = rtlbo("pareto", str(campaign), "--prefer", "speed=2")
    assert done.returncode == 2 and done.stderr.startswith("error: bad preference 'speed=2'")


def test_export_reproduces_every_metric_exactly(campaign: Path, tmp_path: Path):
    out = tmp_path / "best"
    done = rtlbo("export", str(campaign), "--select", "pama", "--out", str(out))
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert set(config) >= {"knobs", "recipe", "tasks", "technology", "tool_versions", "objectives"}
    assert config["technology"]["liberty_sha256"] and config["tool_versions"]["yosys"].startswith("Yosys 0.70")
    assert config["technology"]["lef_sha256"]  # osu018's LEF prices its LATCH, which the liberty leaves at 0
    for task in TASKS:
        assert {"rtl.v", "synth.ys", "netlist.v", "metrics.json"} <= {p.name for p in (out / task).iterdir()}
    reproduced = rtlbo("eval", "--config", str(out), "--no-cache")
    assert reproduced.returncode == 0, reproduced.stdout + reproduced.stderr
    assert "reproduced every exported metric of 2 task(s) exactly" in reproduced.stderr

    one = rtlbo("eval", "--config", str(out / "config.yaml"), "--task", "mul8", "--no-cache")
    assert one.returncode == 0 and "of 1 task(s) exactly" in one.stderr

    metrics = out / "mul8" / "metrics.json"
    data = json.loads(metrics.read_text())
    data["metrics"]["area_um2"] += 1.0
    metrics.write_text(json.dumps(data))
    tampered = rtlbo("eval", "--config", str(out), "--task", "mul8", "--no-cache")
    assert tampered.returncode == 1 and "not reproduced: mul8: area_um2 exported" in tampered.stderr
    for damaged in ('{"metrics": [1, 2]}', '{"other": 1}', "{", "[" * 100000):
        metrics.write_text(damaged)
        broken = rtlbo("eval", "--config", str(out), "--task", "mul8")
        assert broken.returncode == 1 and "is not the metrics rtlbo export wrote" in broken.stderr, broken.stderr

    config["technology"]["lef_sha256"] = "0" * 64
    (out / "config.yaml").write_text(yaml.safe_dump(config))
    other = rtlbo("eval", "--config", str(out), "--task", "mul8", "--no-cache")
    assert other.returncode == 2 and "another technology (lef_sha256 differs); set RTLBO_LEF" in other.stderr


def test_exported_yosys_script_runs_standalone(campaign: Path, tmp_path: Path):
    out = tmp_path / "best"
    assert rtlbo("export", str(campaign), "--select", "trial:3", "--out", str(out)).returncode == 0
    folder = out / "mul8"
    exported = (folder / "netlist.v").read_text()
    (folder / "netlist.v").unlink()
    script = "from pyosys import libyosys as y; y.run_pass('script synth.ys', y.Design())"
    subprocess.run([sys.executable, "-c", script], cwd=folder, check=True, capture_output=True)
    assert (folder / "netlist.v").read_text() == exported


def test_warm_start_imports_trials_as_data_not_budget(campaign: Path, tmp_path: Path):
    # A narrower space: some earlier configurations fall outside it and are dropped.
    space = tmp_path / "narrow.yaml"
    full = yaml.safe_load((campaign / "space" / "synthesis.yaml").read_text())
    full["knobs"]["abc_delay_target"]["high"] = 0.5
    space.write_text(yaml.safe_dump(full))
    path = write_campaign(tmp_path, "q1", budget={"trials": 2}, space=[str(space)])
    done = subprocess.run([RTLBO, "run", str(path), "--warm-start", str(campaign)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    run_q1 = Run.load(tmp_path / "q1")
    imported = [t for t in run_q1.trials if t.kind == TrialKind.IMPORTED]
    outside = sum(t.config["abc_delay_target"] > 0.5 for t in Run.load(campaign).trials if t.kind == TrialKind.PROPOSED)
    assert len(imported) == 8 - outside and len(imported) > 0
    assert "dropped: values outside this space" in " ".join(done.stderr.split()) or outside == 0
    assert sum(t.kind == TrialKind.PROPOSED for t in run_q1.trials) == 2
    assert all(t.source.startswith(str(campaign)) for t in imported)
    assert all(t.objectives for t in imported)


def test_warm_start_with_other_tasks_skips_what_the_cache_lacks(campaign: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("RTLBO_CACHE", str(tmp_path / "empty-cache.sqlite"))
    path = write_campaign(tmp_path, "q2", budget={"trials": 1}, tasks={"suite": "builtin", "select": ["mul8"]})
    done = subprocess.run([RTLBO, "run", str(path), "--warm-start", str(campaign)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert "imported 0 trials" in said and "skipped: not in the evaluation cache (task mul8)" in said


def test_warm_start_into_another_space_keeps_no_score_of_a_flow_it_cannot_run(campaign: Path, tmp_path: Path,
                                                                               monkeypatch):
    """The same tasks and objectives, but a space of the ABC recipe alone and no cache to re-score
    from: an earlier trial whose dropped knobs were off their defaults ran another flow than its
    configuration here would, so its scores stay behind; one that ran the flow it runs here is kept."""
    monkeypatch.setenv("RTLBO_CACHE", str(tmp_path / "empty-cache.sqlite"))
    space = tmp_path / "recipe.yaml"
    recipe = yaml.safe_load((campaign / "space" / "synthesis.yaml").read_text())["knobs"]["abc_recipe"]
    space.write_text(yaml.safe_dump({"knobs": {"abc_recipe": recipe}}))
    path = write_campaign(tmp_path, "q3", budget={"trials": 1}, space=[str(space)], screening=False)
    done = rtlbo("run", str(path), "--warm-start", str(campaign))
    assert done.returncode == 0, done.stderr
    assert "its earlier scores are of another flow" in " ".join(done.stderr.split()), done.stderr
    # One configuration here is one flow, whose scores are one: those of the trial that measured it.
    scores = {}
    for trial in Run.load(tmp_path / "q3").trials:
        assert scores.setdefault(trial.config["abc_recipe"], trial.objectives) == trial.objectives, trial.source
