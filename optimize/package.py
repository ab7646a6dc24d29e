"""An export package of ``rtlbo export``, and reading it back for ``rtlbo eval --config``.

::

    best/
      config.yaml     knob values, recipe, tasks, liberty (with digest), tool versions, objectives
      README.md       how to reproduce
      <task>/rtl.v, synth.ys, abc.script, abc.constr, netlist.v, metrics.json
      prompts/        the prompt templates, when generation knobs were tuned

``synth.ys`` runs standalone in its task folder (it reads ``rtl.v`` and writes ``netlist.v``);
``rtlbo eval --config best/`` re-evaluates every task and checks each exported metric.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from objectives.errors import RtlboError
from objectives.files import load_yaml, read_text
from objectives.generate import GENERATION_KNOBS
from objectives.results import Evaluation
from objectives.technology import Technology
from objectives.trial import SYNTHESIS_KNOBS

RTL = "rtl.v"


def technology_record(tech: Technology) -> dict[str, Any]:
    """Return the technology's paths, file digests (the LEF's where it prices a cell) and
    measurement settings."""
    digests = tech.fingerprint()
    return {"liberty": str(tech.liberty), "liberty_sha256": digests["liberty"],
            "cell_models": str(tech.cell_models), "cell_models_sha256": digests["cell_models"],
            **({"lef": str(tech.lef), "lef_sha256": digests["lef"]} if "lef" in digests else {}),
            "driving_cell": digests["driving_cell"], "output_load_pf": tech.output_load_pf,
            "input_activity": tech.input_activity}


def check_technology(config: dict[str, Any]) -> None:
    """Raise RtlboError when this machine's technology differs from the export's."""
    here, there = technology_record(Technology.from_env()), config.get("technology", {})
    if not isinstance(there, dict):
        raise RtlboError("the export's 'technology' is not the record rtlbo export writes; export again")
    for key in ("liberty_sha256", "cell_models_sha256", "lef_sha256", "driving_cell", "output_load_pf",
                "input_activity"):
        if key in there and there[key] != here.get(key):
            variable, path = ("RTLBO_LEF", there.get("lef")) if key == "lef_sha256" else \
                ("RTLBO_LIBERTY", there.get("liberty"))
            raise RtlboError(f"the export was measured with another technology ({key} differs); "
                             f"set {variable} to {path}")


def load_export(path: Path) -> tuple[dict[str, Any], Path]:
    """Return an exported config and its folder, from the folder or its config.yaml."""
    path = Path(path)
    config_file = path / "config.yaml" if path.is_dir() else path
    config = load_yaml(config_file)
    tasks = config.get("tasks") if isinstance(config, dict) else None
    knobs = config.get("per_task") or config.get("knobs") if isinstance(config, dict) else None
    if (not isinstance(knobs, dict) or not isinstance(tasks, dict)
            or not isinstance(tasks.get("suite"), str) or not isinstance(tasks.get("select"), list)):
        raise RtlboError(f"{config_file} is not an rtlbo export (no 'knobs' or 'per_task', 'tasks.suite' and "
                         "'tasks.select'); give a folder made by rtlbo export")
    return config, config_file.parent


def exported_knobs(config: dict[str, Any], task: str) -> dict[str, Any]:
    """Return the knobs an export gives ``task``: its own in a per-task export, else the shared ones.
    Raises RtlboError when a per-task export has none for it."""
    if "per_task" not in config:
        knobs = config["knobs"]
    else:
        entry = config["per_task"].get(task)
        if not isinstance(entry, dict) or not isinstance(entry.get("knobs"), dict):
            raise RtlboError(f"the export has no configuration for task {task}; give a folder made by rtlbo export")
        knobs = entry["knobs"]
    unknown = sorted(set(knobs) - SYNTHESIS_KNOBS - GENERATION_KNOBS, key=str)
    if unknown:
        raise RtlboError(f"the export sets knob(s) {', '.join(map(str, unknown))} the evaluator does not know; "
                         f"the knobs are {', '.join(sorted(SYNTHESIS_KNOBS | GENERATION_KNOBS))}")
    return knobs


def compare(evaluation: Evaluation, folder: Path) -> list[str]:
    """Return the differences between ``evaluation`` and the metrics exported for its task."""
    exported_file = folder / evaluation.task / "metrics.json"
    if not exported_file.is_file():
        return [f"{evaluation.task}: no exported metrics to compare with"]
    try:
        exported = json.loads(read_text(exported_file, "exported metrics"))["metrics"]
        if not isinstance(exported, dict):
            raise TypeError
    except (RtlboError, ValueError, TypeError, KeyError, RecursionError):
        return [f"{evaluation.task}: {exported_file} is not the metrics rtlbo export wrote; export again"]
    measured = evaluation.to_dict()["metrics"]
    if exported == measured:
        return []
    if measured is None:
        return [f"{evaluation.task}: exported metrics could not be measured ({evaluation.failure})"]
    return [f"{evaluation.task}: {k} exported {exported[k]} but measured {measured.get(k)}"
            for k in exported if exported[k] != measured.get(k)]
