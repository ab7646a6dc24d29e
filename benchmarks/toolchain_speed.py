"""Toolchain speed: per-stage and total time per built-in task, cold and cached, the whole suite
cold with 2 workers, and the OS sandbox's overhead (every task evaluated with and without it,
interleaved, in the same run).

    .venv/bin/python benchmarks/toolchain_speed.py [--rounds 3]

Targets (2-core machine): median full evaluation <= 2 s, cache hit <= 20 ms, suite cold with
2 workers <= 60 s, sandbox overhead <= 10 %.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from objectives.cache import EvalCache
from objectives.cascade import evaluate
from objectives.results import STAGE_NAMES
from objectives.runner import SANDBOX_ENV
from objectives.suites import load_suite
from objectives.tasks import Task


def sandbox_overhead(tasks: list[Task], rounds: int) -> float:
    """Return the suite's total evaluation time with the sandbox over the time without, minus 1,
    from ``rounds`` interleaved cold evaluations of every task in each mode."""
    seconds = {"on": 0.0, "off": 0.0}
    for round_ in range(rounds):
        for task in tasks:
            for mode in ("on", "off") if round_ % 2 == 0 else ("off", "on"):
                os.environ[SANDBOX_ENV] = mode
                start = time.perf_counter()
                evaluation = evaluate(task)
                seconds[mode] += time.perf_counter() - start
                assert evaluation.feasible, evaluation.failure
    os.environ.pop(SANDBOX_ENV)
    print(f"sandbox on {seconds['on']:.2f} s, off {seconds['off']:.2f} s over {rounds} rounds of {len(tasks)} tasks")
    return seconds["on"] / seconds["off"] - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds for the sandbox overhead")
    rounds = parser.parse_args().rounds
    tasks = load_suite("builtin").tasks
    with tempfile.TemporaryDirectory() as tmp:
        cache = EvalCache(Path(tmp) / "cold.sqlite")
        header = f"{'task':10s}" + "".join(f"{s:>11s}" for s in STAGE_NAMES) + f"{'total':>9s}{'cached ms':>11s}"
        print(header)
        totals, hits = [], []
        for task in tasks:
            start = time.perf_counter()
            evaluation = evaluate(task, cache=cache)
            total = time.perf_counter() - start
            start = time.perf_counter()
            again = evaluate(task, cache=cache)
            hit = time.perf_counter() - start
            assert again.cached and evaluation.feasible, evaluation.failure
            totals.append(total)
            hits.append(hit)
            stages = "".join(f"{evaluation.stage(s).seconds:11.3f}" for s in STAGE_NAMES)
            print(f"{task.name:10s}{stages}{total:9.3f}{hit * 1000:11.2f}")

        suite_cache = EvalCache(Path(tmp) / "suite.sqlite")
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda t: evaluate(t, cache=suite_cache), tasks))
        suite = time.perf_counter() - start

    median, hit = statistics.median(totals), statistics.median(hits) * 1000
    print()
    overhead = sandbox_overhead(tasks, rounds)
    print(f"median full evaluation : {median:6.2f} s   (target <= 2 s)  {'ok' if median <= 2 else 'MISSED'}")
    print(f"median cache hit       : {hit:6.2f} ms  (target <= 20 ms) {'ok' if hit <= 20 else 'MISSED'}")
    print(f"suite cold, 2 workers  : {suite:6.2f} s   (target <= 60 s) {'ok' if suite <= 60 else 'MISSED'}"
          f"   [{len(tasks)} tasks]")
    print(f"sandbox overhead       : {overhead:6.1%}    (target <= 10 %) {'ok' if overhead <= 0.10 else 'MISSED'}")


if __name__ == "__main__":
    main()
