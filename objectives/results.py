"""What an evaluation says: per-stage outcomes, PPA metrics, and the artifacts behind them.

Everything here round-trips through JSON (``to_dict`` / ``from_dict``) so that a cache hit
returns the identical record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from objectives.lint import Finding

STAGES = ("syntax", "simulation", "synthesis", "gatesim", "sta")
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass
class StageResult:
    """One cascade stage: ``status`` is passed, failed or skipped; ``reason`` says why it failed."""

    name: str
    status: str
    seconds: float = 0.0
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == PASSED


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

    def _passed(self, name: str) -> bool:
        stage = self.stage(name)
        return stage is not None and stage.passed

    @property
    def findings(self) -> list[Finding]:
        """The lint's findings about the design (recorded by the syntax stage)."""
        syntax = self.stage("syntax")
        return [Finding(**f) for f in syntax.details.get("findings", [])] if syntax else []

    @property
    def functional(self) -> bool:
        """True when the RTL passed its testbench."""
        return self._passed("simulation")

    @property
    def gate_level_ok(self) -> bool:
        """True when the mapped netlist passed the same testbench."""
        return self._passed("gatesim")

    @property
    def feasible(self) -> bool:
        """True when every stage passed and timing is met at the task's clock."""
        return all(s.passed for s in self.stages) and self.metrics is not None and self.metrics.timing_met

    @property
    def failure(self) -> str:
        """Return the first failed stage and its reason ('' when none failed)."""
        for s in self.stages:
            if s.status == FAILED:
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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        """Return the Evaluation recorded by :meth:`to_dict`."""
        data = dict(data)
        data.pop("feasible", None)
        data["stages"] = [StageResult(**s) for s in data["stages"]]
        data["metrics"] = Metrics(**data["metrics"]) if data["metrics"] else None
        return cls(**data)
