"""Reading a finished (or running) campaign: its campaign file, space and trials, and picking one
configuration from its Pareto set."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from objectives.errors import RtlboError
from optimize.campaign import Campaign, load_campaign
from optimize.pama import PamaScore, knee, prefer, rank
from optimize.pareto import hypervolume, hypervolume_history, pareto_front
from optimize.spaces import space_files, space_of
from optimize.store import DB, Store, Trial, TrialKind
from search_spaces.space import SearchSpace


@dataclass
class Run:
    """A run directory's campaign, space and trials (read without taking its lock)."""

    root: Path
    campaign: Campaign
    space: SearchSpace
    trials: list[Trial]

    @classmethod
    def load(cls, root: Path) -> Run:
        """Return the run in ``root``. Raises RtlboError when it is not a run directory or its
        trial table is damaged."""
        campaign, space = read_campaign(root)
        with Store(root, readonly=True) as store:
            trials = store.trials()
        measured = set(campaign.objectives)
        wrong = next((t for t in trials if t.objectives is not None and not measured <= set(t.objectives)), None)
        if wrong is not None or (trials and trials[0].kind != TrialKind.BASELINE):
            what = f"trial {wrong.id} lacks an objective the campaign has" if wrong else "trial 0 is no baseline"
            raise RtlboError(f"{root / DB}: {what}, which no campaign writes; restore the run from a copy")
        return cls(root, campaign, space, trials)

    @property
    def objectives(self) -> list[str]:
        return list(self.campaign.objectives)

    @property
    def baseline(self) -> Trial:
        return next(t for t in self.trials if t.kind == TrialKind.BASELINE)

    def front(self, task: str | None = None) -> list[Trial]:
        """Return the feasible Pareto set, overall or on one task's own ratios."""
        if task is None:
            return pareto_front(self.trials, self.objectives)
        if task not in self.baseline.per_task:
            raise RtlboError(f"task {task} is not part of this campaign; it has {', '.join(self.baseline.per_task)}")
        on_task = [replace(t, objectives=s.ratio, feasible=True, per_task={task: s}) for t in self.trials
                   if (s := t.per_task.get(task)) and s.ratio and s.feasible]
        return pareto_front(on_task, self.objectives)

    def hypervolume(self) -> float:
        """Return the hypervolume of the feasible trials (reference: the baseline flow times the
        campaign's ``reference_point``)."""
        return hypervolume(self.trials, self.objectives, self.campaign.reference_point)

    def hypervolume_history(self) -> list[float]:
        """Return the hypervolume after each trial, in trial-id order."""
        return hypervolume_history(self.trials, self.objectives, self.campaign.reference_point)

    def distinct_netlists_history(self) -> list[int]:
        """Return, after each trial in trial-id order, how many distinct sets of netlists (one per
        task) the measured trials so far have produced: a trial that repeats an earlier trial's
        netlists (knobs that did nothing on these designs) adds none."""
        seen: set[tuple[tuple[str, str], ...]] = set()
        history = []
        for trial in sorted(self.trials, key=lambda t: t.id):
            netlists = tuple(sorted((task, s.netlist) for task, s in trial.per_task.items() if s.netlist))
            if netlists:
                seen.add(netlists)
            history.append(len(seen))
        return history

    def ranked(self, task: str | None = None) -> list[PamaScore]:
        """Return the Pareto set (overall or on one task) ranked by PAMA's s*, best first."""
        return rank(self.front(task), self.objectives)

    def knee(self, task: str | None = None) -> Trial | None:
        """Return the knee of the Pareto set (overall or on one task), or None when it has none."""
        return knee(self.front(task), self.objectives)

    def preferred(self, weights: str, task: str | None = None) -> Trial:
        """Return the Pareto point (overall or on one task) that best fits ``weights`` such as
        ``power=1,delay=3,area=1``. Raises RtlboError for bad weights."""
        return prefer(self.front(task), self.objectives, parse_weights(weights, self.objectives))

    def trial(self, trial_id: int) -> Trial:
        for t in self.trials:
            if t.id == trial_id:
                return t
        raise RtlboError(f"no trial {trial_id} in {self.root}; 'rtlbo pareto {self.root}' lists them")

    def select(self, how: str) -> Trial:
        """Return the trial chosen by ``how``: ``pama`` (highest s*), ``knee``, ``trial:N`` or
        ``prefer:power=1,delay=3,area=1``."""
        if how.startswith("trial:"):
            number = how.removeprefix("trial:")
            if not number.isdigit():
                raise RtlboError(f"bad selection '{how}'; write trial:N with N a trial number")
            return self.trial(int(number))
        if not self.front():
            raise RtlboError(f"{self.root} has no feasible configuration to select from")
        if how == "pama":
            return self.ranked()[0].trial
        if how == "knee":
            chosen = self.knee()
            if chosen is None:
                raise RtlboError("the Pareto set has no knee point (too few points); use --select pama")
            return chosen
        if how.startswith("prefer:"):
            return self.preferred(how.removeprefix("prefer:"))
        raise RtlboError(f"unknown selection '{how}'; use pama, knee, trial:N or prefer:power=1,delay=3,area=1")


