"""PPA of a campaign's best configurations against fixed standard flows, per built-in task.

    .venv/bin/python benchmarks/ppa_vs_flows.py [--run runs/suite] [--budget 40]

Without --run, a campaign with the default optimizer over the whole built-in suite runs first.
Compared per task (all on the reference RTL, all measured by the same cascade):

- flows: Yosys default (synth -flatten; dfflibmap; abc -liberty), ABC resyn2 + map,
  compress2rs + map, and a speed flow (&nf after &syn2/&dch, then buffering and sizing);
- the campaign's PAMA pick and the per-objective extremes of its Pareto set.

Printed: area (µm²), delay (ns), power (mW) and area-delay product per task, per
configuration the geometric means of the ratios to the Yosys default, and the knobs of each
campaign pick. Targets: a configuration that beats the Yosys default on all three objectives in
geometric mean, and a Pareto set that improves the area-delay product by >= 10% in geometric
mean (per task, the best of its exported configurations).
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from pathlib import Path

import yaml
from rich.console import Console

from objectives.cache import EvalCache
from objectives.cascade import evaluate
from objectives.recipe import Recipe
from objectives.scoring import geometric_mean
from objectives.suites import load_suite
from objectives.trial import recipe_of
from optimize.loop import run
from optimize.runs import Run

FLOWS = {
    "yosys-default": Recipe(),
    "resyn2+map": Recipe(abc_recipe="resyn2"),
    "compress2rs+map": Recipe(abc_recipe="compress2rs"),
    "speed(&nf+sizing)": Recipe(abc_recipe="speed", gate_sizing=True),
}


def campaign_run(folder: Path, budget: int) -> Path:
    path = folder / "suite.yaml"
    path.write_text(yaml.safe_dump({"name": "suite", "tasks": {"suite": "builtin"}, "budget": {"trials": budget},
                                    "batch_size": 4, "optimizer": "ax", "output": str(folder / "suite")}))
    with open(os.devnull, "w") as quiet:
        run(path, False, None, Console(file=quiet))
    return folder / "suite"


def picks(result: Run) -> dict[str, Recipe]:
    """The campaign's exported configurations: PAMA pick and the per-objective extremes."""
    front = result.front()
    chosen = {"campaign PAMA pick": recipe_of(result.select("pama").config)}
    for name in result.objectives:
        best = min(front, key=lambda t: t.objectives[name])
        chosen[f"campaign min-{name} (trial {best.id})"] = recipe_of(best.config)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="an existing run directory over the built-in suite")
    parser.add_argument("--budget", type=int, default=40)
    args = parser.parse_args()
    tasks = load_suite("builtin").tasks
    cache = EvalCache()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = args.run or campaign_run(Path(tmp), args.budget)
        configs = {**FLOWS, **picks(Run.load(run_dir))}
    table: dict[str, dict[str, tuple[float, float, float] | None]] = {}
    for label, recipe in configs.items():
        table[label] = {}
        for task in tasks:
            m = evaluate(task, recipe, cache=cache).metrics
            table[label][task.name] = (m.area_um2, m.delay_ns, m.power_mw) if m and m.slack_ns >= 0 else None
    base = table["yosys-default"]
    print(f"{'task':9s} {'configuration':38s} {'area um2':>10s} {'delay ns':>9s} {'power mW':>9s} {'ADP':>11s}")
    for task in tasks:
        for label in configs:
            v = table[label][task.name]
            missing = f"{'(fails timing or a stage)':>42s}"
            cells = f"{v[0]:10.0f} {v[1]:9.3f} {v[2]:9.4f} {v[0] * v[1]:11.0f}" if v else missing
            print(f"{task.name:9s} {label:38s} {cells}")
    print("\ngeometric mean over tasks of the ratio to the Yosys default (tasks where the configuration is feasible):")
    print(f"{'configuration':38s} {'area':>7s} {'delay':>7s} {'power':>7s} {'ADP':>7s} {'tasks':>6s}")
    beats_all = []
    for label in configs:
        rows = [(v, base[t]) for t, v in table[label].items() if v and base[t]]
        ratio = [geometric_mean([v[i] / b[i] for v, b in rows]) for i in range(3)]
        adp = geometric_mean([(v[0] * v[1]) / (b[0] * b[1]) for v, b in rows])
        print(f"{label:38s} {ratio[0]:7.3f} {ratio[1]:7.3f} {ratio[2]:7.3f} {adp:7.3f} {len(rows):3d}/{len(tasks)}")
        if label.startswith("campaign") and len(rows) == len(tasks) and all(r < 1 for r in ratio):
            beats_all.append(label)
    campaign = [label for label in configs if label.startswith("campaign")]
    print("\nthe campaign's picks, knobs changed from the Yosys default:")
    for label in campaign:
        print(f"  {label:38s} {configs[label].changes()}")
    per_task_best = [min((table[c][t.name][0] * table[c][t.name][1] for c in campaign if table[c][t.name]),
                         default=math.inf) / (base[t.name][0] * base[t.name][1]) for t in tasks]
    best_adp = geometric_mean(per_task_best)
    print(f"\nPareto set, best ADP per task: geometric mean {best_adp:.3f} of the Yosys default "
          f"(target <= 0.900) {'ok' if best_adp <= 0.9 else 'MISSED'}")
    print("configuration beating the Yosys default on all three objectives in geometric mean: "
          f"{', '.join(beats_all) if beats_all else 'none (MISSED)'}")


if __name__ == "__main__":
    main()
