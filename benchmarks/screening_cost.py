"""Screening cost: the syntheses and seconds knob screening takes over a space and tasks, cold (a
fresh cache), and what it finds, so two versions of the screening can be compared on the same
designs (run it at each; the findings must match where only the cost should change).

    .venv/bin/python benchmarks/screening_cost.py [--tasks adder32,mul8,mac8,alu,seqdet,fir4] [--workers 2]

The default tasks are the quickstart campaign's, over the packaged synthesis space.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from objectives.cache import EvalCache
from objectives.suites import load_suite
from optimize.screening import screen
from optimize.spaces import space_files, space_of

QUICKSTART = "adder32,mul8,mac8,alu,seqdet,fir4"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=QUICKSTART, help="built-in tasks, comma-separated")
    parser.add_argument("--space", default="synthesis", help="a packaged space or a space file")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    space = space_of(space_files([args.space], Path.cwd()))
    tasks = load_suite("builtin").select(args.tasks.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        screening = screen(space, tasks, EvalCache(Path(tmp) / "cache.sqlite"), args.workers)
        seconds = time.perf_counter() - start
    print(f"{len(tasks)} tasks, {args.workers} workers: {screening.syntheses} syntheses in {seconds:.1f} s")
    for line in screening.lines():
        print(line)


if __name__ == "__main__":
    main()
