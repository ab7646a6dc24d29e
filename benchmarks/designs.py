"""Outside designs with no testbench, from about a hundred to over twenty thousand cells: time per
stage and the equivalence outcome per design.

The designs are arithmetic circuits that the ``ariths-gen`` package (PyPI) generates as hierarchical
Verilog: array and Dadda multipliers and parallel-prefix adders no one here wrote. Each becomes a
task folder with only ``task.toml`` (its top) and ``reference.v``, so the cascade relies on the
equivalence stage and derives the clock period from the baseline flow.

Each design is evaluated cold (an empty cache), then once more as a campaign's later trial sees it:
the front stages and the equivalence stage's gold design from the cache, synthesis and the proof
run again (the same recipe under a key the first run did not store: gate-level simulation off,
which changes nothing without a testbench).

    .venv/bin/python benchmarks/designs.py [--largest 64]

Target (2-core machine): a design of 20 000 cells or more evaluated in <= 30 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ariths_gen.multi_bit_circuits.adders import UnsignedCarryLookaheadAdder, UnsignedRippleCarryAdder
from ariths_gen.multi_bit_circuits.multipliers import UnsignedArrayMultiplier, UnsignedDaddaMultiplier
from ariths_gen.wire_components import Bus

from objectives.cache import EvalCache
from objectives.cascade import derive_periods, evaluate
from objectives.results import STAGE_NAMES
from objectives.suites import load_suite

# (generator, operand width), smallest first.
DESIGNS = [(UnsignedRippleCarryAdder, 16), (UnsignedCarryLookaheadAdder, 32), (UnsignedArrayMultiplier, 8),
           (UnsignedCarryLookaheadAdder, 128), (UnsignedArrayMultiplier, 16), (UnsignedDaddaMultiplier, 24),
           (UnsignedArrayMultiplier, 32), (UnsignedArrayMultiplier, 48), (UnsignedArrayMultiplier, 56),
           (UnsignedArrayMultiplier, 64)]
TARGET_CELLS, TARGET_S = 20_000, 30.0


def name_of(generator: type, width: int) -> str:
    """Return the task name of an ``ariths-gen`` generator's design of operands ``width`` bits wide."""
    return f"{generator.__name__.removeprefix('Unsigned').lower()}{width}"


def write_tasks(root: Path, designs: list[tuple[type, int]]) -> None:
    """Write one task folder per design (an ``ariths-gen`` generator and its operand width)."""
    for generator, width in designs:
        name = name_of(generator, width)
        circuit = generator(Bus(N=width, prefix="a"), Bus(N=width, prefix="b"), name=name)
        folder = root / name
        folder.mkdir()
        (folder / "task.toml").write_text(f'top = "{name}"\n')
        with open(folder / "reference.v", "w") as rtl:
            circuit.get_v_code_hier(rtl)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--largest", type=int, default=64, help="widest operands to generate")
    largest = parser.parse_args().largest
    shown = [s for s in STAGE_NAMES if s not in ("simulation", "gatesim")]  # n/a without a testbench
    print(f"{'design':24s}{'cells':>7s}{'period':>8s}" + "".join(f"{s:>12s}" for s in shown)
          + f"{'total s':>9s}{'trial s':>9s}  equivalence")
    with tempfile.TemporaryDirectory() as tmp:
        write_tasks(Path(tmp), [(generator, width) for generator, width in DESIGNS if width <= largest])
        tasks = derive_periods(load_suite(f"tasks:{tmp}").tasks)
        largest_done = None
        for task in sorted(tasks, key=lambda t: Path(tmp, t.name, "reference.v").stat().st_size):
            cache = EvalCache(Path(tmp, f"{task.name}.sqlite"))
            start = time.perf_counter()
            evaluation = evaluate(task, cache=cache)
            total = time.perf_counter() - start
            start = time.perf_counter()
            evaluate(task, cache=cache, gate_level=False)
            trial = time.perf_counter() - start
            cells = evaluation.metrics.cells if evaluation.metrics else 0
            proof = evaluation.stage("equivalence").details
            outcome = f"{proof.get('outcome', evaluation.failure)} ({proof.get('method', '')})"
            stages = "".join(f"{evaluation.stage(s).seconds:12.2f}" for s in shown)
            print(f"{task.name:24s}{cells:7d}{task.period_ns:8.1f}{stages}{total:9.2f}{trial:9.2f}  {outcome}")
            if cells >= TARGET_CELLS and largest_done is None:
                largest_done = (task.name, cells, total, trial)
    if largest_done:
        name, cells, total, trial = largest_done
        verdict = "ok" if total <= TARGET_S else "MISSED"
        print(f"\n{name}: {cells} cells in {total:.1f} s cold, {trial:.1f} s as a later trial "
              f"(target <= {TARGET_S:g} s for >= {TARGET_CELLS} cells) {verdict}")


if __name__ == "__main__":
    main()
