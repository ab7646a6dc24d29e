"""Warm start: does importing an earlier study reach the cold campaign's final hypervolume sooner?

    .venv/bin/python benchmarks/warm_start.py [--budget 20] [--prior-budget 24]

A broad prior study (five tasks, seed 1) runs first. Then a focused campaign on three of those
tasks (seed 2) runs twice with the same budget: cold, and warm-started from the prior study (its
trials re-scored from the evaluation cache against the focused campaign's baseline). Printed: the
hypervolume after each of the focused campaign's own evaluations, for both, and how many
evaluations the warm one needed to reach the cold one's final hypervolume.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import yaml
from rich.console import Console

from optimize.loop import run
from optimize.pareto import hypervolume_by_evaluation
from optimize.runs import Run

PRIOR_TASKS = ["mul8", "mac8", "adder32", "alu", "seqdet"]
FOCUSED_TASKS = ["mul8", "mac8", "alu"]


def campaign(folder: Path, name: str, tasks: list[str], seed: int, budget: int) -> Path:
    data = {"name": name, "tasks": {"suite": "builtin", "select": tasks}, "budget": {"trials": budget},
            "batch_size": 2, "seed": seed, "optimizer": "ax", "executor": {"workers": 2},
            "output": str(folder / name), "cache": str(folder / "cache.sqlite")}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def curve(run_dir: Path) -> list[float]:
    """Hypervolume after each of the campaign's own (proposed) evaluations; index 0 = before any."""
    result = Run.load(run_dir)
    return hypervolume_by_evaluation(result.trials, result.objectives, result.campaign.reference_point)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=20)
    parser.add_argument("--prior-budget", type=int, default=24)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet:
        folder, console = Path(tmp), Console(file=quiet)
        start = time.perf_counter()
        run(campaign(folder, "prior", PRIOR_TASKS, 1, args.prior_budget), False, None, console)
        run(campaign(folder, "cold", FOCUSED_TASKS, 2, args.budget), False, None, console)
        run(campaign(folder, "warm", FOCUSED_TASKS, 2, args.budget), False, None, console,
            warm_start=[folder / "prior"])
        imported = sum(t.kind == "imported" for t in Run.load(folder / "warm").trials)
        cold, warm = curve(folder / "cold"), curve(folder / "warm")
        elapsed = time.perf_counter() - start
    print(f"prior study: {len(PRIOR_TASKS)} tasks, {args.prior_budget} trials; focused campaign: "
          f"{len(FOCUSED_TASKS)} tasks, {args.budget} trials; warm start imported {imported} trials")
    print(f"{'evaluations':>11s} {'cold HV':>9s} {'warm HV':>9s}")
    for i, (c, w) in enumerate(zip(cold, warm, strict=True)):
        print(f"{i:11d} {c:9.5f} {w:9.5f}")
    target = cold[-1]
    reached = next((i for i, w in enumerate(warm) if w >= target - 1e-12), None)
    verdict = (f"warm reached the cold final hypervolume ({target:.5f}) after {reached} evaluations "
               f"(cold: {len(cold) - 1})" if reached is not None else "warm did not reach the cold final hypervolume")
    print(verdict)
    print(f"total time {elapsed:.0f} s")


if __name__ == "__main__":
    main()
