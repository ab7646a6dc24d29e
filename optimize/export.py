"""``rtlbo export``: write a self-contained, reproducible package of one configuration of a
campaign (the package's layout, and how it is read back, are in :mod:`optimize.package`)."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from objectives.errors import RtlboError
from objectives.files import path_problem, shown
from objectives.generate import DEFAULT_KNOBS, GENERATION_KNOBS, PROMPTS
from objectives.results import Evaluation
from objectives.suites import load_suite
from objectives.technology import Technology
from objectives.trial import recipe_of
from optimize.package import RTL, technology_record
from optimize.runs import Run
from optimize.store import Trial, TrialStatus, artifact_dir


def export(run: Run, trial: Trial, selection: str, out: Path) -> Path:
    """Write the package of ``trial`` into ``out``; return the config file's path."""
    _check_out(out)
    _check_trial(trial)
    versions = {name: _write_task(run, trial, name, out / name) for name in trial.per_task}
    config = {
        "rtlbo": importlib.metadata.version("rtlbo"),
        "source": {"run": str(run.root), "trial": trial.id, "selection": selection},
        "knobs": trial.config,
        "recipe": recipe_of(trial.config).model_dump(),
        "tasks": {"suite": run.campaign.tasks.suite, "select": list(trial.per_task)},
        "technology": technology_record(Technology.from_env()),
        "tool_versions": next(iter(versions.values())),
        "objectives": trial.objectives,
        "constraints": trial.constraints,
    }
    knobs = {k: v for k, v in trial.config.items() if k in GENERATION_KNOBS}
    if knobs:
        config["generation"] = _export_generation(run, knobs, out)
    path = out / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    summary = f"PPA against the baseline flow (geometric mean over {len(trial.per_task)} tasks): {_ratios(trial)}."
    (out / "README.md").write_text(_readme(f"trial {trial.id} of {run.root} ({selection})", summary,
                                           list(trial.per_task)))
    return path


def export_per_task(runs: list[Run], selection: str, out: Path) -> Path:
    """Write one package of a per-task campaign's runs: each task with the configuration its own run
    selects by ``selection``; return the config file's path."""
    _check_out(out)
    picks = {run.campaign.tasks.select[0]: (run, run.select(selection)) for run in runs}
    for _, trial in picks.values():
        _check_trial(trial)
    per_task, versions = {}, {}
    for task, (run, trial) in picks.items():
        versions = _write_task(run, trial, task, out / task)
        per_task[task] = {"source": {"run": str(run.root), "trial": trial.id, "selection": selection},
                          "knobs": trial.config, "recipe": recipe_of(trial.config).model_dump(),
                          "objectives": trial.objectives, "constraints": trial.constraints}
        knobs = {k: v for k, v in trial.config.items() if k in GENERATION_KNOBS}
        if knobs:
            per_task[task]["generation"] = _export_generation(run, knobs, out)
    config = {
        "rtlbo": importlib.metadata.version("rtlbo"),
        "configuration": "per_task",
        "per_task": per_task,
        "tasks": {"suite": runs[0].campaign.tasks.suite, "select": list(picks)},
        "technology": technology_record(Technology.from_env()),
        "tool_versions": versions,
    }
    path = out / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    summary = "Each task has its own configuration; PPA against its baseline flow:\n\n" + "\n".join(
        f"- {task}: trial {trial.id} of {run.root}: {_ratios(trial)}" for task, (run, trial) in picks.items())
    (out / "README.md").write_text(_readme(f"one configuration per task ({selection})", summary, list(picks)))
    return path


def _check_out(out: Path) -> None:
    """Raise RtlboError unless ``out`` can take a new package."""
    problem = path_problem(out, "directory")
    if problem:
        raise RtlboError(f"--out {shown(out)}: {problem}")
    if out.exists() and any(out.iterdir()):
        raise RtlboError(f"{out} exists and is not empty; choose another --out or remove it")


