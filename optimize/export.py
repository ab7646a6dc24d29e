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
    if trial.status != TrialStatus.COMPLETED or not trial.per_task:
        raise RtlboError(f"trial {trial.id} has no measurements to export ({trial.reason or trial.status})")
    problem = path_problem(out, "directory")
    if problem:
        raise RtlboError(f"--out {shown(out)}: {problem}")
    if out.exists() and any(out.iterdir()):
        raise RtlboError(f"{out} exists and is not empty; choose another --out or remove it")
    recipe = recipe_of(trial.config)
    tech = Technology.from_env()
    tasks = {t.name: t for t in load_suite(run.campaign.tasks.suite).select(list(trial.per_task))}
    sources = {name: artifact_dir(run.root, trial.measured_by, name, trial.per_task[name].sample)
               for name in tasks}
    for source in sources.values():
        if not all((source / f).is_file() for f in ("evaluation.json", "rtl.v", "netlist.v")):
            raise RtlboError(f"{source}: the artifacts of trial {trial.id} are missing; select another trial")
    versions: dict[str, str] = {}
    for name, task in tasks.items():
        source = sources[name]
        folder = out / name
        folder.mkdir(parents=True)
        evaluation = Evaluation.from_dict({**json.loads((source / "evaluation.json").read_text()), "artifacts": {}})
        versions = evaluation.tool_versions
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
    config = {
        "rtlbo": importlib.metadata.version("rtlbo"),
        "source": {"run": str(run.root), "trial": trial.id, "selection": selection},
        "knobs": trial.config,
        "recipe": recipe.model_dump(),
        "tasks": {"suite": run.campaign.tasks.suite, "select": list(tasks)},
        "technology": technology_record(tech),
        "tool_versions": versions,
        "objectives": trial.objectives,
        "constraints": trial.constraints,
    }
    knobs = {k: v for k, v in trial.config.items() if k in GENERATION_KNOBS}
    if knobs:
        config["generation"] = _export_generation(run, knobs, out)
    path = out / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    (out / "README.md").write_text(_readme(run, trial, selection, list(tasks)))
    return path


def _export_generation(run: Run, knobs: dict[str, Any], out: Path) -> dict[str, Any]:
    """Copy the prompt templates and return the sampling settings (never the API key)."""
    prompts = out / "prompts"
    prompts.mkdir()
    template = knobs.get("template", DEFAULT_KNOBS["template"])
    for name in ("system", "base", template):
        shutil.copy(PROMPTS / f"{name}.j2", prompts / f"{name}.j2")
    settings = run.campaign.generator
    return {"knobs": knobs, "template_file": f"prompts/{template}.j2", "backend": settings.backend,
            "base_url": settings.base_url, "model": knobs.get("model", settings.model),
            "samples_per_task": settings.samples_per_task, "seed": settings.seed,
            "max_tokens": settings.max_tokens, "api_key_env": settings.api_key_env,
            "rtl": "each task's rtl.v is its best sample (sample number in metrics.json)"}


def _readme(run: Run, trial: Trial, selection: str, tasks: list[str]) -> str:
    ratios = ", ".join(f"{k} ×{v:.3f}" for k, v in (trial.objectives or {}).items())
    return f"""# rtlbo export: trial {trial.id} of {run.root} ({selection})

PPA against the baseline flow (geometric mean over {len(tasks)} tasks): {ratios}.

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
