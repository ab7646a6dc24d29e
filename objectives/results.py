"""What an evaluation says: per-stage outcomes, PPA metrics, and the artifacts behind them.

Everything here round-trips through JSON (``to_dict`` / ``from_dict``) so that a cache hit
returns the identical record.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from objectives.lint import Finding


class Part(StrEnum):
    """What a stage's result depends on, which decides where it is cached: ``front`` stages on the
    RTL and the task (cached by the front key), ``synthesis`` on the recipe and the technology too,
    ``measure`` stages on the RTL and the mapped netlist (cached with the netlist, so that a recipe
    giving the same netlist reuses them)."""

    FRONT = "front"
    SYNTHESIS = "synthesis"
    MEASURE = "measure"


@dataclass(frozen=True)
class Stage:
    """One stage of the cascade: its ``name`` in the records (the
    :class:`~objectives.cascade.Cascade` method of that name runs it), the short ``label`` and the
    ``about`` text of the ``rtlbo eval`` table, and the ``part`` of the cascade it belongs to."""

    name: str
    label: str
    about: str
    part: Part


# The cascade, in order. A stage runs only if every stage before it passed or does not apply.
STAGES = (
    Stage("syntax", "lint", "screen, iverilog and Yosys's lint", Part.FRONT),
    Stage("simulation", "sim", "RTL simulation", Part.FRONT),
    Stage("synthesis", "syn", "Yosys/ABC", Part.SYNTHESIS),
    Stage("equivalence", "eqv", "formal equivalence", Part.MEASURE),
    Stage("gatesim", "gls", "gate-level simulation", Part.MEASURE),
    Stage("sta", "sta", "OpenSTA", Part.MEASURE),
)
STAGE_NAMES = tuple(stage.name for stage in STAGES)


class Status(StrEnum):
    """What became of a stage: it ``passed`` or ``failed``; it was ``skipped`` because an earlier
    stage failed; or it does not apply to this design (``n/a``: no testbench to simulate with)."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    NOT_APPLICABLE = "n/a"


@dataclass
class StageResult:
    """One cascade stage: its ``status``, and ``reason`` (why it failed or does not apply)."""

    name: str
    status: Status
    seconds: float = 0.0
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def passed(self) -> bool:
        return self.status == Status.PASSED

    @property
    def holds(self) -> bool:
        """Whether the stage raises no objection: it passed or does not apply."""
        return self.status in (Status.PASSED, Status.NOT_APPLICABLE)


@dataclass
class Metrics:
    """PPA of a mapped netlist: area (µm²), delay and slack (ns) at ``period_ns``, power (mW)."""

    area_um2: float
    delay_ns: float
    slack_ns: float
    power_mw: float
    period_ns: float
    cells: int
    sequential_area_um2: float = 0.0

    @property
    def timing_met(self) -> bool:
        return self.slack_ns >= 0.0


@dataclass
class Evaluation:
    """The cascade's record for one (task, RTL, recipe): stages in order, metrics when measured."""

    task: str
    suite: str
    key: str
    rtl_origin: str
    rtl_sha256: str
    recipe: dict[str, Any]
    stages: list[StageResult]
    metrics: Metrics | None
    tool_versions: dict[str, str]
    seconds: float
    artifacts: dict[str, str] = field(default_factory=dict)
    sample: int | None = None
    netlist_sha256: str = ""
    measurement_reused: bool = False  # the netlist's measurement came from an earlier, identical netlist
    cached: bool = field(default=False, compare=False)

    def stage(self, name: str) -> StageResult | None:
        """Return the named stage's result, or None when the cascade did not record it."""
        return next((s for s in self.stages if s.name == name), None)

    def _holds(self, name: str) -> bool:
        stage = self.stage(name)
        return stage is not None and stage.holds

    @property
    def findings(self) -> list[Finding]:
        """The lint's findings about the design (recorded by the syntax stage)."""
        syntax = self.stage("syntax")
        return [Finding(**f) for f in syntax.details.get("findings", [])] if syntax else []

    @property
    def functional(self) -> bool:
        """True when the RTL passed its testbench (or, without one, compiled and linted cleanly)."""
        return self._holds("syntax") and self._holds("simulation")

    @property
    def gate_level_ok(self) -> bool:
        """True when the equivalence check does not refute the mapped netlist and it passed the
        testbench (where there is one and gate-level simulation ran)."""
        return self._holds("equivalence") and self._holds("gatesim")

    @property
    def feasible(self) -> bool:
        """True when every stage passed or does not apply, and timing is met at the task's clock."""
        return all(s.holds for s in self.stages) and self.metrics is not None and self.metrics.timing_met

    @property
    def failure(self) -> str:
        """Return the first failed stage and its reason ('' when none failed)."""
        for s in self.stages:
            if s.status == Status.FAILED:
                return f"{s.name}: {s.reason}"
        if self.metrics is not None and not self.metrics.timing_met:
            return f"timing: slack {self.metrics.slack_ns:.3f} ns at {self.metrics.period_ns:g} ns"
        return ""

    def to_dict(self, artifacts: bool = False) -> dict[str, Any]:
        """Return the record as plain JSON data (artifacts only when asked for)."""
        data = asdict(self)
        data.pop("cached")
        if not artifacts:
            data.pop("artifacts")
        data["feasible"] = self.feasible
        return data

    def write_artifacts(self, folder: Path) -> None:
        """Write the artifacts (RTL, scripts, netlist, logs) and the record (``evaluation.json``)
        into ``folder``, creating it."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.artifacts.items():
            (folder / name).write_text(text)
        (folder / "evaluation.json").write_text(json.dumps(self.to_dict(), indent=2))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        """Return the Evaluation recorded by :meth:`to_dict`."""
        data = dict(data)
        data.pop("feasible", None)
        data["stages"] = [StageResult(**s) for s in data["stages"]]
        data["metrics"] = Metrics(**data["metrics"]) if data["metrics"] else None
        return cls(**data)