TASK_RUNS = "tasks"  # where a per-task campaign keeps one run directory per task


@dataclass(frozen=True)
class TaskFlows:
    """One task under two flows, as ratios to the task's baseline flow: the configuration shared by
    every task (None without one), and the task's own; ``own_source`` says where the own came from."""

    task: str
    shared: dict[str, float] | None
    own: dict[str, float] | None
    own_source: str


def compare_flows(shared: Run | None, own_runs: list[Run] | None = None) -> list[TaskFlows]:
    """Return, per task, the PAMA pick of the ``shared`` run (one configuration for every task;
    None: none) and of the task's own configuration: from the task's run among ``own_runs`` (a
    per-task campaign), else from the shared run's trials on that task alone. Raises RtlboError
    when the shared run lacks a task of ``own_runs``."""
    shared_pick = shared.ranked()[0].trial if shared is not None and shared.front() else None
    own_fronts = ([(task, run, run.front()) for run in own_runs for task in run.baseline.per_task] if own_runs
                  else [(task, shared, shared.front(task)) for task in shared.baseline.per_task])
    rows = []
    for task, run, front in own_fronts:
        if shared is not None and task not in shared.baseline.per_task:
            raise RtlboError(f"{shared.root} has no task {task}; compare runs over the same tasks")
        own = rank(front, run.objectives)[0].trial if front else None
        summary = shared_pick.per_task.get(task) if shared_pick is not None else None
        rows.append(TaskFlows(task, summary.ratio if summary else None, own.objectives if own else None,
                              f"trial {own.id} of {run.root}" if own else "no feasible trial"))
    return rows


def task_runs(root: Path) -> dict[str, Path]:
    """Return the run directory of each task of a per-task campaign in ``root`` (empty for a
    campaign of one shared configuration). Raises RtlboError when ``root`` is not a run directory."""
    campaign, _ = read_campaign(root)
    if campaign.configuration != "per_task":
        return {}
    return {task: root / TASK_RUNS / task for task in campaign.tasks.select or []}


def load_runs(root: Path) -> list[Run]:
    """Return the runs of the campaign in ``root``: itself, or one per task of a per-task campaign."""
    folders = task_runs(root)
    return [Run.load(folder) for folder in folders.values()] if folders else [Run.load(root)]


def read_campaign(root: Path) -> tuple[Campaign, SearchSpace]:
    """Return the campaign a run directory runs (every default filled in) and its search space.
    Raises RtlboError when ``root`` is not a run directory."""
    if not (root / "campaign.yaml").is_file():
        raise RtlboError(f"{root} is not a run directory (no campaign.yaml); check the path")
    campaign, base = load_campaign(root / "campaign.yaml")
    return campaign, space_of(space_files(campaign.space, base))


def parse_weights(text: str, names: list[str]) -> dict[str, float]:
    """Return ``{"power": 1.0, ...}`` from ``"power=1,delay=3,area=1"``."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or name.strip() not in names:
            raise RtlboError(f"bad preference '{part}'; write it like power=1,delay=3,area=1 (objectives: "
                             f"{', '.join(names)})")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise RtlboError(f"bad preference weight '{value}' for {name}; give a positive number") from None
        if not 0 < weights[name.strip()] < math.inf:
            raise RtlboError(f"preference weight for {name} must be a positive finite number")
    return weights
