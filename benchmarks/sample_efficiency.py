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

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import yaml  # noqa: E402
from rich.console import Console  # noqa: E402

from optimize.campaign import OPTIMIZERS  # noqa: E402
from optimize.loop import run  # noqa: E402
from optimize.pareto import hypervolume_by_evaluation  # noqa: E402
from optimize.runs import Run  # noqa: E402

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
    result = Run.load(folder / name)
    return hypervolume_by_evaluation(result.trials, result.objectives, result.campaign.reference_point)


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
                curves.setdefault(optimizer, []).append(curve(Path(tmp), optimizer, seed, args.budget))
                print(f"  {optimizer} seed {seed}: final hypervolume {curves[optimizer][-1][-1]:.5f} "
                      f"({time.perf_counter() - began:.0f} s)", flush=True)
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
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for optimizer, runs in curves.items():
        length = min(len(c) for c in runs)
        mean = [statistics.mean(c[i] for c in runs) for i in range(length)]
        ax.plot(range(length), mean, label=optimizer, linewidth=2.2 if optimizer == "ax" else 1.3)
    ax.set_xlabel("evaluations")
    ax.set_ylabel("hypervolume (reference: baseline × 1.1)")
    ax.set_title(f"quickstart campaign, mean over {args.seeds} seeds")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    args.plot.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.plot, dpi=120)
    print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
