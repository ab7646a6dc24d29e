"""Best area-delay product per design: a campaign of one configuration per design against the canned
flows, on the built-in suite and on an outside suite of designs no one here wrote.

    .venv/bin/python benchmarks/ppa_vs_flows.py [--budget 60] [--early 30] [--suites builtin,outside]
        [--outside carryskipadder32,daddamultiplier8] [--seed 0] [--reference-point 2] [--keep DIR] [--random]

The campaign is ``configuration: per_task`` with the default optimizer over the packaged synthesis
space, so each design gets a search of its own (``--budget`` trials). The outside suite is
arithmetic circuits that ``ariths-gen`` (PyPI) generates, as ``benchmarks/designs.py`` writes them:
adders and multipliers of several architectures, no testbench, derived clock periods. Per design,
every configuration is measured by the same cascade on the reference RTL, and counts only where it
is feasible (timing met, every stage passed).

Printed per design: the Yosys default's area-delay product (ADP), and as ratios to it: resyn2, the
best of the canned ABC recipes (``abc_recipe``'s six), the campaign's best ADP within ``--early``
trials and within ``--budget``, and its PAMA pick; then the campaign's best over the best canned
recipe, and the trials whose netlist an earlier trial of the same design had produced: evaluated
again (synthesis ran; the measurement was reused) and answered from the trial table (no tool ran:
the same configuration, or a number inside a range that changed nothing), and the optimizer's
candidates passed over because synthesis showed a trial had measured their flow.
Targets: geometric mean of the best ADP <= 0.80 of the Yosys default and <= 0.90 of the best canned
recipe within 60 trials per design; repeated netlists <= 5 % of the trials.

``--random`` measures a baseline for the search instead of the campaigns: per design, ``--budget``
random configurations of the packaged space with ``abc_recipe: sequence`` (every other knob drawn
too, idle ones at their defaults), each by the same cascade: random search over the ABC sequences
at equal trials (no PAMA pick; every trial counts).
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from ariths_gen.multi_bit_circuits.adders import (
    UnsignedCarrySelectAdder,
    UnsignedCarrySkipAdder,
    UnsignedRippleCarryAdder,
)
from ariths_gen.multi_bit_circuits.multipliers import (
    UnsignedArrayMultiplier,
    UnsignedDaddaMultiplier,
    UnsignedWallaceMultiplier,
)
from designs import name_of, write_tasks
from rich.console import Console

from objectives.cache import EvalCache
from objectives.cascade import derive_periods, evaluate
from objectives.recipe import ABC_SCRIPTS, Recipe
from objectives.results import Evaluation
from objectives.scoring import geometric_mean
from objectives.suites import load_suite
from objectives.tasks import Task
from optimize.campaign import Campaign
from optimize.loop import run
from optimize.runs import Run
from optimize.spaces import packaged_space
from optimize.store import TrialKind
from search_spaces.space import build_space

# Small enough that a 60-trial search of each stays within minutes on two cores. (ariths-gen's
# parallel-prefix adders drive some nets twice; rtlbo's lint refuses them, rightly.)
OUTSIDE = [(UnsignedRippleCarryAdder, 16), (UnsignedCarrySkipAdder, 32), (UnsignedCarrySelectAdder, 32),
           (UnsignedArrayMultiplier, 8), (UnsignedDaddaMultiplier, 8), (UnsignedWallaceMultiplier, 12)]
TARGET_DEFAULT, TARGET_CANNED, TARGET_REPEATS = 0.80, 0.90, 0.05


@dataclass
class Design:
    """One design's figures: ADPs (µm²·ns; None where infeasible) and the campaign's trials that
    repeated a netlist, synthesized again or answered from the table."""

    name: str
    default: float | None
    resyn2: float | None
    canned: tuple[str, float | None]
    early: float | None
    best: float | None
    pama: float | None
    synthesized: int
    answered: int
    trials: int
    passed_over: int  # the optimizer's candidates whose flow a trial had measured, never run

    @property
    def repeats(self) -> int:
        return self.synthesized + self.answered


def adp(area: float, delay: float) -> float:
    return area * delay


def feasible_adp(evaluation: Evaluation) -> float | None:
    """The ADP of ``evaluation``, or None when it is infeasible (timing included)."""
    m = evaluation.metrics
    return adp(m.area_um2, m.delay_ns) if evaluation.feasible and m and m.slack_ns >= 0 else None


def flow_adp(task: Task, recipe: Recipe, cache: EvalCache) -> float | None:
    """The ADP of ``task`` under ``recipe`` (``feasible_adp``)."""
    return feasible_adp(evaluate(task, recipe, cache=cache))


def random_figures(task: Task, budget: int, early: int, seed: int, cache: EvalCache) -> tuple:
    """``campaign_figures`` of a random search: ``budget`` random configurations of the packaged
    space that run an ABC sequence (a draw whose netlist an earlier one gave counts as synthesized
    again)."""
    space = build_space([("synthesis", packaged_space("synthesis"))])
    rng = np.random.default_rng(seed)
    values, netlists = [], set()
    for _ in range(budget):
        config = space.effective(space.decode(rng.random(space.dimension)) | {"abc_recipe": "sequence"})
        evaluation = evaluate(task, Recipe.from_knobs(config), cache=cache)
        values.append(feasible_adp(evaluation))
        netlists.add(evaluation.netlist_sha256)
    return (min((v for v in values[:early] if v is not None), default=None),
            min((v for v in values if v is not None), default=None), None, budget - len(netlists), 0, budget, 0)


def campaign_figures(run_dir: Path, early: int) -> dict[str, tuple]:
    """Per task of a per-task campaign: (best ADP within ``early`` trials, best ADP, PAMA pick's ADP,
    trials that synthesized an earlier netlist again, trials answered from the table, trials,
    candidates the optimizer passed over)."""
    figures = {}
    for folder in sorted((run_dir / "tasks").iterdir()):
        result = Run.load(folder)
        (task,) = result.baseline.per_task
        measured = sorted((t for t in result.trials if t.per_task.get(task) and t.per_task[task].netlist),
                          key=lambda t: t.id)
        feasible = [(t, t.per_task[task].metrics) for t in measured if t.feasible and t.per_task[task].metrics]
        values = [(t.id, adp(m.area_um2, m.delay_ns)) for t, m in feasible]
        first = [v for i, v in values if i <= early]
        pama = result.ranked()[0].trial if result.front() else None
        pama_adp = next((v for i, v in values if pama is not None and i == pama.id), None)
        proposed = [t for t in measured if t.kind == TrialKind.PROPOSED]
        seen, synthesized, answered = {result.baseline.per_task[task].netlist}, 0, 0
        for t in proposed:
            if t.per_task[task].netlist in seen:
                answered += "repeat_of" in t.extra
                synthesized += "repeat_of" not in t.extra
            seen.add(t.per_task[task].netlist)
        figures[task] = (min(first, default=None), min((v for _, v in values), default=None), pama_adp,
                         synthesized, answered, len(proposed),
                         sum(t.extra.get("candidates_passed_over", 0) for t in result.trials))
    return figures


def run_suite(folder: Path, name: str, suite: str, budget: int, seed: int, reference_point: float) -> Path:
    """Run the per-task campaign over ``suite``; return its run directory."""
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({
        "name": name, "tasks": {"suite": suite}, "configuration": "per_task", "budget": {"trials": budget},
        "seed": seed, "reference_point": reference_point,
        "batch_size": 2, "optimizer": "ax", "output": str(folder / name),
        "constraints": {"gate_level_simulation": "unproved"}}))
    with open(os.devnull, "w") as quiet:
        run(path, False, None, Console(file=quiet))
    return folder / name


def measure(folder: Path, name: str, suite: str, budget: int, early: int, seed: int,
            cache: EvalCache, random: bool, reference_point: float) -> list[Design]:
    """Every design of ``suite``: the canned flows and the per-task campaign's figures (or, with
    ``random``, the random search's)."""
    figures = {} if random else campaign_figures(run_suite(folder, name, suite, budget, seed, reference_point), early)
    designs = []
    for task in derive_periods(load_suite(suite).tasks, cache=cache):
        flows = {recipe: flow_adp(task, Recipe(abc_recipe=recipe), cache) for recipe in ABC_SCRIPTS}
        canned = min(((r, v) for r, v in flows.items() if v is not None), key=lambda rv: rv[1], default=("none", None))
        found = random_figures(task, budget, early, seed, cache) if random else figures[task.name]
        designs.append(Design(task.name, flows["yosys-default"], flows["resyn2"], canned, *found))
    return designs


