"""Optimizer overhead: how long Ax takes to propose a batch of 4, default vs. fast strategy.

    .venv/bin/python benchmarks/bo_overhead.py                      # full run (~30 min)
    .venv/bin/python benchmarks/bo_overhead.py --n 20 100 --seeds 0 --repeats 1   # short run
    .venv/bin/python benchmarks/bo_overhead.py --n 100 --repeats 10 --seeds --versus '{"fast_posterior": false}'
    .venv/bin/python benchmarks/bo_overhead.py --n 20 100 --repeats 3 --seeds --fused-kernel --cpu-time

Problem: the real synthesis space (the packaged `synthesis` space less the ABC operation sequence:
8 booleans, 3 unordered choices, 1 float), objectives "-power, -delay, -area" with thresholds
"<= 1.1", constraints "worst_slack >= 0" and "gatesim_rate >= 1", as the campaigns configure them
in AxOptimizer.

Outcomes are synthetic (see ``synthetic_outcome``): a deterministic function of the knobs that
mimics a synthesis flow relative to the baseline (baseline ~1.0 on each objective). Each knob
multiplies (area, delay, power) by a factor; the factors interact (Booth helps only with alumacc,
arith_tree helps more with Booth, retiming needs flatten, gate sizing helps less with the speed
recipe and costs area and power only with buffering, the delay target acts only with the
map-based recipes or gate sizing and has an optimum near 0.7 of the clock period), power
follows area (``power *= area ** 0.3``), plus a +-1 %
deterministic design-specific wiggle. worst_slack = 1.05 - delay; gatesim_rate = 1.3 / area**2,
lower with retiming without flatten or without FSM extraction. About half of the space is
feasible; the best attainable hypervolume (enumerating all choices and 31 delay targets) is ~0.0615.
Trials are reported with SEM 0, as AxOptimizer.tell does, for the effective configuration (idle
knobs at their defaults), as the campaign loop evaluates it; rtlbo's strategy gets the space's
conditional knobs, as AxOptimizer passes them.

Part 1 (overhead): for each N, a client gets N completed trials (N-1 attached Sobol points plus
the first generated trial, so that the timed call is all BoTorch: Ax moves one generation node
per generated trial), then ``get_next_trials(max_trials=4)`` is timed. "fast cold" is a fresh
client (model fitted from scratch: a restarted campaign), median over ``--repeats`` data sets;
"fast warm" is the next batch of the same client after completing those 4 (a running campaign,
hyperparameters warm-started). Ax defaults are timed once per N and skipped for larger N after a
call over ``--ax-limit`` seconds.

``--fused-kernel`` (instead of part 1): BoTorch JIT-compiles a fused C++ kernel for qLogEHVI the
first time one is built; rtlbo keeps it off (optimize/optimizers/ax_strategy/__init__.py). This compiles
it here and measures what it would save: one acquisition call with its gradient at the sizes
the optimizer evaluates, with and without the kernel (CPU time, alternating), then the batch of
4 side by side as with ``--versus``. ``--cpu-time`` times with the process's CPU time, for a
machine shared with other work.

Part 2 (quality): a closed loop per seed and strategy: 10 initialization trials (center + Sobol),
then batches of 4 proposals until 34 trials, each evaluated on the synthetic function. Prints
the final hypervolume of the feasible points (reference point 1.1 on each objective, BoTorch
``Hypervolume``) and the mean time per BO batch.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

logging.disable(logging.INFO)  # Ax logs at INFO while it is imported
try:
    from ax.api.client import Client
finally:
    logging.disable(logging.NOTSET)

import torch  # noqa: E402
from botorch.acquisition.multi_objective import logei  # noqa: E402
from botorch.utils.multi_objective.hypervolume import Hypervolume  # noqa: E402
from botorch.utils.multi_objective.pareto import is_non_dominated  # noqa: E402
from scipy.stats import qmc  # noqa: E402

from optimize.optimizers.ax import ax_inactive_inputs, ax_parameters, quiet_ax  # noqa: E402
from optimize.optimizers.ax_strategy import (  # noqa: E402
    MC_SAMPLES,
    NUM_RESTARTS,
    RAW_SAMPLES,
    build_generation_strategy,
    fast_generation_strategy,
)
from optimize.spaces import packaged_space  # noqa: E402
from search_spaces import build_space  # noqa: E402


def _without_sequence(space: dict[str, Any]) -> dict[str, Any]:
    """The packaged synthesis space less ``abc_recipe: sequence`` and the knobs that act only under
    it (the operation sequence, its mapping), which the synthetic flow does not model
    (benchmarks/sequence_model.py measures it)."""
    knobs = {name: dict(knob) for name, knob in space["knobs"].items()}
    knobs["abc_recipe"]["values"] = [v for v in knobs["abc_recipe"]["values"] if v != "sequence"]
    for name, knob in list(knobs.items()):
        if "abc_recipe" in knob.get("active_when", {}):
            recipes = [v for v in knob["active_when"]["abc_recipe"] if v != "sequence"]
            if recipes:
                knob["active_when"] = {**knob["active_when"], "abc_recipe": recipes}
            else:
                del knobs[name]
    return {"knobs": knobs}


SPACE = build_space([("synthesis", _without_sequence(packaged_space("synthesis")))])
IDLE = ax_inactive_inputs(SPACE)  # the conditional knobs, as AxOptimizer passes them
OBJECTIVES = ("power", "delay", "area")
REFERENCE = 1.1
CONSTRAINTS = ["worst_slack >= 0", "gatesim_rate >= 1"]
BATCH = 4

# -- the synthetic flow -----------------------------------------------------------------------
# (area, delay, power) factors
RECIPE = {
    "yosys-default": (1.00, 1.00, 1.00),
    "resyn2": (0.93, 0.97, 0.95),
    "compress2rs": (0.90, 1.03, 0.93),
    "dch-map": (0.95, 0.91, 0.98),
    "area": (0.85, 1.10, 0.88),
    "speed": (1.08, 0.85, 1.07),
}
ADDER = {
    "default": (1.0, 1.0, 1.0),
    "kogge-stone": (1.07, 0.90, 1.06),
    "han-carlson": (1.03, 0.94, 1.03),
    "sklansky": (1.04, 0.92, 1.07),
}
FSM = {"auto": (1.0, 1.0, 1.0), "one-hot": (1.0, 1.0, 1.0), "binary": (0.97, 1.04, 0.97), "none": (1.05, 1.05, 1.06)}
MAP_BASED = ("resyn2", "compress2rs", "dch-map")


def synthetic_outcome(c: dict[str, Any]) -> dict[str, float]:
    """Return power, delay, area (relative to the baseline) and the two constraint metrics."""
    f = np.ones(3)  # area, delay, power
    f *= RECIPE[c["abc_recipe"]]
    f *= ADDER[c["adder"]]
    f *= FSM[c["fsm_encoding"]]
    if c["booth"]:
        f *= (0.94, 0.93, 0.95) if c["alumacc"] else (1.03, 0.99, 1.02)
    if c["arith_tree"]:
        f *= (1.01, 0.96 if c["booth"] else 0.98, 1.0)
    if not c["alumacc"]:
        f *= (1.04, 1.03, 1.03)
    if not c["share"]:
        f *= (1.05, 0.98, 1.04)
    if not c["flatten"]:
        f *= (1.03, 1.02, 1.01)
    if c["gate_sizing"] and c["buffering"]:
        f *= (1.04, 0.97 if c["abc_recipe"] == "speed" else 0.92, 1.05)
    elif c["gate_sizing"]:
        f *= (1.00, 0.99 if c["abc_recipe"] == "speed" else 0.96, 0.98)
    if c["retime"]:
        f *= (1.03, 0.90 if c["flatten"] else 0.97, 1.02)
    t = float(c["abc_delay_target"])
    if c["abc_recipe"] in MAP_BASED or c["gate_sizing"]:
        f[0] *= 1.0 - 0.09 * (1.0 - math.exp(-2.0 * t))
        f[2] *= 1.0 - 0.05 * (1.0 - math.exp(-2.0 * t))
        f[1] *= 1.0 - 0.05 * math.exp(-(((t - 0.7) / 0.25) ** 2)) + 0.12 * max(0.0, t - 0.9) ** 2
    area, delay, power = f
    power *= area**0.3
    h = sum((i + 1) * (len(str(c[k])) + (c[k] is True)) for i, k in enumerate(sorted(c)))
    area *= 1 + 0.01 * math.sin(h)
    delay *= 1 + 0.01 * math.cos(1.7 * h)
    power *= 1 + 0.01 * math.sin(2.3 * h + t)
    rate = 1.3 / area**2
    rate *= 0.7 if (c["retime"] and not c["flatten"]) else 1.0
    rate *= 0.85 if c["fsm_encoding"] == "none" else 1.0
    return {"power": power, "delay": delay, "area": area, "worst_slack": 1.05 - delay, "gatesim_rate": rate}


def feasible(o: dict[str, float]) -> bool:
    return o["worst_slack"] >= 0 and o["gatesim_rate"] >= 1


def hypervolume(outcomes: list[dict[str, float]]) -> float:
    """Hypervolume of the feasible outcomes w.r.t. 1.1 on each (minimized) objective."""
    Y = torch.tensor([[-o[k] for k in OBJECTIVES] for o in outcomes if feasible(o)], dtype=torch.double)
    Y = Y.reshape(-1, len(OBJECTIVES))
    Y = Y[(Y >= -REFERENCE).all(-1)]
    if len(Y) == 0:
        return 0.0
    return float(
        Hypervolume(torch.full((len(OBJECTIVES),), -REFERENCE, dtype=torch.double)).compute(Y[is_non_dominated(Y)])
    )


_ENUMERATION: list[tuple[dict[str, Any], dict[str, float]]] = []


def enumerate_space() -> list[tuple[dict[str, Any], dict[str, float]]]:
    """Every discrete combination x 31 delay targets with its outcome (computed once)."""
    if not _ENUMERATION:
        discrete = [k for k in SPACE.tunable if k.type != "float"]
        for combo in itertools.product(*[k.choices for k in discrete]):
            config = dict(zip([k.name for k in discrete], combo, strict=True))
            for t in np.linspace(0.0, 1.5, 31):
                c = {**config, "abc_delay_target": float(t)}
                _ENUMERATION.append((c, synthetic_outcome(c)))
    return _ENUMERATION


def best_hypervolume() -> float:
    """The attainable hypervolume (over the enumeration)."""
    return hypervolume([o for _, o in enumerate_space()])


def pareto_configs() -> list[dict[str, Any]]:
    """The feasible Pareto-optimal configurations of the enumeration."""
    pairs = [(c, o) for c, o in enumerate_space() if feasible(o) and max(o[k] for k in OBJECTIVES) <= REFERENCE]
    Y = -torch.tensor([[o[k] for k in OBJECTIVES] for _, o in pairs], dtype=torch.double)
    return [pairs[i][0] for i in torch.nonzero(is_non_dominated(Y)).flatten().tolist()]


def campaign_configs(n: int, seed: int) -> list[dict[str, Any]]:
    """n configurations shaped like a running campaign's trials: the first half Sobol points,
    the second half near the Pareto front (a Pareto-optimal configuration with 0-2 knobs redrawn
    and the delay target jittered), as BO proposals concentrate there. The dense front matters:
    qLogNEHVI's cost grows with the number of Pareto-optimal points, so Sobol-only data would
    understate the overhead of a real campaign."""
    rng = np.random.default_rng(seed)
    n_sobol = n - n // 2
    configs = [SPACE.decode(u) for u in qmc.Sobol(SPACE.dimension, seed=seed).random(n_sobol)]
    front = pareto_configs()
    knobs = SPACE.tunable
    while len(configs) < n:
        c = dict(front[rng.integers(len(front))])
        for i in rng.choice(len(knobs), size=rng.integers(0, 3), replace=False):
            c[knobs[i].name] = knobs[i].decode(rng.random())
        c["abc_delay_target"] = float(np.clip(c["abc_delay_target"] + rng.normal(0.0, 0.1), 0.0, 1.5))
        if SPACE.complete(c) not in configs:
            configs.append(SPACE.complete(c))
    return configs


# -- clients ----------------------------------------------------------------------------------

clock = time.perf_counter  # what the proposal times are measured with (--cpu-time: time.process_time)


def make_client(strategy: str, seed: int, init_budget: int | None = None, fast_options: dict | None = None) -> Client:
    client = Client(random_seed=seed)
    client.configure_experiment(parameters=ax_parameters(SPACE), name="bo_overhead")
    client.configure_optimization(
        objective=", ".join(f"-{o}" for o in OBJECTIVES),
        outcome_constraints=[f"{o} <= {REFERENCE:g}" for o in OBJECTIVES] + CONSTRAINTS,
    )
    if strategy == "ax":
        client.configure_generation_strategy(method="fast", initialization_budget=init_budget)
    elif fast_options:
        options = {"inactive_inputs": IDLE, **fast_options}
        client.set_generation_strategy(build_generation_strategy(seed, None, init_budget, **options))
    else:
        client.set_generation_strategy(fast_generation_strategy(seed, None, init_budget, inactive_inputs=IDLE))
    return client


def complete(client: Client, trials: dict[int, Any], log: list | None = None) -> None:
    for index, params in trials.items():
        outcome = synthetic_outcome(SPACE.effective(SPACE.complete(params)))  # as the campaign loop runs it
        client.complete_trial(index, raw_data={k: (v, 0.0) for k, v in outcome.items()})
        if log is not None:
            log.append(outcome)


def client_with_data(strategy: str, n: int, data_seed: int, fast_options: dict | None) -> Client:
    """A client with n completed trials whose next generated trial comes from the BO node."""
    client = make_client(strategy, data_seed, fast_options=fast_options)
    for config in campaign_configs(n - 1, data_seed):
        index = client.attach_trial(SPACE.by_coordinate(config))
        complete(client, {index: config})
    complete(client, client.get_next_trials(max_trials=1))  # the Sobol node's one trial
    return client


def timed_batch(client: Client) -> tuple[float, dict[int, Any]]:
    start = clock()
    trials = client.get_next_trials(max_trials=BATCH)
    elapsed = clock() - start
    assert len(trials) == BATCH, f"got {len(trials)} trials"
    return elapsed, trials


def cold_and_warm(n: int, data_seed: int, fast_options: dict | None) -> tuple[float, float]:
    """Time a fresh client's batch and, after completing it, the next batch."""
    client = client_with_data("fast", n, data_seed, fast_options)
    cold, trials = timed_batch(client)
    complete(client, trials)
    return cold, timed_batch(client)[0]


