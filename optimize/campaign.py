"""The campaign file: what to optimize, over which tasks, under which constraints, with what budget.

Every field has a default; unknown keys are errors with a suggestion. See docs/campaigns.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationInfo, field_validator, model_validator

from objectives.cache import default_cache_path
from objectives.errors import RtlboError
from objectives.files import load_yaml, parse_model, path_problem, write_atomically
from objectives.generate import GeneratorSettings
from objectives.lint import DEFAULT_FORBIDDEN, FindingKind, LintPolicy
from objectives.scoring import OBJECTIVES
from optimize.optimizers import OptimizerOptions, optimizer_options


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class TaskSelection(_Strict):
    suite: str = Field("builtin", description="builtin, tasks:/path, rtllm:/path or verilogeval:/path")
    select: list[str] | None = Field(None, min_length=1,
                                     description="task names; default (no select): every task of the suite")


class Constraints(_Strict):
    pass_rate: float = Field(1.0, ge=0.0, le=1.0, description="minimum share of tasks whose RTL passes")
    gate_level: bool = Field(True, description="every netlist must be verified: not refuted by the equivalence "
                             "check, and passing gate-level simulation where it runs")
    timing_met: bool = Field(True, description="every task must meet timing at its clock period")
    lint: list[FindingKind] = Field(default_factory=lambda: list(DEFAULT_FORBIDDEN),
                                    description="lint findings that make a design infeasible")
    gate_level_simulation: Literal["always", "unproved"] = Field(
        "always", description="simulate every netlist at gate level, or only those not proved equivalent")

    def lint_policy(self) -> LintPolicy:
        return LintPolicy(tuple(self.lint))


class ExecutorSpec(_Strict):
    kind: Literal["local", "ray"] = Field("local", description="local process pool, or a Ray cluster")
    workers: int = Field(2, ge=1, le=1024, description="trials evaluated at once")
    retries: int = Field(1, ge=0, le=100, description="re-runs of a trial whose worker (or Ray node) died")
    address: str | None = Field(None, description="ray: 'auto', 'ray://head:10001'; none starts Ray locally")
    resources_per_trial: dict[str, Annotated[float, Field(ge=0.0)]] = Field(default_factory=lambda: {"num_cpus": 1.0})


class Budget(_Strict):
    trials: int = Field(40, ge=1, le=100_000, description="configurations proposed by the optimizer")


class Campaign(_Strict):
    """A validated campaign file."""

    name: str = Field("campaign", description="letters, digits, '.', '_', '-'; the run directory is runs/<name>")
    tasks: TaskSelection = Field(default_factory=TaskSelection)
    configuration: Literal["shared", "per_task"] = Field(
        "shared", description="one configuration for every task (a flow for a family of designs), or one per task "
        "(a campaign of its own per task, in RUN/tasks/<task>)")
    space: list[str] = Field(default_factory=lambda: ["synthesis"], min_length=1,
                             description="packaged spaces (synthesis, generation) and space files")
    screening: bool | int = Field(
        True, description="before the search, synthesize each synthesis knob's values one at a time and pin the "
        "knobs that change no task's netlist (see optimize/screening.py); a number caps the syntheses")
    objectives: list[Literal["power", "delay", "area"]] = Field(default_factory=lambda: list(OBJECTIVES))
    aggregation: Literal["geomean-ratio"] = "geomean-ratio"
    reference_point: float = Field(
        2.0, gt=0.0, le=1000.0, description="hypervolume reference point and Ax's objective thresholds: the baseline "
        "flow's PPA times this factor (flows that trade area and power for delay count up to twice the baseline)")
    constraints: Constraints = Field(default_factory=Constraints)
    budget: Budget = Field(default_factory=Budget)
    batch_size: int = Field(4, ge=1, le=1000)
    executor: ExecutorSpec = Field(default_factory=ExecutorSpec)
    seed: int = Field(0, ge=0, lt=2**32)
    optimizer: SerializeAsAny[OptimizerOptions] = Field(
        default_factory=lambda: optimizer_options("ax"),
        description="an optimizer's name, or {name: ..., option: value} (e.g. {name: ax, torch_device: cuda})")
    generator: GeneratorSettings = Field(default_factory=GeneratorSettings)
    output: str | None = Field(None, description="run directory; default runs/<name>")
    cache: str | None = Field(None, description="evaluation cache file; default $RTLBO_CACHE or ~/.cache/rtlbo")

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: object) -> object:
        # Campaign files and run directories of earlier versions have a top-level 'torch_device'
        # (run directories 'torch_device: null'); a device is an option of the ax optimizer now.
        if not isinstance(data, dict) or "torch_device" not in data:
            return data
        device = data["torch_device"]
        if device is not None:
            optimizer = data.get("optimizer", "ax")
            name = optimizer.get("name") if isinstance(optimizer, dict) else optimizer
            fix = (f"write optimizer: {{name: ax, torch_device: {device}}} instead" if name == "ax"
                   else f"remove it ({name} does not use it)")
            raise ValueError(f"'torch_device' is an option of the ax optimizer now; {fix}")
        return {k: v for k, v in data.items() if k != "torch_device"}

    @property
    def screening_cap(self) -> int | None:
        """The most syntheses screening may run (None: as many as it needs)."""
        return None if isinstance(self.screening, bool) else self.screening

    @field_validator("screening", mode="before")
    @classmethod
    def _on_off_or_cap(cls, value: object) -> object:
        if not isinstance(value, bool) and not (isinstance(value, int) and value >= 1):
            raise ValueError(f"{value!r} is not true, false or a number of syntheses; write one of those "
                             "(a number of 1 or more)")
        return value

    @field_validator("optimizer", mode="before")
    @classmethod
    def _named_optimizer(cls, value: object) -> object:
        return optimizer_options(value)

    @field_validator("space", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", value):
            raise ValueError(f"{value[:40]!r} is not a plain name; use up to 100 letters, digits, '.', '_' or '-' "
                             "starting with a letter or digit (no path separators)")
        return value

    @field_validator("output", "cache")
    @classmethod
    def _writable(cls, value: str | None, info: ValidationInfo) -> str | None:
        problem = value is not None and path_problem(value, "directory" if info.field_name == "output" else "file")
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("objectives")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if not value or len(set(value)) != len(value):
            raise ValueError("list each of power, delay, area at most once, and at least one")
        return value

    def cache_path(self) -> Path:
        """Return the evaluation cache file: ``cache``, else the default one."""
        return Path(self.cache).expanduser() if self.cache else default_cache_path()

    def run_dir(self) -> Path:
        return Path(self.output).expanduser() if self.output else Path(f"runs/{self.name}")

    def dump(self, path: Path) -> None:
        """Write the campaign as run (all defaults filled in)."""
        write_atomically(path, yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False))


def load_campaign(path: str | Path) -> tuple[Campaign, Path]:
    """Return the campaign in ``path`` and the folder its relative paths start from."""
    path = Path(path)
    data = load_yaml(path)
    if not data:
        raise RtlboError(f"{path} holds no campaign (it is empty); write one, starting from examples/quickstart.yaml")
    return parse_model(Campaign, data, str(path)), path.parent
