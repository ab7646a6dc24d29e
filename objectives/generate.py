"""Generating candidate RTL for a task: prompt templates, exemplars, sampling, extraction.

The generation knobs of a configuration are ``template``, ``temperature``, ``top_p``,
``exemplars`` and optionally ``model``. Templates are Jinja2 files in ``search_spaces/prompts/``;
they see the task's spec, interface, clock, PPA goal and the exemplars (spec + reference RTL of
other tasks, never the task itself).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2
from pydantic import BaseModel, ConfigDict, Field, field_validator

from objectives.cache import EvalCache
from objectives.errors import RtlboError
from objectives.extract import extract
from objectives.knobs import knob
from objectives.llm import ChatRequest, Completion, OpenAIBackend, OpenAISettings, ReplayBackend
from objectives.tasks import Task
from objectives.verilog import module_blocks, port_names

PROMPTS = Path(__file__).parent.parent / "search_spaces" / "prompts"


class GeneratorSettings(BaseModel):
    """Where candidate RTL comes from. ``reference`` uses the task's own reference RTL. (Also the
    ``generator`` section of a campaign file; unknown keys are errors.)"""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    backend: Literal["reference", "openai", "replay"] = "reference"
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "qwen2.5-coder-7b-instruct"
    api_key_env: str | None = "OPENAI_API_KEY"
    samples_per_task: int = Field(1, ge=1, le=64)
    max_concurrency: int = Field(8, ge=1, le=256)
    timeout_s: float = Field(120.0, gt=0.0, le=86400.0)
    max_retries: int = Field(4, ge=0, le=100)
    backoff_s: float = Field(1.0, ge=0.0, le=3600.0)
    max_tokens: int = Field(4096, ge=1, le=1_000_000)
    seed: int = Field(0, ge=0, lt=2**63)
    replay_file: str | None = None
    usd_per_1k_prompt_tokens: float = Field(0.0, ge=0.0)
    usd_per_1k_completion_tokens: float = Field(0.0, ge=0.0)

    @property
    def uses_llm(self) -> bool:
        return self.backend != "reference"


class GenerationKnobs(BaseModel):
    """Generation knobs, each declared once (see :mod:`objectives.knobs`): the values the evaluator
    accepts (a search space's domains are checked against these) and what the packaged
    ``generation`` space searches."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    template: str = knob(
        "plain", "prompt template (fewshot needs exemplars >= 1 to differ from plain)",
        "renders `search_spaces/prompts/<template>.j2`",
        search=["plain", "area", "delay", "power", "think", "fewshot"],
    )
    temperature: float = knob(0.2, "sampling temperature", "each request's `temperature`",
                              ge=0.0, le=2.0, search=(0.0, 1.2))
    top_p: float = knob(0.95, "nucleus sampling threshold", "each request's `top_p`", gt=0.0, le=1.0, search=(0.5, 1.0))
    exemplars: int = knob(
        0, "worked examples (spec + reference RTL) from other tasks of the suite, never the task itself",
        "the prompt's worked examples", ge=0, le=16, search=(0, 3),
    )
    model: str = knob("", "the LLM to ask; empty: the generator's `model`",
                      "each request's `model`")

    @field_validator("template")
    @classmethod
    def _known_template(cls, name: str) -> str:
        if name not in template_names():
            raise ValueError(f"unknown prompt template '{name}'; templates: {', '.join(template_names())}")
        return name


GENERATION_KNOBS = frozenset(GenerationKnobs.model_fields)
DEFAULT_KNOBS = {name: field.default for name, field in GenerationKnobs.model_fields.items()}


@dataclass
class Candidate:
    """One sample for a task: the extracted RTL or why there is none, and the completion behind it."""

    sample: int
    rtl: str | None
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    completion: Completion | None = None
    template: str = ""


def template_names() -> list[str]:
    """Return the names of the prompt templates (files in search_spaces/prompts/ but the bases)."""
    return sorted(p.stem for p in PROMPTS.glob("*.j2") if p.stem not in ("base", "system"))


_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(PROMPTS), undefined=jinja2.StrictUndefined,
                          keep_trailing_newline=True, autoescape=False)