def _check_trial(trial: Trial) -> None:
    if trial.status != TrialStatus.COMPLETED or not trial.per_task:
        raise RtlboError(f"trial {trial.id} has no measurements to export ({trial.reason or trial.status})")


def _write_task(run: Run, trial: Trial, name: str, folder: Path) -> dict[str, str]:
    """Write task ``name``'s folder of ``trial``'s package (RTL, scripts at the measured period,
    netlist, metrics); return the tool versions that measured it."""
    recipe, tech = recipe_of(trial.config), Technology.from_env()
    (task,) = load_suite(run.campaign.tasks.suite).select([name])
    source = artifact_dir(run.root, trial.measured_by, name, trial.per_task[name].sample)
    if not all((source / f).is_file() for f in ("evaluation.json", "rtl.v", "netlist.v")):
        raise RtlboError(f"{source}: the artifacts of trial {trial.id} are missing; select another trial")
    folder.mkdir(parents=True)
    evaluation = Evaluation.from_dict({**json.loads((source / "evaluation.json").read_text()), "artifacts": {}})
    shutil.copy(source / "rtl.v", folder / RTL)
    shutil.copy(source / "netlist.v", folder / "netlist.v")
    period = evaluation.metrics.period_ns if evaluation.metrics else task.period_ns
    (folder / "synth.ys").write_text(recipe.yosys_script([RTL], task.top, str(tech.liberty), period))
    if (abc := recipe.abc_script(period)) is not None:
        (folder / "abc.script").write_text(abc + "\n")
    if recipe.gate_sizing:
        (folder / "abc.constr").write_text(recipe.abc_constraints(tech.driving_cell, tech.output_load_pf))
    metrics = {"metrics": evaluation.to_dict()["metrics"], "feasible": evaluation.feasible,
               "sample": trial.per_task[name].sample, "rtl_origin": evaluation.rtl_origin,
               "stages": {s.name: s.status for s in evaluation.stages}, "key": evaluation.key}
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return evaluation.tool_versions


def _ratios(trial: Trial) -> str:
    return ", ".join(f"{k} ×{v:.3f}" for k, v in (trial.objectives or {}).items())


def _export_generation(run: Run, knobs: dict[str, Any], out: Path) -> dict[str, Any]:
    """Copy the prompt templates and return the sampling settings (never the API key)."""
    prompts = out / "prompts"
    prompts.mkdir(exist_ok=True)
    template = knobs.get("template", DEFAULT_KNOBS["template"])
    for name in ("system", "base", template):
        shutil.copy(PROMPTS / f"{name}.j2", prompts / f"{name}.j2")
    settings = run.campaign.generator
    return {"knobs": knobs, "template_file": f"prompts/{template}.j2", "backend": settings.backend,
            "base_url": settings.base_url, "model": knobs.get("model", settings.model),
            "samples_per_task": settings.samples_per_task, "seed": settings.seed,
            "max_tokens": settings.max_tokens, "api_key_env": settings.api_key_env,
            "rtl": "each task's rtl.v is its best sample (sample number in metrics.json)"}


def _readme(source: str, summary: str, tasks: list[str]) -> str:
    return f"""# rtlbo export: {source}

{summary}

- `config.yaml`: every knob value, the synthesis recipe, the tasks, the liberty (path and SHA-256),
  the measurement settings and the tool versions that produced these numbers.
- `<task>/`: the RTL (`rtl.v`), the Yosys script (`synth.ys`) and ABC script (`abc.script`, when the
  recipe has one), the mapped netlist (`netlist.v`) and the measured metrics (`metrics.json`).

Reproduce every metric (the evaluation cache is bypassed):

    rtlbo eval --config {"<this folder>"} --no-cache

Re-run one task's synthesis by hand, in its folder, with Yosys 0.70 (or pyosys):

    cd {tasks[0]} && yosys -s synth.ys
    cd {tasks[0]} && python -c "from pyosys import libyosys as y; y.run_pass('script synth.ys', y.Design())"
"""