def ratio(value: float | None, base: float | None) -> float | None:
    return value / base if value is not None and base else None


def text(value: float | None) -> str:
    return f"{value:8.3f}" if value is not None else f"{'-':>8s}"


def report(label: str, designs: list[Design], budget: int, early: int) -> list[tuple[float, float]]:
    """Print one suite's table; return the (best / default, best / best canned) ratios."""
    print(f"\n{label}: ADP ratios to the Yosys default (lower is better)")
    print(f"{'design':24s}{'default ADP':>13s}{'resyn2':>8s}{'canned':>8s} {'best canned':14s}"
          f"{f'@{early}':>8s}{f'@{budget}':>8s}{'PAMA':>8s}{'vs canned':>10s}"
          "  repeats: synthesized+answered/trials, passed over")
    kept = []
    for d in designs:
        best, canned = ratio(d.best, d.default), ratio(d.canned[1], d.default)
        against = ratio(d.best, d.canned[1])
        print(f"{d.name:24s}{d.default or math.nan:13.0f}{text(ratio(d.resyn2, d.default))}{text(canned)} "
              f"{d.canned[0]:14s}{text(ratio(d.early, d.default))}{text(best)}{text(ratio(d.pama, d.default))}"
              f"{text(against):>10s}{d.synthesized:5d}+{d.answered:<3d}/{d.trials:<3d} {d.passed_over:3d}")
        if best is not None and against is not None:
            kept.append((best, against))
    if kept:
        print(f"{'geometric mean':24s}{'':13s}{'':16s}{'':15s}{'':8s}"
              f"{geometric_mean([b for b, _ in kept]):8.3f}{'':8s}{geometric_mean([a for _, a in kept]):10.3f}")
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=60, help="trials per design")
    parser.add_argument("--early", type=int, default=30, help="also report the best within this many trials")
    parser.add_argument("--suites", default="builtin,outside", help="builtin, outside or both")
    parser.add_argument("--outside", default="", help="only these outside designs (comma-separated names)")
    parser.add_argument("--seed", type=int, default=0, help="the campaigns' seed")
    parser.add_argument("--keep", type=Path, help="keep the campaigns' run directories in this new folder")
    parser.add_argument("--reference-point", type=float, default=Campaign.model_fields["reference_point"].default,
                        help="the campaigns' reference_point (default: the campaign default)")
    parser.add_argument("--random", action="store_true", help="random ABC sequence flows instead of campaigns")
    args = parser.parse_args()
    chosen = [d for d in OUTSIDE if not args.outside or name_of(*d) in args.outside.split(",")]
    if not chosen:
        parser.error(f"--outside names none of {', '.join(name_of(*d) for d in OUTSIDE)}")
    if args.keep is not None and args.keep.exists():
        parser.error(f"--keep {args.keep} exists; name a new folder")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) if args.keep is None else args.keep
        cache = EvalCache(folder / "cache.sqlite")
        suites = {"builtin": "builtin", "outside": f"tasks:{folder / 'outside'}"}
        (folder / "outside").mkdir(parents=True)
        write_tasks(folder / "outside", chosen)
        results = {name: measure(folder, name, suites[name], args.budget, args.early, args.seed, cache, args.random,
                                 args.reference_point)
                   for name in args.suites.split(",")}
    kept = [pair for name, designs in results.items() for pair in report(name, designs, args.budget, args.early)]
    repeats = sum(d.repeats for designs in results.values() for d in designs)
    synthesized = sum(d.synthesized for designs in results.values() for d in designs)
    trials = sum(d.trials for designs in results.values() for d in designs)
    best, canned = geometric_mean([b for b, _ in kept]), geometric_mean([a for _, a in kept])
    print(f"\nover {len(kept)} designs, within {args.budget} trials each:")
    print(f"  best ADP / Yosys default: {best:.3f} (target <= {TARGET_DEFAULT}) "
          f"{'ok' if best <= TARGET_DEFAULT else 'MISSED'}")
    print(f"  best ADP / best canned recipe: {canned:.3f} (target <= {TARGET_CANNED}) "
          f"{'ok' if canned <= TARGET_CANNED else 'MISSED'}")
    print(f"  trials repeating an earlier netlist: {repeats}/{trials} = {repeats / max(trials, 1):.1%} "
          f"(target <= {TARGET_REPEATS:.0%}) {'ok' if repeats <= TARGET_REPEATS * trials else 'MISSED'}; "
          f"synthesized again: {synthesized}/{trials} = {synthesized / max(trials, 1):.1%}, the rest answered "
          "from the trial table without a tool run")


if __name__ == "__main__":
    main()