def overhead_table(ns: list[int], repeats: int, ax_limit: float, skip_ax: bool, fast_options: dict | None) -> None:
    print(f"\n== Part 1: get_next_trials(max_trials={BATCH}) wall time (s) vs. completed trials N ==")
    print(f"{'N':>5} {'Ax default':>11} {'fast cold':>10} {'(min..max)':>14} {'fast warm':>10} {'speed-up':>9}")
    ax_over = None
    for n in ns:
        pairs = [cold_and_warm(n, r, fast_options) for r in range(repeats)]
        cold, warm = [c for c, _ in pairs], [w for _, w in pairs]
        if skip_ax:
            ax_cell, speed = "not run", ""
        elif ax_over is not None:
            ax_cell, speed = "skipped", ""
            print(
                f"      (Ax default at N={n} skipped: its call at N={ax_over[0]} "
                f"took {ax_over[1]:.0f} s > {ax_limit:g} s)"
            )
        else:
            ax_time = timed_batch(client_with_data("ax", n, 0, None))[0]
            ax_cell, speed = f"{ax_time:.1f}", f"{ax_time / statistics.median(cold):.1f}x"
            if ax_time > ax_limit:
                ax_over = (n, ax_time)
        rng = f"{min(cold):.1f}..{max(cold):.1f}"
        cold_median, warm_median = statistics.median(cold), statistics.median(warm)
        print(f"{n:>5} {ax_cell:>11} {cold_median:>10.2f} {rng:>14} {warm_median:>10.2f} {speed:>9}", flush=True)


