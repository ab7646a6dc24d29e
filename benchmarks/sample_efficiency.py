"""Sample efficiency: hypervolume after 20, 40 and 60 evaluations for every optimizer, over seeds.

    .venv/bin/python benchmarks/sample_efficiency.py [--seeds 5] [--budget 60] [--optimizers ax,sobol,...]
    .venv/bin/python benchmarks/sample_efficiency.py --optimizers ax,optuna-tpe \
        --versus '{"mixed_options": {"maxiter_alternating": 2, "maxiter_continuous": 2, "num_spray_points": 8}}'

The quickstart-style synthesis campaign (examples/quickstart.yaml's tasks and space, reference
RTL) runs with the default optimizer (ax) and the baselines, one campaign per optimizer and seed,
all sharing one evaluation cache (repeated configurations cost nothing). Printed: mean ± std of
the hypervolume (reference: the baseline flow × 1.1, set by the benchmark) after 20, 40 and 60 evaluations, the
wall time, and a plot (docs/images/sample_efficiency.png). Target: the default optimizer has the
highest mean hypervolume at 40 and 60 evaluations. ``--versus`` adds "ax-variant": the default
optimizer with a variant of its generation strategy (JSON kwargs of
``ax_strategy.build_generation_strategy``), run on the same seeds in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from hv_curves import HV_REFERENCE, campaign_curve, plot_mean_curves
from rich.console import Console

from optimize.loop import run
from optimize.optimizers import Optimizer, ax_strategy

ROOT = Path(__file__).parent.parent
QUICKSTART = yaml.safe_load((ROOT / "examples" / "quickstart.yaml").read_text())


VARIANT = "ax-variant"


def after(curve: list[float], n: int) -> float:
    """The hypervolume after ``n`` evaluations (the last one for a shorter campaign)."""
    return curve[min(n, len(curve) - 1)]


@contextlib.contextmanager
def strategy_variant(options: dict | None):
    """While open, the ax optimizer builds its strategy with ``options`` (none: unchanged)."""
    default = ax_strategy.fast_generation_strategy
    if options is not None:
        ax_strategy.fast_generation_strategy = functools.partial(ax_strategy.build_generation_strategy, **options)
    try:
        yield
    finally:
        ax_strategy.fast_generation_strategy = default


def curve(folder: Path, label: str, seed: int, budget: int, variant: dict | None) -> list[float]:
    """Run the campaign for optimizer ``label`` (or the ax variant) and seed; its hypervolume curve."""
    name = f"{label}-{seed}"
    optimizer = "ax" if label == VARIANT else label
    data = {
        **QUICKSTART,
        "reference_point": HV_REFERENCE,
        "name": name,
        "optimizer": optimizer,
        "seed": seed,
        "budget": {"trials": budget},
        "output": str(folder / name),
        "cache": str(folder / "cache.sqlite"),
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    with open(os.devnull, "w") as quiet, strategy_variant(variant if label == VARIANT else None):
        run(path, False, None, Console(file=quiet))
    return campaign_curve(folder / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--optimizers", default=",".join(o for o in Optimizer.registry if o != "random"))
    parser.add_argument(
        "--versus",
        type=json.loads,
        default=None,
        help=f"JSON kwargs of build_generation_strategy: adds {VARIANT!r} to the run",
    )
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "images" / "sample_efficiency.png")
    args = parser.parse_args()
    optimizers = args.optimizers.split(",")
    labels = optimizers + ([VARIANT] if args.versus is not None else [])
    checkpoints = [n for n in (20, 40, 60) if n <= args.budget]
    curves: dict[str, list[list[float]]] = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):  # seeds outermost: an interrupted run still compares optimizers
            for optimizer in labels:
                began = time.perf_counter()
                hv = curve(Path(tmp), optimizer, seed, args.budget, args.versus)
                curves.setdefault(optimizer, []).append(hv)
                values = ", ".join(f"n={n} {after(hv, n):.5f}" for n in checkpoints)
                print(f"  {optimizer} seed {seed}: {values} ({time.perf_counter() - began:.0f} s)", flush=True)
    elapsed = time.perf_counter() - start
    print(f"\nhypervolume (mean ± std over {args.seeds} seeds) after n evaluations; "
          f"reference = baseline × {HV_REFERENCE:g}")
    print(f"{'optimizer':14s}" + "".join(f"{'n=' + str(n):>20s}" for n in checkpoints))
    means = {}
    for optimizer, runs in curves.items():
        cells = []
        for n in checkpoints:
            values = [after(c, n) for c in runs]
            means[(optimizer, n)] = statistics.mean(values)
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{means[(optimizer, n)]:.5f} ± {spread:.5f}")
        print(f"{optimizer:14s}" + "".join(f"{cell:>20s}" for cell in cells))
    for n in checkpoints[1:]:
        leader = max(optimizers, key=lambda o: means[(o, n)])
        print(f"highest mean at n={n}: {leader} " + ("(target met)" if leader == "ax" else "(target MISSED)"))
    if args.versus is not None and "ax" in curves:
        for n in checkpoints:
            gains = [after(v, n) - after(a, n) for v, a in zip(curves[VARIANT], curves["ax"], strict=True)]
            wins = sum(g > 0 for g in gains)
            print(
                f"{VARIANT} - ax at n={n}: mean {statistics.mean(gains):+.5f}, higher on {wins} of {len(gains)} seeds"
            )
    print(f"whole benchmark: {elapsed / 60:.1f} min")
    plot_mean_curves(curves, "evaluations", f"quickstart campaign, mean over {args.seeds} seeds", args.plot, bold="ax")


if __name__ == "__main__":
    main()
