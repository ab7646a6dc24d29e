"""Screening cost: the syntheses and seconds knob screening takes over a space and tasks, cold (a
fresh cache), and what it finds, so two versions of the screening can be compared on the same
designs (run it at each; the findings must match where only the cost should change).

    .venv/bin/python benchmarks/screening_cost.py [--tasks adder32,mul8,mac8,alu,seqdet,fir4] [--workers 2]
        [--outside arraymultiplier16] [--cap 100]

The default tasks are the quickstart campaign's, over the packaged synthesis space; ``--outside``
screens ``benchmarks/designs.py``'s ariths-gen designs of those names instead, and ``--cap`` caps
the syntheses as a campaign's ``screening: N`` does.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from designs import DESIGNS, name_of, write_tasks

from objectives.cache import EvalCache
from objectives.cascade import derive_periods
from objectives.suites import load_suite
from optimize.screening import screen
from optimize.spaces import space_files, space_of

QUICKSTART = "adder32,mul8,mac8,alu,seqdet,fir4"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=QUICKSTART, help="built-in tasks, comma-separated")
    parser.add_argument("--space", default="synthesis", help="a packaged space or a space file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--outside", help="benchmarks/designs.py's designs, comma-separated, instead of --tasks")
    parser.add_argument("--cap", type=int, help="at most this many syntheses")
    args = parser.parse_args()
    space = space_of(space_files([args.space], Path.cwd()))
    with tempfile.TemporaryDirectory() as tmp:
        if args.outside:
            names = args.outside.split(",")
            write_tasks(Path(tmp), [design for design in DESIGNS if name_of(*design) in names])
            tasks = derive_periods(load_suite(f"tasks:{tmp}").select(names))
        else:
            tasks = load_suite("builtin").select(args.tasks.split(","))
        start = time.perf_counter()
        screening = screen(space, tasks, EvalCache(Path(tmp) / "cache.sqlite"), args.workers, args.cap)
        seconds = time.perf_counter() - start
    print(f"{len(tasks)} tasks, {args.workers} workers: {screening.syntheses} syntheses in {seconds:.1f} s")
    for line in screening.lines():
        print(line)


if __name__ == "__main__":
    main()