def side_by_side(ns: list[int], repeats: int, fast_options: dict | None, label: str,
                 variant: Callable[[int, int], tuple[float, float]]) -> None:
    """Time the fast strategy and a variant of it (``variant(n, data_set)`` -> cold, warm) on the
    same data sets, in turn first (the first call at a new N pays one-time costs)."""
    print(f"\n== Side by side: {fast_options or 'defaults'} against {label} (cold / warm, s) ==")
    variant(ns[0], repeats)  # untimed: neither side pays the process's one-time costs
    for n in ns:
        times: dict[str, list[tuple[float, float]]] = {"this": [], "variant": []}
        for r in range(repeats):
            if r % 2:
                other, this = variant(n, r), cold_and_warm(n, r, fast_options)
            else:
                this, other = cold_and_warm(n, r, fast_options), variant(n, r)
            times["this"].append(this)
            times["variant"].append(other)
            pair = f"this {this[0]:.2f} / {this[1]:.2f}, variant {other[0]:.2f} / {other[1]:.2f}"
            print(f"N={n} data set {r}: {pair}", flush=True)
        for name, pairs in times.items():
            cold, warm = zip(*pairs, strict=True)
            print(f"N={n} {name:>7}: median {statistics.median(cold):.2f} / {statistics.median(warm):.2f}", flush=True)


