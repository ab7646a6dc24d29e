"""The campaign loop: evaluate the baseline, then ask, evaluate, store, tell until the budget is spent.

The loop is asynchronous: a new proposal is asked for as soon as a worker is free and nothing is
queued, with the still-running trials pending in the optimizer. Every result is durable in the
trial table before the optimizer hears of it, so a campaign killed at any moment resumes from the
table: completed trials are replayed into a fresh optimizer (each proposal as the optimizer made
it), pending ones are evaluated again. A configuration is never evaluated twice: a proposal of one
already measured (or being measured) is a repeat that shares the first trial's outcome.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from objectives.cache import EvalCache
from objectives.cascade import derive_periods, synthesized_netlist
from objectives.errors import RtlboError
from objectives.files import path_problem, shown
from objectives.results import Metrics, Status
from objectives.scoring import Score, TaskSummary
from objectives.scratch import sweep
from objectives.suites import load_suite
from objectives.tasks import Task
from objectives.trial import TrialJob, TrialResult, check_knobs, recipe_of
from optimize.campaign import Campaign, TaskSelection, load_campaign
from optimize.executors import Executor, check_executor, make_executor
from optimize.optimizers import Optimizer, Outcome, OutcomeConstraint, Problem, make_optimizer
from optimize.pama import rank
from optimize.pareto import hypervolume, pareto_front
from optimize.runs import TASK_RUNS, Run, read_campaign, task_runs
from optimize.screening import Screening, screen
from optimize.spaces import space_files, space_of
from optimize.store import DB, DRAWN, EXPLORATION, INITIAL_DRAW, INTERLEAVED, Store, Trial, TrialKind, TrialStatus
from search_spaces.space import SearchSpace


def create_run(campaign_file: Path, output: Path | None = None) -> Path:
    """Create the run directory of a campaign file: the campaign as run and its space files.

    Everything is checked before anything is written. Raises RtlboError when the campaign, its
    space or tasks are invalid, or when the directory already holds a campaign (resume it instead).
    """
    campaign, base = load_campaign(campaign_file)
    if output is not None:
        campaign.output = str(output)
    run_dir = campaign.run_dir()
    problem = path_problem(run_dir, "directory")
    if problem:
        where = "--output" if output is not None else f"{campaign_file}: run directory"
        raise RtlboError(f"{where} {shown(run_dir)}: {problem}")
    if (run_dir / DB).exists() or (run_dir / "campaign.yaml").exists():
        raise RtlboError(f"{run_dir} already holds a campaign; continue it with "
                         f"'rtlbo run {run_dir} --resume' or set another 'output'")
    with _about(campaign_file, "space"):
        files = space_files(campaign.space, base)
    names = [file.name for file in files]
    if len(set(names)) != len(names):
        raise RtlboError(f"{campaign_file}: two files of 'space' share a name ({', '.join(names)}); rename one")
    check_space(space_of(files), campaign, campaign_file)
    with _about(campaign_file, "tasks"):
        tasks = load_suite(campaign.tasks.suite).select(campaign.tasks.select)
        if not tasks:
            raise RtlboError(f"suite {campaign.tasks.suite} has no tasks; check 'tasks'")
        untested = [t.name for t in tasks if not t.harness]
        if untested and campaign.generator.uses_llm:
            raise RtlboError(f"task(s) {', '.join(untested[:5])} have no testbench, which an LLM's RTL needs to be "
                             "judged; give them a testbench.v or drop them from 'tasks.select'")
    if campaign.generator.replay_file:
        replay = (base / campaign.generator.replay_file).resolve()
        if not replay.is_file():
            raise RtlboError(f"{campaign_file}: bad value for 'generator.replay_file': {replay} is not a file; "
                             "give a run's completions.jsonl")
        campaign.generator = campaign.generator.model_copy(update={"replay_file": str(replay)})
    EvalCache(campaign.cache_path())  # the last check: a file there that is not a cache is refused
    if campaign.configuration == "per_task":
        # One campaign per task: the parent records the campaign and its tasks, each task's run
        # directory is a campaign of one task and one shared configuration.
        campaign.tasks = TaskSelection(suite=campaign.tasks.suite, select=[t.name for t in tasks])
        for task in tasks:
            sub = run_dir / TASK_RUNS / task.name
            name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{campaign.name}.{task.name}")[:100]
            _write_run(sub, campaign.model_copy(update={
                "name": name, "configuration": "shared", "output": str(sub),
                "tasks": TaskSelection(suite=campaign.tasks.suite, select=[task.name])}), files)
            Store.create(sub)
        _write_run(run_dir, campaign, files)
        return run_dir
    _write_run(run_dir, campaign, files)
    Store.create(run_dir)
    return run_dir


def _write_run(run_dir: Path, campaign: Campaign, files: list) -> None:
    """Write a run directory's campaign (as run) and copies of its space files."""
    (run_dir / "space").mkdir(parents=True, exist_ok=True)
    for file in files:
        file.write(run_dir / "space")
    campaign = campaign.model_copy(update={"space": [f"space/{file.name}" for file in files]})
    campaign.dump(run_dir / "campaign.yaml")


