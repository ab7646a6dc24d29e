"""Warm start: does importing an earlier study reach the cold campaign's final hypervolume sooner?

    .venv/bin/python benchmarks/warm_start.py [--seeds 3] [--budget 20] [--prior-budget 24]

For each seed, a broad prior study (five tasks) runs first. Then a focused campaign on three of
those tasks runs twice with the same budget and seed: cold, and warm-started from the prior study
(its trials re-scored from the evaluation cache against the focused campaign's baseline). Printed
per seed: how many of its own evaluations the warm campaign needed to reach the cold campaign's
final hypervolume; then both hypervolume curves (mean over seeds) after each of the focused
campaign's own evaluations, and a plot (docs/images/warm_start.png).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import yaml
from hv_curves import campaign_curve, mean_curve, plot_mean_curves
from rich.console import Console

from optimize.loop import run
from optimize.runs import Run

ROOT = Path(__file__).parent.parent
PRIOR_TASKS = ["mul8", "mac8", "adder32", "alu", "seqdet"]
FOCUSED_TASKS = ["mul8", "mac8", "alu"]


def campaign(folder: Path, name: str, tasks: list[str], seed: int, budget: int) -> Path:
    data = {"name": name, "tasks": {"suite": "builtin", "select": tasks}, "budget": {"trials": budget},
            "batch_size": 2, "seed": seed, "optimizer": "ax", "executor": {"workers": 2},
            "output": str(folder / name), "cache": str(folder / "cache.sqlite")}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def evaluations_to_reach(curve_: list[float], target: float) -> int | None:
    return next((i for i, value in enumerate(curve_) if value >= target - 1e-12), None)


def one_seed(folder: Path, seed: int, budget: int, prior_budget: int) -> tuple[list[float], list[float], int]:
    """Run prior, cold and warm campaigns for one seed; return (cold curve, warm curve, imported)."""
    with open(os.devnull, "w") as quiet:
        console = Console(file=quiet)
        prior = f"prior-{seed}"
        run(campaign(folder, prior, PRIOR_TASKS, 100 + seed, prior_budget), False, None, console)
        run(campaign(folder, f"cold-{seed}", FOCUSED_TASKS, seed, budget), False, None, console)
        run(campaign(folder, f"warm-{seed}", FOCUSED_TASKS, seed, budget), False, None, console,
            warm_start=[folder / prior])
    imported = sum(t.kind == "imported" for t in Run.load(folder / f"warm-{seed}").trials)
    return campaign_curve(folder / f"cold-{seed}"), campaign_curve(folder / f"warm-{seed}"), imported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=20)
    parser.add_argument("--prior-budget", type=int, default=24)
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "images" / "warm_start.png")
    args = parser.parse_args()
    print(f"prior study: {len(PRIOR_TASKS)} tasks, {args.prior_budget} trials; focused campaign: "
          f"{len(FOCUSED_TASKS)} tasks, {args.budget} trials")
    colds, warms, sooner = [], [], 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            cold, warm, imported = one_seed(Path(tmp), seed, args.budget, args.prior_budget)
            colds.append(cold)
            warms.append(warm)
            target = cold[-1]
            reached = evaluations_to_reach(warm, target)
            cold_reached = evaluations_to_reach(cold, target)
            sooner += reached is not None and reached < cold_reached
            print(f"  seed {seed}: {imported} trials imported; cold final HV {target:.5f} (first reached after "
                  f"{cold_reached} evaluations); warm "
                  + (f"reached it after {reached}" if reached is not None else "did not reach it")
                  + f" (warm final {warm[-1]:.5f})", flush=True)
    elapsed = time.perf_counter() - start
    print(f"\nhypervolume after n of the focused campaign's own evaluations (mean over {args.seeds} seeds)")
    print(f"{'n':>4s} {'cold':>9s} {'warm':>9s}")
    for i, (c, w) in enumerate(zip(mean_curve(colds), mean_curve(warms), strict=True)):
        print(f"{i:4d} {c:9.5f} {w:9.5f}")
    print(f"warm reached the cold campaign's final hypervolume in fewer evaluations on {sooner} of {args.seeds} seeds")
    print(f"total time {elapsed / 60:.1f} min")
    plot_mean_curves({"cold": colds, "warm-started": warms}, "the focused campaign's own evaluations",
                     f"warm start from a 5-task prior study, mean over {args.seeds} seeds", args.plot)

if __name__ == "__main__":
    main()