def fused_kernel() -> Any:
    """Return BoTorch's fused log-EI C++ kernel, JIT-compiled here (rtlbo never loads it; see
    optimize/optimizers/ax_strategy/__init__.py). Needs a C++ compiler and ninja."""
    logei._load_attempted = False
    logei._try_load_fused_kernel()
    kernel, logei._C = logei._C, None
    if kernel is None:
        sys.exit("BoTorch could not compile its fused kernel (no C++ compiler or ninja?)")
    return kernel


def acquisition_calls(n: int, data_seed: int, kernel: Any, calls: int) -> None:
    """Print the CPU time of one call of rtlbo's acquisition (qLogEHVI over the front of the GP's
    mean, the campaign's two constraints, MC_SAMPLES quasi-MC samples, q = 1) with its gradient,
    at RAW_SAMPLES and at NUM_RESTARTS candidates, after n trials, with BoTorch's fused kernel
    and without it (alternating, medians of ``calls``), and the largest difference in value."""
    from botorch.acquisition.multi_objective.objective import IdentityMCMultiOutputObjective
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import SingleTaskGP
    from botorch.models.transforms.outcome import Standardize
    from botorch.sampling.normal import SobolQMCNormalSampler
    from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning
    from gpytorch.mlls import ExactMarginalLogLikelihood

    configs = [SPACE.effective(c) for c in campaign_configs(n, data_seed)]
    outcomes = [synthetic_outcome(c) for c in configs]
    X = torch.tensor(np.array([SPACE.encode(c) for c in configs]), dtype=torch.double)
    Y = torch.tensor([[-o["power"], -o["delay"], -o["area"], o["worst_slack"], o["gatesim_rate"]] for o in outcomes],
                     dtype=torch.double)
    model = SingleTaskGP(X, Y, outcome_transform=Standardize(m=Y.shape[-1]))
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    with torch.no_grad():
        mean = model.posterior(X).mean
    reference = torch.full((len(OBJECTIVES),), -REFERENCE, dtype=torch.double)
    front = mean[(mean[:, 3] >= 0) & (mean[:, 4] >= 1), :3]
    acqf = logei.qLogExpectedHypervolumeImprovement(
        model=model, ref_point=reference, partitioning=FastNondominatedPartitioning(ref_point=reference, Y=front),
        sampler=SobolQMCNormalSampler(sample_shape=torch.Size([MC_SAMPLES])),
        objective=IdentityMCMultiOutputObjective(outcomes=[0, 1, 2]),
        constraints=[lambda Z: -Z[..., 3], lambda Z: 1.0 - Z[..., 4]],
    )
    for size in (RAW_SAMPLES, NUM_RESTARTS):
        candidates = torch.rand(size, 1, X.shape[-1], dtype=torch.double, generator=torch.Generator().manual_seed(0))
        times: dict[bool, list[float]] = {False: [], True: []}
        values: dict[bool, torch.Tensor] = {}
        for _ in range(calls):
            for fused in (False, True):
                with kernel_in_use(kernel if fused else None):
                    x = candidates.clone().requires_grad_(True)
                    start = time.process_time()
                    value = acqf(x)
                    value.sum().backward()
                    times[fused].append(time.process_time() - start)
                    values[fused] = value.detach()
        without, with_kernel = statistics.median(times[False]), statistics.median(times[True])
        difference = float((values[True] - values[False]).abs().max())
        print(f"N={n} data set {data_seed}, {size} candidates: {without * 1e3:.1f} ms without the kernel, "
              f"{with_kernel * 1e3:.1f} ms with it ({without / with_kernel:.2f}x); front of {len(front)} points, "
              f"largest difference {difference:.1e}", flush=True)


