"""Formal equivalence: outcome, method and time per built-in task and recipe, and the same
netlists with one gate changed, which must be refuted by a counterexample that reproduces in
simulation.

    .venv/bin/python benchmarks/equivalence.py [--recipes default retime ...] [--tasks mul16 ...]

Each task is synthesized with the recipe (the cascade's synthesis stage), then the netlist is
proved equivalent to the RTL as synthesis read it, with the task's clock and reset; the broken
netlist swaps one gate for another (an AND2X1 for an OR2X1, else a NAND2X1 for a NOR2X1, ...). Times exclude synthesis.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from objectives.cascade import Cascade, StageLimits
from objectives.equivalence import prove
from objectives.recipe import Recipe
from objectives.runner import Limits
from objectives.suites import load_suite
from objectives.technology import Technology

RECIPES = {"default": Recipe(), "retime": Recipe(retime=True), "area": Recipe(abc_recipe="area"),
           "gate_sizing": Recipe(gate_sizing=True), "fsm_binary": Recipe(fsm_encoding="binary")}
SWAPS = (("AND2X1", "OR2X1"), ("NAND2X1", "NOR2X1"), ("NOR2X1", "NAND2X1"), ("OAI21X1", "AOI21X1"))


def broken(netlist: str) -> str:
    """Return ``netlist`` with the first cell of the first type in SWAPS it has made the other type."""
    for cell, other in SWAPS:
        if f"  {cell} " in netlist:
            return netlist.replace(f"  {cell} ", f"  {other} ", 1)
    raise ValueError("the netlist has none of the cells to swap")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--tasks", nargs="+", help="built-in task names (default: all)")
    parser.add_argument("--timeout", type=float, default=60.0, help="time limit per proof, seconds")
    args = parser.parse_args()
    tech = Technology.from_env()
    tasks = [t for t in load_suite("builtin").tasks if not args.tasks or t.name in args.tasks]
    print(f"{'recipe':12s}{'task':9s}{'cells':>6s}{'outcome':>9s}{'s':>7s}  {'method':66s}{'broken':>9s}{'s':>7s}")
    times: list[float] = []
    for name in args.recipes:
        for task in tasks:
            with tempfile.TemporaryDirectory(prefix="rtlbo-bench-") as tmp:
                cascade = Cascade(task, task.reference_rtl, Path(tmp), StageLimits(), {}, tech)
                (synthesis,) = cascade.synthesize(RECIPES[name])
                assert synthesis.passed, synthesis.reason
                options = dict(clocks=tuple(port for port, _ in task.clocks), reset=task.reset,
                               reset_active=task.reset_active, retimed=RECIPES[name].retime,
                               cell_models=tech.cell_models)
                rtl, limits = cascade.views["synthesis"], Limits(timeout_s=args.timeout)
                start = time.perf_counter()
                good = prove(rtl, task.top, cascade.netlist, tech.liberty, Path(tmp) / "good", limits, **options)
                seconds = time.perf_counter() - start
                start = time.perf_counter()
                bad = prove(rtl, task.top, broken(cascade.netlist), tech.liberty, Path(tmp) / "bad", limits, **options)
                bad_seconds = time.perf_counter() - start
            times.append(seconds)
            print(f"{name:12s}{task.name:9s}{synthesis.details['cells']:6d}{good.outcome:>9s}{seconds:7.2f}  "
                  f"{good.method:66s}{bad.outcome:>9s}{bad_seconds:7.2f}", flush=True)
            for result in (good, bad):
                if result.outcome == "unknown":
                    print(f"    unknown: {result.reason}")
    print(f"\nproofs: {len(times)}, median {statistics.median(times):.2f} s, max {max(times):.2f} s, "
          f"total {sum(times):.1f} s")


if __name__ == "__main__":
    main()
