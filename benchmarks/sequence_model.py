"""Modelling ABC operation sequences: the string kernel against categorical positions and TPE.

    .venv/bin/python benchmarks/sequence_model.py [--seeds 3] [--budget 16] [--tasks mul8,alu]
        [--optimizers ax-ssk,ax-categorical,optuna-tpe]

A campaign over the ABC optimization sequence alone: ``abc_recipe`` fixed to ``sequence`` and
``abc_sequence`` (10 operations from the recipe's alphabet, resyn2's by default) tuned, on built-in
tasks with the reference RTL, power, delay and area, gate-level simulation and timing required.
Three optimizers run it on the same seeds, all campaigns sharing one evaluation cache: the default
optimizer with the sub-sequence string kernel (``ax-ssk``, its default), the same with every
position an independent choice (``ax-categorical``), and Optuna's TPE. Printed: hypervolume
(reference: the baseline flow × 1.1, set by the benchmark) after half and all of the budget, mean ± std over seeds, per
seed, and the wall time; the mean curves are plotted (docs/images/sequence_model.png).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import get_args

import yaml
from hv_curves import HV_REFERENCE, campaign_curve, plot_mean_curves
from rich.console import Console
from sample_efficiency import after

from objectives.recipe import RESYN2, AbcOperation
from optimize.loop import run

ROOT = Path(__file__).parent.parent
OPTIMIZERS: dict[str, dict] = {
    "ax-ssk": {"name": "ax", "sequence_kernel": "ssk"},
    "ax-categorical": {"name": "ax", "sequence_kernel": "categorical"},
    "optuna-tpe": {"name": "optuna-tpe"},
}
SPACE = {"knobs": {
    "abc_recipe": {"type": "fixed", "value": "sequence"},
    "abc_sequence": {"type": "sequence", "values": list(get_args(AbcOperation)), "length": len(RESYN2),
                     "default": list(RESYN2)},
}}


def curve(folder: Path, label: str, seed: int, budget: int, tasks: list[str]) -> list[float]:
    """Run the sequence campaign with optimizer ``label`` and ``seed``; its hypervolume curve."""
    name = f"{label}-{seed}"
    data = {
        "name": name,
        "tasks": {"suite": "builtin", "select": tasks},
        "space": ["sequence.yaml"],
        "objectives": ["power", "delay", "area"],
        "reference_point": HV_REFERENCE,
        "constraints": {"gate_level": True, "timing_met": True},
        "budget": {"trials": budget},
        "batch_size": 2,
        "executor": {"kind": "local", "workers": 2},
        "seed": seed,
        "optimizer": OPTIMIZERS[label],
        "output": str(folder / name),
        "cache": str(folder / "cache.sqlite"),
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    with open(os.devnull, "w") as quiet:
        run(path, False, None, Console(file=quiet))
    return campaign_curve(folder / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=16)
    parser.add_argument("--tasks", default="mul8,alu")
    parser.add_argument("--optimizers", default=",".join(OPTIMIZERS), help="some of them, comma-separated")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "images" / "sequence_model.png")
    args = parser.parse_args()
    labels = args.optimizers.split(",")
    if unknown := [label for label in labels if label not in OPTIMIZERS]:
        parser.error(f"--optimizers: unknown {', '.join(unknown)}; known: {', '.join(OPTIMIZERS)}")
    tasks = args.tasks.split(",")
    checkpoints = [args.budget // 2, args.budget]
    curves: dict[str, list[list[float]]] = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sequence.yaml").write_text(yaml.safe_dump(SPACE))
        for seed in range(args.seeds):  # seeds outermost: an interrupted run still compares optimizers
            for label in labels:
                began = time.perf_counter()
                hv = curve(Path(tmp), label, seed, args.budget, tasks)
                curves.setdefault(label, []).append(hv)
                values = ", ".join(f"n={n} {after(hv, n):.5f}" for n in checkpoints)
                print(f"  {label} seed {seed}: {values} ({time.perf_counter() - began:.0f} s)", flush=True)
    print(f"\ntasks {', '.join(tasks)}; hypervolume (mean ± std over {args.seeds} seeds) after n evaluations; "
          f"reference = baseline × {HV_REFERENCE:g}")
    print(f"{'optimizer':16s}" + "".join(f"{'n=' + str(n):>20s}" for n in checkpoints))
    for label, runs in curves.items():
        cells = []
        for n in checkpoints:
            values = [after(c, n) for c in runs]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):.5f} ± {spread:.5f}")
        print(f"{label:16s}" + "".join(f"{cell:>20s}" for cell in cells))
    print(f"whole benchmark: {(time.perf_counter() - start) / 60:.1f} min")
    plot_mean_curves(curves, "evaluations", f"ABC sequence campaign, mean over {args.seeds} seeds", args.plot,
                     bold="ax-ssk")


if __name__ == "__main__":
    main()