# A proposal of a configuration already measured gets a random configuration beside it, drawn from
# the space up to this many times (a space these designs have nearly exhausted gets none); of the
# draws no trial has measured, up to EXPLORATION_PROBES are synthesized first, and the first whose
# netlists are not all known runs; none runs when all are known (it could only repeat a measured
# netlist, and the optimizer is asked again instead).
EXPLORATION_DRAWS = 100
EXPLORATION_PROBES = 8


@contextmanager
def _about(source: Path, key: str) -> Iterator[None]:
    """Name the file and key an RtlboError raised inside is about."""
    try:
        yield
    except RtlboError as exc:
        raise RtlboError(f"{source}: bad value for '{key}': {exc}") from None


def check_space(space: SearchSpace, campaign: Campaign, source: Path) -> None:
    """Raise RtlboError unless the evaluator understands every knob of ``space`` over its whole
    domain, and the optimizer's options of the campaign file ``source`` can be used here."""
    check_knobs({k.name: k.probes() for k in space.knobs}, {k.name: k.source for k in space.knobs},
                campaign.generator)
    with _about(source, "optimizer"):
        campaign.optimizer.check(space)


def outcome_constraints(campaign: Campaign) -> tuple[OutcomeConstraint, ...]:
    """Return the constraint metrics the campaign asks the optimizer to respect (the functional
    pass rate only when an LLM writes the RTL: the reference RTL always passes)."""
    constraints = []
    if campaign.generator.uses_llm:
        constraints.append(OutcomeConstraint("pass_rate", ">=", campaign.constraints.pass_rate))
    if campaign.constraints.timing_met:
        constraints.append(OutcomeConstraint("worst_slack", ">=", 0.0))
    if campaign.constraints.gate_level:
        constraints.append(OutcomeConstraint("gatesim_rate", ">=", 1.0))
    return tuple(constraints)


def outcome_of(trial: Trial) -> Outcome:
    """Return what the optimizer is told about a finished trial."""
    return Outcome(trial.objectives, trial.constraints, trial.reason if trial.status == TrialStatus.FAILED else None)


@dataclass
class Setup:
    """A run directory opened for work: campaign, space, tasks, store."""

    run_dir: Path
    campaign: Campaign
    space: SearchSpace
    tasks: list[Task]
    exemplar_pool: list[Task]
    store: Store

    @classmethod
    def open(cls, run_dir: Path) -> Setup:
        """Return the run directory opened for work (holding its lock until ``store`` is closed).
        Raises RtlboError when it is not a run directory, is in use or is damaged."""
        campaign, space = read_campaign(run_dir)
        check_space(space, campaign, run_dir / "campaign.yaml")
        suite = load_suite(campaign.tasks.suite)
        store = Store(run_dir)
        tasks = derive_periods(suite.select(campaign.tasks.select), cache=EvalCache(campaign.cache_path()))
        return cls(run_dir, campaign, space, tasks, suite.tasks, store)

    def problem(self, space: SearchSpace) -> Problem:
        """Return the problem the optimizer searches: ``space`` (the campaign's, screened)."""
        return Problem(space, tuple(self.campaign.objectives), outcome_constraints(self.campaign),
                       self.campaign.seed, self.campaign.reference_point, self.campaign.budget.trials)

    def cache_path(self) -> str:
        return str(self.campaign.cache_path())