@contextmanager
def kernel_in_use(kernel: Any) -> Iterator[None]:
    """Let BoTorch's log-EI acquisitions use ``kernel`` inside the block."""
    logei._C = kernel
    try:
        yield
    finally:
        logei._C = None


def closed_loop(
    strategy: str, seed: int, n_init: int, n_total: int, fast_options: dict | None
) -> tuple[float, list[float]]:
    """Run init + BO batches of 4 on the synthetic flow; return final hypervolume and BO batch times."""
    client = make_client(strategy, seed, init_budget=n_init, fast_options=fast_options)
    outcomes: list[dict[str, float]] = []
    bo_times = []
    while len(outcomes) < n_total:
        start = clock()
        trials = client.get_next_trials(max_trials=min(BATCH, n_total - len(outcomes)))
        elapsed = clock() - start
        if len(outcomes) >= n_init:
            bo_times.append(elapsed)
        complete(client, trials, outcomes)
    return hypervolume(outcomes), bo_times


def quality(seeds: list[int], n_init: int, n_total: int, skip_ax: bool, fast_options: dict | None) -> None:
    print(f"\n== Part 2: closed loop, {n_init} init + BO batches of {BATCH} up to {n_total} trials ==")
    print(f"best attainable hypervolume: {best_hypervolume():.4f}")
    print(f"{'seed':>4} {'HV Ax default':>14} {'HV fast':>9} {'s/batch Ax':>11} {'s/batch fast':>13}")
    results: dict[str, list[float]] = {"ax": [], "fast": []}
    for seed in seeds:
        row = {}
        for strategy in ("ax", "fast"):
            if strategy == "ax" and skip_ax:
                row[strategy] = (math.nan, [math.nan])
                continue
            row[strategy] = closed_loop(strategy, seed, n_init, n_total, fast_options)
            results[strategy].append(row[strategy][0])
        (hv_ax, t_ax), (hv_fast, t_fast) = row["ax"], row["fast"]
        print(
            f"{seed:>4} {hv_ax:>14.4f} {hv_fast:>9.4f} {statistics.mean(t_ax):>11.1f} {statistics.mean(t_fast):>13.1f}",
            flush=True,
        )
    for strategy, values in results.items():
        if values:
            print(f"mean HV {strategy}: {statistics.mean(values):.4f} over {len(values)} seed(s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="*", default=[20, 50, 100, 150], help="completed-trial counts (part 1)")
    parser.add_argument("--repeats", type=int, default=3, help="data sets per N for the fast strategy (median)")
    parser.add_argument(
        "--ax-limit", type=float, default=200.0, help="skip Ax defaults at larger N after a call this slow (s)"
    )
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1], help="closed-loop seeds (part 2)")
    parser.add_argument("--init", type=int, default=10, help="closed-loop initialization trials")
    parser.add_argument("--total", type=int, default=34, help="closed-loop trials in all")
    parser.add_argument("--skip-ax", action="store_true", help="time only the fast strategy")
    parser.add_argument(
        "--fast-options", type=json.loads, default=None, help="JSON kwargs for build_generation_strategy"
    )
    parser.add_argument(
        "--versus",
        type=json.loads,
        default=None,
        help="JSON kwargs of a variant timed side by side with the fast strategy at each N (replaces part 1)",
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with the process's CPU time (all threads) instead of the wall clock, on a machine shared "
        "with other work",
    )
    parser.add_argument(
        "--fused-kernel",
        action="store_true",
        help="time the fast strategy with BoTorch's fused log-EI kernel side by side with it (replaces part 1)",
    )
    args = parser.parse_args()
    global clock
    clock = time.process_time if args.cpu_time else time.perf_counter

    quiet_ax()
    warnings.filterwarnings("ignore", message=r".*balance properties of Sobol.*")
    start = time.perf_counter()
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"fast options: {args.fast_options or 'defaults'}; times: {'CPU' if args.cpu_time else 'wall'}"
    )
    if args.n and args.fused_kernel:
        kernel = fused_kernel()
        print("\n== One acquisition call with its gradient (CPU time, median of 30) ==")
        for n in args.n:
            for r in range(args.repeats):
                acquisition_calls(n, r, kernel, calls=30)

        def with_kernel(n: int, r: int) -> tuple[float, float]:
            with kernel_in_use(kernel):
                return cold_and_warm(n, r, args.fast_options)

        side_by_side(args.n, args.repeats, args.fast_options, "BoTorch's fused log-EI kernel", with_kernel)
    elif args.n and args.versus:
        versus = {**(args.fast_options or {}), **args.versus}
        side_by_side(args.n, args.repeats, args.fast_options, str(args.versus),
                     lambda n, r: cold_and_warm(n, r, versus))
    elif args.n:
        overhead_table(args.n, args.repeats, args.ax_limit, args.skip_ax, args.fast_options)
    if args.seeds:
        quality(args.seeds, args.init, args.total, args.skip_ax, args.fast_options)
    print(f"\ntotal benchmark time: {(time.perf_counter() - start) / 60:.1f} min")


if __name__ == "__main__":
    main()