def exemplars_for(task: Task, pool: list[Task], count: int) -> list[Task]:
    """Return ``count`` other tasks of ``pool`` as exemplars: a fixed rotation per task, never the
    task itself."""
    others = sorted((t for t in pool if t.name != task.name and t.reference_rtl), key=lambda t: t.name)
    if not others:
        return []
    start = int(hashlib.sha256(task.name.encode()).hexdigest(), 16) % len(others)
    rotated = others[start:] + others[:start]
    return rotated[:count]


def render_messages(task: Task, knobs: dict[str, Any], pool: list[Task]) -> tuple[tuple[str, str], ...]:
    """Return the (role, content) messages that ask for ``task`` under the generation ``knobs``."""
    name = knobs.get("template", DEFAULT_KNOBS["template"])
    if name not in template_names():
        raise RtlboError(f"unknown prompt template '{name}'; templates: {', '.join(template_names())}")
    exemplars = [{"name": t.name, "spec": t.spec, "rtl": t.reference_rtl}
                 for t in exemplars_for(task, pool, int(knobs.get("exemplars", 0)))]
    context = {"name": task.name, "top": task.top, "spec": task.spec.strip(), "interface": task.interface(),
               "goal": task.goal, "clock": task.clock, "period_ns": f"{task.period_ns:g}", "exemplars": exemplars}
    system = _ENV.get_template("system.j2").render(context).strip()
    user = _ENV.get_template(f"{name}.j2").render(context).strip()
    return (("system", system), ("user", user))


class Generator:
    """Samples candidates for tasks from the configured backend (thread-safe); ``cache_only``
    answers from the cache alone, never an LLM server."""

    def __init__(self, settings: GeneratorSettings, cache: EvalCache | None, cache_only: bool = False):
        self.settings = settings
        if settings.backend == "openai":
            http = OpenAISettings(settings.base_url, settings.api_key_env, settings.timeout_s,
                                  settings.max_retries, settings.backoff_s, settings.max_concurrency)
            self.backend = OpenAIBackend(http, cache, cache_only)
        elif settings.backend == "replay":
            if not settings.replay_file:
                raise RtlboError("the replay backend needs 'replay_file' (a run's completions.jsonl)")
            self.backend = ReplayBackend(Path(settings.replay_file), settings.base_url)
        else:
            self.backend = None

    def candidates(self, task: Task, knobs: dict[str, Any], pool: list[Task]) -> list[Candidate]:
        """Return ``samples_per_task`` candidates for ``task`` (the reference RTL without an LLM)."""
        if self.backend is None:
            return [Candidate(0, task.reference_rtl, template="reference")]
        messages = render_messages(task, knobs, pool)
        requests = [ChatRequest(knobs.get("model", self.settings.model), messages,
                                float(knobs.get("temperature", DEFAULT_KNOBS["temperature"])),
                                float(knobs.get("top_p", DEFAULT_KNOBS["top_p"])),
                                self.settings.seed, sample, self.settings.max_tokens)
                    for sample in range(self.settings.samples_per_task)]
        with ThreadPoolExecutor(max_workers=min(self.settings.max_concurrency, len(requests))) as pool_:
            completions = list(pool_.map(self.backend.complete, requests))
        template = knobs.get("template", DEFAULT_KNOBS["template"])
        return [candidate_from(task, request.sample, completion, template)
                for request, completion in zip(requests, completions, strict=True)]


def candidate_from(task: Task, sample: int, completion: Completion, template: str = "") -> Candidate:
    """Return the candidate an answer gives for ``task``: the design :func:`extract` finds in it
    (top module and ports from the task), or why there is none (an answer cut at max_tokens says so)."""
    ports = port_names(module_blocks(task.reference_rtl).get(task.top, task.interface() + "\nendmodule"))
    found = extract(completion.text, task.top, ports)
    reason = found.reason
    if completion.finish_reason == "length" and found.rtl is None:
        reason = f"truncated answer (max_tokens reached): {reason}"
    return Candidate(sample, found.rtl, reason, found.notes, completion, template)
