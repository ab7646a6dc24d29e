"""``rtlbo eval``: resolve what to evaluate (suite tasks, or a user's design with or without a
testbench) and run it in parallel."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from objectives.cache import EvalCache
from objectives.cascade import DEFAULT_LINT, derive_periods, evaluate
from objectives.design import design_task
from objectives.errors import RtlboError
from objectives.files import path_problem, read_text, shown
from objectives.lint import LintPolicy
from objectives.recipe import Recipe
from objectives.results import Evaluation
from objectives.sources import SourceSettings, read_design, set_parameters
from objectives.suites import load_suite
from objectives.tasks import Task, check_period
from objectives.trial import recipe_of
from optimize.package import RTL, check_technology, exported_knobs, load_export

MAX_RTL_BYTES = 16 << 20  # a design or testbench; more is not RTL a person or an LLM wrote
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,1023}")


@dataclass
class EvalRequest:
    """What ``rtlbo eval`` was asked to do."""

    tasks: list[str] = field(default_factory=list)
    suite: str = "builtin"
    rtl: list[Path] = field(default_factory=list)
    testbench: Path | None = None
    sources: SourceSettings = field(default_factory=SourceSettings)
    top: str | None = None
    clocks: list[str] | None = None
    reset: str | None = None
    period: float | None = None
    recipe: Path | None = None
    config: Path | None = None
    use_cache: bool = True
    cache: Path | None = None
    workers: int = 2
    artifacts: Path | None = None
    lint: LintPolicy = DEFAULT_LINT
    gate_level: bool = True


def check(request: EvalRequest) -> None:
    """Raise RtlboError for a request that names a bad clock period, top module or clock port, a
    cache or artifacts path rtlbo cannot write, or a design or flow beside --config (nothing is
    read or written first)."""
    check_period(request.period, "--period")
    if request.config is not None:
        given = [option for option, value in (
            ("--rtl", request.rtl), ("--testbench", request.testbench), ("--top", request.top),
            ("--clock", request.clocks), ("--reset", request.reset), ("--period", request.period),
            ("--recipe", request.recipe), ("--include-dir, --define or --param", request.sources != SourceSettings()),
        ) if value]
        if given:
            raise RtlboError(f"--config reproduces the export's own RTL under its own flow; drop {given[0]}")
    names = [("--top", request.top), ("--reset", request.reset), *(("--clock", c) for c in request.clocks or [])]
    for option, name in names:
        if name is not None and not IDENTIFIER.fullmatch(name):
            raise RtlboError(f"{option} {name[:60]!r} is not a Verilog identifier; give a module or port name")
    for option, path, kind in (("--cache", request.cache, "file"), ("--artifacts", request.artifacts, "directory")):
        problem = path is not None and path_problem(path, kind)
        if problem:
            raise RtlboError(f"{option} {shown(path)}: {problem}")


def resolve(request: EvalRequest) -> list[tuple[Task, str, str]]:
    """Return (task, rtl text, rtl origin) for every evaluation the request asks for."""
    if request.config is not None:
        config, folder = load_export(request.config)
        suite = load_suite(config["tasks"]["suite"]).select(config["tasks"]["select"])
        chosen = [t for t in suite if not request.tasks or t.name in request.tasks]
        missing = set(request.tasks) - {t.name for t in chosen}
        if missing:
            raise RtlboError(f"the export has no task {', '.join(sorted(missing))}; it has "
                             f"{', '.join(config['tasks']['select'])}")
        return [(t, read_text(folder / t.name / RTL, "exported RTL file", MAX_RTL_BYTES), str(folder / t.name / RTL))
                for t in chosen]
    if request.rtl and not request.tasks:
        task = design_task(request.rtl, request.top, request.clocks, request.reset, request.period,
                           request.testbench, sources=request.sources)
        return [(task, task.reference_rtl, ", ".join(map(str, request.rtl)))]
    if request.testbench is not None:
        raise RtlboError("--testbench goes with --rtl and no --task (the design it tests)")
    if request.sources != SourceSettings() and not request.rtl:
        raise RtlboError("--include-dir, --define and --param go with --rtl (the files they apply to); a task "
                         "folder gives them in its task.toml")
    tasks = load_suite(request.suite).select(request.tasks)
    if not tasks:
        raise RtlboError(f"suite {request.suite} has no tasks; run 'rtlbo tasks list --suite {request.suite}'")
    if request.rtl:
        if len(tasks) != 1:
            raise RtlboError("--rtl with --task replaces one task's reference; name one task")
        text = set_parameters(read_design(request.rtl, request.sources), tasks[0].top, request.sources.parameters)
        return [(tasks[0], text, ", ".join(map(str, request.rtl)))]
    return [(t, t.reference_rtl, "reference") for t in tasks]


def run_eval(request: EvalRequest, console: Console) -> list[Evaluation]:
    """Evaluate what ``request`` names with ``request.workers`` threads; return the records in order."""
    check(request)
    jobs = resolve(request)
    recipe = Recipe.load(request.recipe) if request.recipe else Recipe()
    recipes = {task.name: recipe for task, _, _ in jobs}
    if request.config is not None:
        config, _ = load_export(request.config)
        check_technology(config)
        recipes = {task.name: recipe_of(exported_knobs(config, task.name)) for task, _, _ in jobs}
    cache = EvalCache(request.cache) if request.use_cache else None
    periods = {t.name: t for t in derive_periods([task for task, _, _ in jobs], cache=cache)}
    jobs = [(periods[task.name], rtl, origin) for task, rtl, origin in jobs]

    def one(job: tuple[Task, str, str]) -> Evaluation:
        task, rtl, origin = job
        return evaluate(task, recipes[task.name], rtl, rtl_origin=origin, cache=cache, lint=request.lint,
                        gate_level=request.gate_level)

    results: list[Evaluation] = []
    columns = (TextColumn("[bold]evaluating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress, \
            ThreadPoolExecutor(max_workers=request.workers) as pool:
        bar = progress.add_task("eval", total=len(jobs))
        for evaluation in pool.map(one, jobs):
            results.append(evaluation)
            progress.advance(bar)
    if request.artifacts is not None:
        for evaluation in results:
            evaluation.write_artifacts(request.artifacts / evaluation.task)
    return results
