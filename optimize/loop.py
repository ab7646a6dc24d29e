"""The campaign loop: evaluate the baseline, then ask, evaluate, store, tell until the budget is spent.

The loop is asynchronous: a new proposal is asked for as soon as a worker is free and nothing is
queued, with the still-running trials pending in the optimizer. Every result is durable in the
trial table before the optimizer hears of it, so a campaign killed at any moment resumes from the
table: completed trials are replayed into a fresh optimizer, pending ones are evaluated again.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from objectives.cache import EvalCache, default_cache_path
from objectives.errors import RtlboError
from objectives.results import Metrics
from objectives.scoring import Score
from objectives.suites import load_suite
from objectives.tasks import Task
from objectives.trial import TrialJob, TrialResult, check_knobs, evaluate_config
from optimize.campaign import Campaign, load_campaign
from optimize.executors import make_executor
from optimize.optimizers import Optimizer, Outcome, OutcomeConstraint, Problem, make_optimizer
from optimize.pama import rank
from optimize.pareto import hypervolume, pareto_front
from optimize.store import BASELINE, PENDING, PROPOSED, Store, Trial
from search_spaces.space import SearchSpace, load_space


def create_run(campaign_file: Path, output: Path | None = None) -> Path:
    """Create the run directory of a campaign file: the campaign as run and its space files.

    Raises RtlboError when the directory already holds a campaign (resume it instead).
    """
    campaign, base = load_campaign(campaign_file)
    if output is not None:
        campaign.output = str(output)
    run_dir = campaign.run_dir()
    if (run_dir / "trials.sqlite").exists():
        raise RtlboError(f"{run_dir} already holds a campaign; continue it with "
                         f"'rtlbo run {run_dir} --resume' or set another 'output'")
    # Validate everything before anything is written.
    spaces = campaign.space_paths(base)
    check_knobs(load_space(spaces).names, campaign.generator)
    if not load_suite(campaign.tasks.suite).select(campaign.tasks.select):
        raise RtlboError(f"suite {campaign.tasks.suite} has no tasks; check 'tasks'")
    if campaign.generator.replay_file:
        replay = (base / campaign.generator.replay_file).resolve()
        campaign.generator = replace(campaign.generator, replay_file=str(replay))
    (run_dir / "space").mkdir(parents=True, exist_ok=True)
    local = []
    for path in spaces:
        shutil.copy(path, run_dir / "space" / path.name)
        local.append(f"space/{path.name}")
    campaign.space = local
    campaign.dump(run_dir / "campaign.yaml")
    Store(run_dir, create=True).close()
    return run_dir


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
    return Outcome(trial.objectives, trial.constraints, trial.reason if trial.status == "failed" else None)


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
        campaign, base = load_campaign(run_dir / "campaign.yaml")
        space = load_space(campaign.space_paths(base))
        check_knobs(space.names, campaign.generator)
        suite = load_suite(campaign.tasks.suite)
        return cls(run_dir, campaign, space, suite.select(campaign.tasks.select), suite.tasks,
                   Store(run_dir, create=False))

    def problem(self) -> Problem:
        return Problem(self.space, tuple(self.campaign.objectives), outcome_constraints(self.campaign),
                       self.campaign.seed, self.campaign.reference_point, self.campaign.budget.trials)

    def cache_path(self) -> str:
        return str(Path(self.campaign.cache).expanduser()) if self.campaign.cache else str(default_cache_path())


class CampaignLoop:
    """Runs (or resumes) the campaign in an opened run directory."""

    def __init__(self, setup: Setup, console: Console, warm_start: list[Path] = ()):
        self.setup, self.console, self.warm_start = setup, console, list(warm_start)
        self.campaign, self.store = setup.campaign, setup.store
        self.optimizer: Optimizer = make_optimizer(self.campaign.optimizer, setup.problem(), self.campaign.torch_device)
        self.constraints = outcome_constraints(self.campaign)

    # -- the baseline and the replay ------------------------------------------------------------

    def _replay(self) -> list[Trial]:
        """Rebuild the optimizer from the trial table; return the trials still pending."""
        pending = []
        for trial in self.store.trials():
            trial_id = self.optimizer.attach(trial.config, proposed=trial.kind == PROPOSED)
            if trial_id != trial.id:
                raise RtlboError(f"{self.setup.run_dir}: trial table out of step with the optimizer "
                                 f"(trial {trial.id} replayed as {trial_id}); the table may be damaged")
            if trial.status == PENDING:
                pending.append(trial)
            else:
                self.optimizer.tell(trial.id, outcome_of(trial))
        return pending

    def _baseline(self) -> dict[str, Metrics]:
        """Return the baseline flow's metrics per task, evaluating the baseline first if needed."""
        baseline = next((t for t in self.store.trials() if t.kind == BASELINE), None)
        if baseline is None:
            config = self.setup.space.baseline()
            trial_id = self.optimizer.attach(config, proposed=False)
            self.store.add_pending(trial_id, BASELINE, config, "baseline flow")
            baseline = next(t for t in self.store.trials() if t.id == trial_id)
        if baseline.status == PENDING:
            self.console.print(f"evaluating the baseline flow on {len(self.setup.tasks)} tasks")
            baseline = self._finish(baseline.id, evaluate_config(self._job(baseline.config, {})), None)
        # Every task must be measurable under the baseline flow; missing timing is allowed (closing
        # timing may be the campaign's very purpose).
        unmeasured = {task: s["failure"] for task, s in baseline.per_task.items() if s["metrics"] is None}
        if unmeasured or baseline.status != "completed":
            task, reason = next(iter(unmeasured.items())) if unmeasured else ("(all)", baseline.reason)
            raise RtlboError(f"the baseline flow fails on task {task} ({reason}); drop it from 'tasks.select'")
        late = [task for task, s in baseline.per_task.items() if s["metrics"]["slack_ns"] < 0]
        if late:
            self.console.print(f"[yellow]the baseline flow misses timing on {', '.join(late)}[/]")
        return {task: Metrics(**s["metrics"]) for task, s in baseline.per_task.items()}

    def _job(self, config: dict, baseline: dict[str, Metrics]) -> TrialJob:
        return TrialJob(config, self.setup.tasks, baseline, self.setup.cache_path(), self.campaign.generator,
                        self.setup.exemplar_pool)

    def _finish(self, trial_id: int, result: TrialResult | None, error: str | None) -> Trial:
        """Store a trial's result durably (its evaluations into the driver's cache too, for
        workers on other machines), then tell the optimizer."""
        if result is not None and self.campaign.executor.kind == "ray":
            cache = EvalCache(self.setup.cache_path())
            for evaluation in result.evaluations:
                fresh = evaluation.key and not evaluation.cached and evaluation.key not in cache
                if fresh and evaluation.stage("simulation").status != "skipped":
                    cache.put(evaluation)  # a worker on another machine wrote only its own cache
        if result is None:
            self.store.finish(trial_id, objectives=None, constraints={}, feasible=False, reason=error or "",
                              per_task={}, failed=True, seconds=0.0)
        else:
            self._store_score(trial_id, result.score, result.seconds, result.evaluations, result.completions)
        trial = next(t for t in self.store.trials() if t.id == trial_id)
        self.optimizer.tell(trial_id, outcome_of(trial))
        return trial

    def _store_score(self, trial_id: int, s: Score, seconds: float, evaluations: list = (),
                     completions: list = ()) -> None:
        feasible = s.failure is None and s.objectives is not None and all(
            c.satisfied(s.constraints[c.metric]) for c in self.constraints if c.metric in s.constraints)
        reason = s.failure or ("" if feasible else _infeasible_reason(s.per_task, s.constraints, self.constraints))
        self.store.finish(trial_id, objectives=s.objectives, constraints=s.constraints, feasible=feasible,
                          reason=reason, per_task=s.per_task, failed=s.failure is not None, seconds=seconds,
                          evaluations=evaluations, extra=s.extra, completions=completions)

    def record(self, kind: str, config: dict, source: str, s: Score) -> Trial:
        """Add an already-scored trial (an imported one) to the table and the optimizer."""
        trial_id = self.optimizer.attach(config, proposed=False)
        self.store.add_pending(trial_id, kind, config, source)
        self._store_score(trial_id, s, 0.0)
        trial = next(t for t in self.store.trials() if t.id == trial_id)
        self.optimizer.tell(trial_id, outcome_of(trial))
        return trial

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> list[Trial]:
        """Run until the budget is spent; return every trial. Ctrl-C leaves pending trials pending."""
        pending = [t for t in self._replay() if t.kind != BASELINE]
        baseline = self._baseline()
        if self.warm_start:
            from optimize.warmstart import import_runs

            import_runs(self, self.warm_start, baseline, self.console)
        budget = self.campaign.budget.trials
        spec = self.campaign.executor
        executor = make_executor(spec.kind, spec.workers, spec.retries, spec.address, spec.resources_per_trial)
        for trial in pending:
            executor.submit(trial.id, self._job(trial.config, baseline))
        asked = self.store.count(PROPOSED)
        columns = (TextColumn("[bold]trials"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.fields[status]}"))
        try:
            with Progress(*columns, console=self.console, transient=False) as progress:
                done = asked - len(pending)
                bar = progress.add_task("campaign", total=budget, completed=done, status=self._status())
                while True:
                    if executor.outstanding < spec.workers and asked < budget:
                        proposals = self.optimizer.ask(min(self.campaign.batch_size, budget - asked))
                        for trial_id, proposal in proposals:
                            config = self.setup.space.effective(proposal)  # idle knobs at their defaults
                            self.store.add_pending(trial_id, PROPOSED, config, self.optimizer.name)
                            executor.submit(trial_id, self._job(config, baseline))
                        asked += len(proposals)
                    if executor.outstanding == 0:
                        break
                    for completed in executor.wait(timeout=1.0):
                        self._finish(completed.trial_id, completed.result, completed.error)
                        progress.update(bar, advance=1, status=self._status())
        except KeyboardInterrupt:
            executor.cancel()
            raise
        finally:
            executor.cancel()
        self.optimizer.save(str(self.setup.run_dir / "optimizer"))
        if asked < budget:
            self.console.print(f"[yellow]the optimizer proposed {asked} of {budget} trials and then stopped[/]")
        return self.store.trials()

    def _status(self) -> str:
        """One line for the progress bar: failures, hypervolume, and the best point so far (PAMA)."""
        trials, names = self.store.trials(), list(self.campaign.objectives)
        failed = sum(t.status == "failed" for t in trials)
        infeasible = sum(t.status == "completed" and not t.feasible for t in trials)
        hv = hypervolume(trials, names, self.campaign.reference_point)
        front = pareto_front(trials, names)
        best = rank(front, names)[0].trial if front else None
        point = f"  best: trial {best.id} " + " ".join(f"{n} ×{best.objectives[n]:.3f}" for n in names) if best else ""
        return f"failed {failed}  infeasible {infeasible}  hypervolume {hv:.4f}{point}"


def _infeasible_reason(per_task: dict, values: dict[str, float], constraints: tuple[OutcomeConstraint, ...]) -> str:
    broken = [str(c) + f" (is {values[c.metric]:.3g})" for c in constraints
              if c.metric in values and not c.satisfied(values[c.metric])]
    first = next((f"{task}: {s['failure']}" for task, s in per_task.items() if s["failure"]), "")
    return "; ".join(filter(None, ["violates " + ", ".join(broken) if broken else "", first]))


def run(target: Path, resume: bool, output: Path | None, console: Console,
        warm_start: list[Path] = ()) -> tuple[Setup, list[Trial]]:
    """Run the campaign file ``target`` in a new run directory (importing the runs in
    ``warm_start`` first), or resume the run directory ``target``; return the opened setup (store
    closed) and every trial."""
    if warm_start and resume:
        raise RtlboError("--warm-start applies to a new campaign; a resumed one already has its imports")
    for source in warm_start:
        if not (Path(source) / "trials.sqlite").is_file():
            raise RtlboError(f"--warm-start {source} is not a run directory (no trials.sqlite)")
    if target.is_dir():
        if not resume:
            raise RtlboError(f"{target} is a run directory; add --resume to continue it")
        run_dir = target
    else:
        if resume:
            raise RtlboError(f"--resume takes a run directory, and {target} is not one")
        run_dir = create_run(target, output)
    console.print(f"run directory: [bold]{run_dir}[/]   (resume with: rtlbo run {run_dir} --resume)")
    setup = Setup.open(run_dir)
    try:
        trials = CampaignLoop(setup, console, warm_start).run()
    except KeyboardInterrupt:
        console.print(f"[yellow]stopped: completed trials are saved; resume with: rtlbo run {run_dir} --resume[/]")
        raise
    finally:
        setup.store.close()
    return setup, trials
