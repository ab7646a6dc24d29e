"""Sample efficiency: hypervolume after 20, 40 and 60 evaluations for every optimizer, over seeds.

    .venv/bin/python benchmarks/sample_efficiency.py [--seeds 5] [--budget 60] [--optimizers ax,sobol,...]

The quickstart-style synthesis campaign (examples/quickstart.yaml's tasks and space, reference
RTL) runs with the default optimizer (ax) and the baselines, one campaign per optimizer and seed,
all sharing one evaluation cache (repeated configurations cost nothing). Printed: mean ± std of
the hypervolume (reference: the baseline flow × 1.1) after 20, 40 and 60 evaluations, the
wall time, and a plot (docs/images/sample_efficiency.png). Target: the default optimizer has the
highest mean hypervolume at 40 and 60 evaluations.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from hv_curves import campaign_curve, plot_mean_curves
from rich.console import Console

from optimize.campaign import OPTIMIZERS
from optimize.loop import run

ROOT = Path(__file__).parent.parent
QUICKSTART = yaml.safe_load((ROOT / "examples" / "quickstart.yaml").read_text())


def curve(folder: Path, optimizer: str, seed: int, budget: int) -> list[float]:
    name = f"{optimizer}-{seed}"
    data = {**QUICKSTART, "name": name, "optimizer": optimizer, "seed": seed, "budget": {"trials": budget},
            "output": str(folder / name), "cache": str(folder / "cache.sqlite")}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    with open(os.devnull, "w") as quiet:
        run(path, False, None, Console(file=quiet))
    return campaign_curve(folder / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--optimizers", default=",".join(o for o in OPTIMIZERS if o != "random"))
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "images" / "sample_efficiency.png")
    args = parser.parse_args()
    optimizers = args.optimizers.split(",")
    checkpoints = [n for n in (20, 40, 60) if n <= args.budget]
    curves: dict[str, list[list[float]]] = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):  # seeds outermost: an interrupted run still compares optimizers
            for optimizer in optimizers:
                began = time.perf_counter()
                hv = curve(Path(tmp), optimizer, seed, args.budget)
                curves.setdefault(optimizer, []).append(hv)
                values = ", ".join(f"n={n} {hv[min(n, len(hv) - 1)]:.5f}" for n in checkpoints)
                print(f"  {optimizer} seed {seed}: {values} ({time.perf_counter() - began:.0f} s)", flush=True)
    elapsed = time.perf_counter() - start
    print(f"\nhypervolume (mean ± std over {args.seeds} seeds) after n evaluations; reference = baseline × 1.1")
    print(f"{'optimizer':14s}" + "".join(f"{'n=' + str(n):>20s}" for n in checkpoints))
    means = {}
    for optimizer, runs in curves.items():
        cells = []
        for n in checkpoints:
            values = [c[min(n, len(c) - 1)] for c in runs]
            means[(optimizer, n)] = statistics.mean(values)
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{means[(optimizer, n)]:.5f} ± {spread:.5f}")
        print(f"{optimizer:14s}" + "".join(f"{cell:>20s}" for cell in cells))
    for n in checkpoints[1:]:
        leader = max(optimizers, key=lambda o: means[(o, n)])
        print(f"highest mean at n={n}: {leader} " + ("(target met)" if leader == "ax" else "(target MISSED)"))
    print(f"whole benchmark: {elapsed / 60:.1f} min")
    plot_mean_curves(curves, "evaluations", f"quickstart campaign, mean over {args.seeds} seeds", args.plot,
                     bold="ax")

if __name__ == "__main__":
    main()
