"""The ask/tell interface every optimizer implements, its options, and what it is told."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from search_spaces.space import Config, SearchSpace


@dataclass(frozen=True)
class OutcomeConstraint:
    """``metric >= bound`` (op ">=") or ``metric <= bound`` (op "<=")."""

    metric: str
    op: str
    bound: float

    def satisfied(self, value: float) -> bool:
        return value >= self.bound if self.op == ">=" else value <= self.bound

    def violation(self, value: float) -> float:
        """Return how far ``value`` is on the wrong side (<= 0 when satisfied)."""
        return self.bound - value if self.op == ">=" else value - self.bound

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.bound:g}"


@dataclass
class Outcome:
    """What a trial measured: objectives (None when some task has no PPA), constraint metrics, or
    the tool failure that makes it a failed trial."""

    objectives: dict[str, float] | None
    constraints: dict[str, float] = field(default_factory=dict)
    failure: str | None = None


@dataclass(frozen=True)
class Problem:
    """What every optimizer is set up with."""

    space: SearchSpace
    objectives: tuple[str, ...]
    constraints: tuple[OutcomeConstraint, ...]
    seed: int
    reference_point: float = 1.0
    budget: int | None = None  # trials the optimizer will propose; None when open-ended


class OptimizerOptions(BaseModel):
    """A campaign's ``optimizer``: the optimizer's name and its options. An optimizer with options
    declares them in a subclass, its ``Options``; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str

    def check(self, space: SearchSpace) -> None:
        """Raise RtlboError when these options cannot be used on this machine, or over ``space``
        (checked before a campaign writes anything)."""

    def __str__(self) -> str:
        return self.name


class Optimizer(ABC):
    """Proposes configurations (``ask``) and learns from their outcomes (``tell``).

    A subclass with a ``name`` registers itself under it (``Optimizer.registry``); a campaign file
    names it as ``optimizer: <name>``, or ``optimizer: {name: <name>, ...}`` with the options its
    ``Options`` declares. Trial ids are consecutive from 0 in the order trials reach the optimizer
    (asked or attached); the campaign's trial table uses the same ids, so replaying the table in
    id order rebuilds the optimizer after a crash.
    """

    name: ClassVar[str] = ""
    Options: ClassVar[type[OptimizerOptions]] = OptimizerOptions
    registry: ClassVar[dict[str, type[Optimizer]]] = {}
    # Random configurations the campaign measures before the first ``ask`` (the optimizer's
    # initialization, drawn by the campaign so that each measures a flow no trial has).
    initial_draws: int = 0
    # The least share of the trials after the initialization that the campaign draws at random
    # between the optimizer's proposals (random interleaving, as SMAC does): a model that settles
    # near the flows it knows still sees the rest of the space.
    random_share: float = 0.0
    # Set by the campaign: whether a configuration's flow was measured already (a trial ran it, or
    # synthesis gives netlists a trial measured). An optimizer may pass over such candidates and
    # propose others (the default one does), counting them in ``passed_over``.
    known_flow: Callable[[Config], bool] | None = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name and Optimizer.registry.setdefault(cls.name, cls) is not cls:
            raise TypeError(f"two optimizers are named {cls.name}: {Optimizer.registry[cls.name]} and {cls}")

    def __init__(self, problem: Problem, options: OptimizerOptions | None = None):
        self.problem = problem
        self.space = problem.space
        self.options = options or self.Options(name=self.name)
        self.next_id = 0
        self.passed_over = 0  # candidates passed over because their flow was known

    def _take_ids(self, n: int) -> list[int]:
        ids = list(range(self.next_id, self.next_id + n))
        self.next_id += n
        return ids

    @abstractmethod
    def ask(self, n: int) -> list[tuple[int, Config]]:
        """Return up to ``n`` new (trial id, configuration) proposals; trials not yet told are
        pending and the optimizer accounts for them."""

    @abstractmethod
    def tell(self, trial_id: int, outcome: Outcome) -> None:
        """Report the outcome of a trial returned by ``ask`` or ``attach``."""

    @abstractmethod
    def attach(self, config: Config, proposed: bool) -> int:
        """Register a configuration the optimizer did not just propose and return its trial id:
        the baseline, an imported trial (``proposed=False``), or, when replaying the trial table,
        one of its own earlier proposals exactly as ``ask`` returned it (``proposed=True``). Tell
        its outcome separately."""

    def save(self, folder: str) -> None:  # noqa: B027 - optional export
        """Write the optimizer's own state export into ``folder`` (optional)."""