class CampaignLoop:
    """Runs (or resumes) the campaign in an opened run directory."""

    def __init__(self, setup: Setup, console: Console, warm_start: list[Path] = ()):
        self.setup, self.console, self.warm_start = setup, console, list(warm_start)
        self.campaign, self.store = setup.campaign, setup.store
        self.screening = self._screening()
        self.space = self.screening.space(setup.space)  # as the optimizer searches it
        self.optimizer: Optimizer = make_optimizer(self.campaign.optimizer, setup.problem(self.space))
        self.optimizer.known_flow = lambda proposal: self._known_flow(self.space.effective(proposal))
        self._passed_over: dict[int, int] = {}  # trial -> the candidates passed over before its proposal
        self._candidates: dict[str, list[tuple[str, str]]] = {}  # a candidate's configuration -> its pairs probed
        self.constraints = outcome_constraints(self.campaign)
        self._evaluated: dict[str, int] = {}  # configuration -> the completed trial that measured it
        self._running: dict[str, int] = {}  # configuration -> the trial evaluating it now
        self._repeats: dict[int, list[int]] = {}  # trial -> trials of the same configuration waiting on it
        self._netlists: dict[tuple, int] = {}  # the netlists of every task -> the first trial that produced them
        self._probed: dict[int, list[tuple[str, str]]] = {}  # a running draw -> the (task, netlist) pairs probed
        self._same_netlists: dict[tuple, list[dict]] = {}  # the netlists of every task -> the configurations
        self._spans: dict[tuple[str, str], list[tuple[float, float, int]]] = {}  # see _add_spans
        self._numeric = {k.name for k in self.space.tunable if k.numeric}

    def _screening(self) -> Screening:
        """Return the run's knob screening: kept in the run directory, or done now for a new
        campaign that asks for it (none where an LLM writes the RTL: screening synthesizes the
        reference RTL)."""
        try:
            kept, damaged = Screening.load(self.setup.run_dir), False
            if kept is not None:
                kept.check(self.setup.space)
        except RtlboError as exc:  # screening is deterministic: done again, it finds what it found
            self.console.print(f"[yellow]{exc}; screening again[/]")
            kept, damaged = None, True
        if kept is not None or not self.campaign.screening or self.campaign.generator.uses_llm:
            return kept or Screening()
        if not damaged and any(t.kind != TrialKind.BASELINE for t in self.store.trials()):
            return Screening()  # a run begun unscreened goes on searching the space it began with
        tasks = self.setup.tasks
        cap = self.campaign.screening_cap
        self.console.print(f"screening the synthesis knobs on {len(tasks)} tasks (synthesis only"
                           + (f", at most {cap} syntheses)" if cap else ")"))
        screening = screen(self.setup.space, tasks, EvalCache(self.setup.cache_path()),
                           self.campaign.executor.workers, cap)
        screening.save(self.setup.run_dir)
        for line in screening.lines():
            self.console.print(line)
        return screening

    def _attach(self, config: dict, proposed: bool) -> int:
        """Attach ``config`` to the optimizer, inside the screened space; return its trial id."""
        return self.optimizer.attach(self.screening.canonical(self.setup.space, config), proposed=proposed)

    # -- the baseline and the replay ------------------------------------------------------------

    def _replay(self) -> list[Trial]:
        """Rebuild the optimizer from the trial table (each proposal as the optimizer made it);
        return the trials still pending."""
        pending = []
        self.store.check_space(self.setup.space.misfits)
        for trial in self.store.trials():
            proposed = trial.kind == TrialKind.PROPOSED and trial.source not in DRAWN
            trial_id = self._attach(trial.proposal or trial.config, proposed)
            if trial_id != trial.id:
                raise RtlboError(f"{self.setup.run_dir}: trial table out of step with the optimizer "
                                 f"(trial {trial.id} replayed as {trial_id}); the table may be damaged")
            if trial.status == TrialStatus.PENDING:
                pending.append(trial)
            else:
                self._tell(trial)
        return pending

    def _baseline(self, executor: Executor) -> dict[str, Metrics]:
        """Return the baseline flow's metrics per task, evaluating the baseline first if needed."""
        baseline = next((t for t in self.store.trials() if t.kind == TrialKind.BASELINE), None)
        if baseline is None:
            config = self.setup.space.baseline()
            trial_id = self._attach(config, proposed=False)
            self.store.add_pending(trial_id, TrialKind.BASELINE, config, "baseline flow")
            baseline = self.store.get(trial_id)
        if baseline.status == TrialStatus.PENDING:
            self.console.print(f"evaluating the baseline flow on {len(self.setup.tasks)} tasks")
            executor.submit(baseline.id, self.job(baseline.config, {}))
            while executor.outstanding:
                for completed in executor.wait(timeout=1.0):
                    baseline = self._finish(completed.trial_id, completed.result, completed.error)[0]
        # Every task must be measurable under the baseline flow; missing timing is allowed (closing
        # timing may be the campaign's very purpose).
        unmeasured = {task: s.failure for task, s in baseline.per_task.items() if s.metrics is None}
        if unmeasured or baseline.status != TrialStatus.COMPLETED:
            task, reason = next(iter(unmeasured.items())) if unmeasured else ("(all)", baseline.reason)
            raise RtlboError(f"the baseline flow fails on task {task} ({reason}); drop it from 'tasks.select'")
        late = [task for task, s in baseline.per_task.items() if not s.metrics.timing_met]
        if late:
            self.console.print(f"[yellow]the baseline flow misses timing on {', '.join(late)}[/]")
        return {task: s.metrics for task, s in baseline.per_task.items()}

    def _start(self, executor: Executor, trial: Trial, baseline: dict[str, Metrics]) -> None:
        """Evaluate a pending trial, unless a trial measured its flow already (:meth:`_flow_of`) or
        is evaluating its configuration: then it is a repeat that shares that trial's outcome (now,
        or when it is done) and is never evaluated twice."""
        key = _key(trial.config)
        if (first := self._flow_of(trial.config)) is not None:
            self._finish_repeat(trial.id, first)
        elif key in self._running:
            self._repeats.setdefault(self._running[key], []).append(trial.id)
        else:
            self._running[key] = trial.id
            executor.submit(trial.id, self.job(trial.config, baseline))

    def job(self, config: dict, baseline: dict[str, Metrics]) -> TrialJob:
        """Return the work of evaluating ``config`` against ``baseline`` in this campaign."""
        constraints = self.campaign.constraints
        return TrialJob(config, self.setup.tasks, baseline, self.setup.cache_path(), self.campaign.generator,
                        self.setup.exemplar_pool, constraints.lint_policy(),
                        constraints.gate_level_simulation == "always")

    def _finish(self, trial_id: int, result: TrialResult | None, error: str | None) -> list[Trial]:
        """Store a trial's result durably (its evaluations into the driver's cache too, for
        workers on other machines), then tell the optimizer; the same for the repeats waiting on
        it. Return the trials finished, this one first."""
        if result is not None and self.campaign.executor.kind == "ray":
            cache = EvalCache(self.setup.cache_path())
            for evaluation in result.evaluations:
                fresh = evaluation.key and not evaluation.cached and evaluation.key not in cache
                if fresh and evaluation.stage("simulation").status != Status.SKIPPED:
                    cache.put(evaluation)  # a worker on another machine wrote only its own cache
        if result is None:
            self.store.finish(trial_id, objectives=None, constraints={}, feasible=False, reason=error or "",
                              per_task={}, failed=True, seconds=0.0)
        else:
            self._store_score(trial_id, result.score, result.seconds, result.evaluations, result.completions)
        trial = self._tell(self.store.get(trial_id))
        self._running = {k: v for k, v in self._running.items() if v != trial_id}
        self._probed.pop(trial_id, None)
        return [trial] + [self._finish_repeat(repeat, trial_id) for repeat in self._repeats.pop(trial_id, [])]

    def _finish_repeat(self, trial_id: int, original_id: int) -> Trial:
        """Give a repeated configuration the outcome of its first trial, without evaluating it."""
        original = self.store.get(original_id)
        self.store.finish(trial_id, objectives=original.objectives, constraints=original.constraints,
                          feasible=original.feasible, reason=original.reason, per_task=original.per_task,
                          failed=original.status == TrialStatus.FAILED, seconds=0.0,
                          extra={**original.extra, "repeat_of": original_id})
        return self._tell(self.store.get(trial_id))

    def _tell(self, trial: Trial) -> Trial:
        """Tell the optimizer a finished trial's outcome, and remember a completed configuration
        (it is not evaluated again); return the trial."""
        self.optimizer.tell(trial.id, outcome_of(trial))
        if trial.status == TrialStatus.COMPLETED:
            self._evaluated.setdefault(_key(trial.config), trial.id)
            if (netlists := _netlists(trial.per_task)) is not None:
                self._netlists.setdefault(netlists, trial.id)
                self._add_spans(self.screening.canonical(self.setup.space, trial.config), netlists, trial.id)
        return trial

    def _add_spans(self, config: dict, netlists: tuple, trial_id: int) -> None:
        """Remember the ranges of a number that changed nothing: ``config`` and each earlier trial
        with the same netlists that differs from it in one numeric knob only span such a range."""
        for other in self._same_netlists.setdefault(netlists, []):
            differ = [name for name in config if config[name] != other[name]]
            if len(differ) == 1 and differ[0] in self._numeric:
                name = differ[0]
                low, high = sorted((config[name], other[name]))
                self._spans.setdefault((name, _key({**config, name: None})), []).append((low, high, trial_id))
        self._same_netlists[netlists].append(config)

    def _flow_of(self, config: dict) -> int | None:
        """Return the completed trial whose flow ``config`` runs: the same configuration, or one
        inside a range of a number between two trials that gave the same netlists (a delay target
        below the best delay the recipe reaches, say); None when no trial has measured it."""
        if (trial_id := self._evaluated.get(_key(config))) is not None:
            return trial_id
        config = self.screening.canonical(self.setup.space, config)
        for name in self._numeric:
            for low, high, trial_id in self._spans.get((name, _key({**config, name: None})), []):
                if low <= config[name] <= high:
                    return trial_id
        return None

    def _store_score(self, trial_id: int, s: Score, seconds: float, evaluations: list = (),
                     completions: list = ()) -> None:
        feasible = s.failure is None and s.objectives is not None and all(
            c.satisfied(s.constraints[c.metric]) for c in self.constraints if c.metric in s.constraints)
        reason = s.failure or ("" if feasible else _infeasible_reason(s.per_task, s.constraints, self.constraints))
        extra = dict(s.extra)
        if passed := self._passed_over.pop(trial_id, 0):
            extra["candidates_passed_over"] = passed  # the optimizer's, known flows, before it proposed this
        if (first := self._netlists.get(_netlists(s.per_task))) is not None:
            extra["netlists_of"] = first  # the same flow on these designs: not counted toward the budget
        self.store.finish(trial_id, objectives=s.objectives, constraints=s.constraints, feasible=feasible,
                          reason=reason, per_task=s.per_task, failed=s.failure is not None, seconds=seconds,
                          evaluations=evaluations, extra=extra, completions=completions)

    def record(self, kind: TrialKind, config: dict, source: str, s: Score) -> Trial:
        """Add an already-scored trial (an imported one) to the table and the optimizer."""
        trial_id = self._attach(config, proposed=False)
        self.store.add_pending(trial_id, kind, config, source)
        self._store_score(trial_id, s, 0.0)
        return self._tell(self.store.get(trial_id))

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> list[Trial]:
        """Run until the budget is spent; return every trial. Ctrl-C leaves pending trials pending."""
        pending = [t for t in self._replay() if t.kind != TrialKind.BASELINE]
        budget = self.campaign.budget.trials
        spec = self.campaign.executor
        executor = make_executor(spec.kind, spec.workers, spec.retries, spec.address, spec.resources_per_trial)
        try:
            baseline = self._baseline(executor)
            if self.warm_start:
                from optimize.warmstart import import_runs

                import_runs(self, self.warm_start, baseline, self.console)
            if not self.space.tunable:
                self.console.print("[yellow]screening pinned every knob: none changes these designs' netlists, so "
                                   "there is nothing to search ('screening: false' searches them anyway)[/]")
                return self.store.trials()
            counted, repeats = self._loop(executor, pending, baseline, budget)
        finally:
            executor.cancel()
        self.optimizer.save(str(self.setup.run_dir / "optimizer"))
        if counted < budget:
            self.console.print(f"[yellow]the optimizer proposed {counted} of {budget} trials and then stopped"
                               + (f", after {repeats} flows already measured (a configuration or its netlists)"
                                  if repeats >= budget else "") + "[/]")
        return self.store.trials()

    def _loop(self, executor: Executor, pending: list[Trial], baseline: dict[str, Metrics],
              budget: int) -> tuple[int, int]:
        """Evaluate the pending trials and ask for more until ``budget`` trials count (a repeat of an
        earlier configuration or netlists does not), the optimizer stops proposing, or it has
        proposed ``budget`` repeats; return how many trials count, and how many repeated."""
        workers = self.campaign.executor.workers
        columns = (TextColumn("[bold]trials"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.fields[status]}"))
        counted, repeats = self._spent()
        with Progress(*columns, console=self.console, transient=False) as progress:
            bar = progress.add_task("campaign", total=budget, completed=counted - len(pending), status=self._status())
            for trial in pending:
                self._start(executor, trial, baseline)
            stopped = waiting = False  # nothing more to propose; nothing until a running trial finishes
            while True:
                counted, repeats = self._spent()
                asking = (executor.outstanding < workers and counted < budget and repeats < budget
                          and not stopped and not waiting)
                if asking and not self._draw(executor, baseline):
                    passed = self.optimizer.passed_over
                    proposals = self.optimizer.ask(min(self.campaign.batch_size, budget - counted))
                    passed = self.optimizer.passed_over - passed
                    if proposals and passed:
                        self._passed_over[proposals[0][0]] = passed
                    stopped, waiting = not proposals and executor.outstanding == 0, not proposals
                    # The whole batch is in the table before anything else takes a trial id: a
                    # kill leaves no gap in the ids the replay attaches.
                    for trial_id, proposal in proposals:
                        config = self.space.effective(proposal)  # idle knobs at their defaults
                        self.store.add_pending(trial_id, TrialKind.PROPOSED, config, self.optimizer.name, proposal)
                    explored, answered = False, 0  # answered: proposals of measured flows, which will not count
                    for trial in [self.store.get(trial_id) for trial_id, _ in proposals]:
                        if (probed := self._candidates.pop(_key(trial.config), None)) is not None:
                            self._probed[trial.id] = probed
                        if self._measured(trial.config):
                            answered += 1
                            if self._spent()[0] - answered < budget:
                                explored = self._explore(executor, baseline) or explored
                        self._start(executor, trial, baseline)
                    self._candidates.clear()
                    if passed and not explored and self._spent()[0] - answered < budget:
                        self._explore(executor, baseline)  # it proposed known flows first: a new flow beside
                finished = [trial for completed in executor.wait(timeout=1.0)
                            for trial in self._finish(completed.trial_id, completed.result, completed.error)]
                waiting = waiting and not finished
                if finished:
                    counted, repeats = self._spent()
                    for trial in finished:
                        known = "netlists_of" in trial.extra and "repeat_of" not in trial.extra
                        if known and trial.source not in DRAWN and counted < budget:
                            self._explore(executor, baseline)  # its netlists were measured: a new flow beside it
                            counted, repeats = self._spent()
                    progress.update(bar, completed=counted - executor.outstanding, status=self._status())
                if executor.outstanding == 0 and (counted >= budget or repeats >= budget or stopped):
                    return counted, repeats

    def _known_flow(self, config: dict) -> bool:
        """Whether a trial measured ``config``'s flow, is measuring it, or produced every netlist it
        synthesizes to (:attr:`Optimizer.known_flow`); a configuration outside the space counts as
        known (it is never to be proposed)."""
        if self._measured(config) or self.space.violations(config):
            return True
        probed = self._probe(config)
        if probed is not None:
            self._candidates[_key(config)] = probed  # known to its batch and to draws while it runs
        return probed is None

    def _measured(self, config: dict) -> bool:
        """Whether a trial has measured ``config``'s flow, or is measuring ``config``."""
        return self._flow_of(config) is not None or _key(config) in self._running

    def _draw(self, executor: Executor, baseline: dict[str, Metrics]) -> bool:
        """Run the random draw the optimizer's turn calls for, if any (an initial draw, or one between
        its proposals: :attr:`Optimizer.random_share`); return whether one runs."""
        if self._initializing():
            return self._explore(executor, baseline, INITIAL_DRAW)
        return self._interleaving() and self._explore(executor, baseline, INTERLEAVED)

    def _interleaving(self) -> bool:
        """Whether the next trial is a random draw to keep the optimizer's :attr:`Optimizer.random_share`:
        of the trials after the initialization, the next included, at least that share (rounded
        down) drawn at random, those drawn beside known proposals counted."""
        later = [t for t in self.store.trials() if t.kind == TrialKind.PROPOSED and t.source != INITIAL_DRAW]
        drawn = sum(t.source in DRAWN for t in later)
        return drawn < int(self.optimizer.random_share * (len(later) + 1))

    def _initializing(self) -> bool:
        """Whether the initialization is not all made: where the optimizer asks for initial draws
        (:attr:`Optimizer.initial_draws`), the space's branches and then as many random draws.
        Every trial but the baseline counts (imports, proposals, explorations)."""
        draws = self.optimizer.initial_draws
        return draws > 0 and len(self.store.trials()) - 1 < draws + len(self.space.branches())

    def _explore(self, executor: Executor, baseline: dict[str, Metrics], source: str = EXPLORATION) -> bool:
        """Evaluate a random configuration no trial has measured (:meth:`SearchSpace.draw`), as one of
        the optimizer's initial draws, between its proposals, or beside a proposal of a flow already
        measured (known before it runs, or from the netlists it synthesized to): the budget goes to a
        new flow, and the optimizer learns from it as from an import. The initial draws take the
        space's branches first (each canned ABC recipe, gate sizing, at the defaults): the standard
        flows are measured, so the campaign's best is never worse than theirs. Draws are synthesized
        first; where every probe gives known netlists, none runs (the branches are all probed, up to
        EXPLORATION_PROBES random draws). Return whether one runs."""
        space = self.space
        rng = np.random.default_rng([self.campaign.seed, len(self.store.trials())])
        draws = (space.effective(space.draw(rng)) for _ in range(EXPLORATION_DRAWS))
        branches = space.branches() if source == INITIAL_DRAW else []
        probes, config = 0, None
        for drawn in itertools.chain(branches, draws):
            if space.violations(drawn) or self._measured(drawn):
                continue
            if (probed := self._probe(drawn)) is not None:
                config = drawn
                break
            probes += drawn not in branches
            if probes == EXPLORATION_PROBES:
                break
        if config is None:
            return False
        trial_id = self._attach(config, proposed=False)
        self.store.add_pending(trial_id, TrialKind.PROPOSED, config, source)
        self._probed[trial_id] = probed
        self._start(executor, self.store.get(trial_id), baseline)
        return True

    def _probe(self, config: dict) -> list[tuple[str, str]] | None:
        """Synthesize ``config`` on each task's reference RTL (synthesis only, cached) until a
        netlist no trial produced and no running draw was probed to; return the (task, netlist)
        pairs synthesized, or None when every one is known. Where an LLM writes the RTL there is
        nothing to synthesize beforehand: no pairs."""
        if self.campaign.generator.uses_llm:
            return []
        cache, recipe = EvalCache(self.setup.cache_path()), recipe_of(config)
        known = {pair for netlists in [*self._netlists, *self._probed.values(), *self._candidates.values()]
                 for pair in netlists}
        pairs = []
        for task in self.setup.tasks:
            pairs.append((task.name, synthesized_netlist(task, recipe, cache=cache)))
            if pairs[-1] not in known:
                return pairs
        return None

    def _spent(self) -> tuple[int, int]:
        """Return how many proposed trials count toward the budget, and how many repeated an earlier
        trial (known once they finish)."""
        proposed = [t for t in self.store.trials() if t.kind == TrialKind.PROPOSED]
        repeats = sum(t.repeats for t in proposed)
        return len(proposed) - repeats, repeats

    def _status(self) -> str:
        """One line for the progress bar: failures, hypervolume, and the best point so far (PAMA)."""
        trials, names = self.store.trials(), list(self.campaign.objectives)
        failed = sum(t.status == TrialStatus.FAILED for t in trials)
        infeasible = sum(t.status == TrialStatus.COMPLETED and not t.feasible for t in trials)
        hv = hypervolume(trials, names, self.campaign.reference_point)
        front = pareto_front(trials, names)
        best = rank(front, names)[0].trial if front else None
        point = f"  best: trial {best.id} " + " ".join(f"{n} ×{best.objectives[n]:.3f}" for n in names) if best else ""
        return f"failed {failed}  infeasible {infeasible}  hypervolume {hv:.4f}{point}"


def _infeasible_reason(per_task: dict[str, TaskSummary], values: dict[str, float],
                       constraints: tuple[OutcomeConstraint, ...]) -> str:
    broken = [str(c) + f" (is {values[c.metric]:.3g})" for c in constraints
              if c.metric in values and not c.satisfied(values[c.metric])]
    first = next((f"{task}: {s.failure}" for task, s in per_task.items() if s.failure), "")
    return "; ".join(filter(None, ["violates " + ", ".join(broken) if broken else "", first]))


def _netlists(per_task: dict[str, TaskSummary]) -> tuple[tuple[str, str], ...] | None:
    """Return the netlists a trial produced, one per task (None unless every task has one)."""
    if not per_task or not all(s.netlist for s in per_task.values()):
        return None
    return tuple(sorted((task, s.netlist) for task, s in per_task.items()))


def _key(config: dict) -> str:
    """Return a configuration's identity: equal for configurations that run the same flow."""
    return json.dumps(config, sort_keys=True)


def run(target: Path, resume: bool, output: Path | None, console: Console,
        warm_start: list[Path] = ()) -> list[Run]:
    """Run the campaign file ``target`` in a new run directory (importing the runs in
    ``warm_start`` first), or resume the run directory ``target``; return the runs evaluated: the
    campaign's, or each task's of a per-task campaign, in turn.

    Scratch directories that killed campaigns left behind are swept first and last. Ctrl-C
    raises KeyboardInterrupt carrying the one line to print.
    """
    if warm_start and resume:
        raise RtlboError("--warm-start applies to a new campaign; a resumed one already has its imports")
    warm_start = _imported_runs(warm_start)
    if target.is_dir():
        if not (target / DB).is_file() and not (target / "campaign.yaml").is_file():
            raise RtlboError(f"{target} is a folder but not a run directory; give a campaign file, or a run "
                             "directory to continue with --resume")
        if not resume:
            raise RtlboError(f"{target} is a run directory; add --resume to continue it")
        if output is not None:
            raise RtlboError(f"a resumed run stays in {target}; drop --output (it names a new run's directory)")
        run_dir = target
    else:
        if resume:
            raise RtlboError(f"--resume takes a run directory, and {target} is not one")
        run_dir = create_run(target, output)
    resume_with = f"rtlbo run {run_dir} --resume"
    folders = task_runs(run_dir)
    runs = [_run_one(folder, console, warm_start, resume_with) for folder in folders.values()]
    return runs or [_run_one(run_dir, console, warm_start, resume_with)]


def _imported_runs(sources: list[Path]) -> list[Path]:
    """Return the run directories of ``--warm-start``: each source, or each task's of a per-task
    campaign. Each is read in full before anything is written: a bad one stops nothing half-way."""
    runs = []
    for source in map(Path, sources):
        try:
            folders = list(task_runs(source).values()) or [source]
            for folder in folders:
                Run.load(folder)
        except RtlboError as exc:
            raise RtlboError(f"--warm-start {source}: {exc}") from None
        runs += folders
    return runs


def _run_one(run_dir: Path, console: Console, warm_start: list[Path], resume: str) -> Run:
    """Run or resume the campaign of one run directory (``resume``: the command that continues it)."""
    setup = Setup.open(run_dir)
    console.print(f"run directory: [bold]{run_dir}[/]   (resume with: {resume})")
    check_executor(setup.campaign.executor.kind, setup.campaign.executor.address)
    sweep()
    try:
        trials = CampaignLoop(setup, console, warm_start).run()
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"stopped: completed trials are saved; resume with: {resume}") from None
    finally:
        setup.store.close()
        sweep()
    return Run(setup.run_dir, setup.campaign, setup.space, trials)
