"""LLM backends behind one call: ``complete(request) -> Completion``.

- ``openai``: any OpenAI-compatible ``/v1/chat/completions`` endpoint (vLLM, Ollama, llama.cpp's
  server, TGI, hosted APIs) over httpx, with a timeout, retries with exponential backoff on 429,
  5xx, timeouts and connection errors (honouring ``Retry-After``), and a concurrency limit.
- ``replay``: completions recorded by an earlier run (a JSONL file), for offline, shareable re-runs.

Every completion is cached by (base URL, model, messages hash, temperature, top_p, seed, sample
index), so a re-run costs no tokens. The API key is read from the environment variable the
campaign names, sent in the Authorization header, and never written anywhere.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from objectives.cache import EvalCache
from objectives.errors import RtlboError
from objectives.files import content_hash


@dataclass(frozen=True)
class ChatRequest:
    """One sampled completion: the conversation and the sampling settings."""

    model: str
    messages: tuple[tuple[str, str], ...]  # (role, content)
    temperature: float
    top_p: float
    seed: int
    sample: int
    max_tokens: int = 4096

    def key(self, base_url: str) -> str:
        """Return the cache key of this request at ``base_url``."""
        return content_hash({
            "base_url": base_url.rstrip("/"), "model": self.model,
            "messages": content_hash(self.messages), "temperature": round(self.temperature, 6),
            "top_p": round(self.top_p, 6), "seed": self.seed, "sample": self.sample,
            "max_tokens": self.max_tokens,
        })


@dataclass
class Completion:
    """An answer and what it cost."""

    key: str
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    finish_reason: str = ""
    cached: bool = field(default=False, compare=False)

    def record(self) -> dict:
        data = asdict(self)
        data.pop("cached")
        return data


@dataclass(frozen=True)
class OpenAISettings:
    """How to reach an OpenAI-compatible server."""

    base_url: str
    api_key_env: str | None = "OPENAI_API_KEY"
    timeout_s: float = 120.0
    max_retries: int = 4
    backoff_s: float = 1.0
    max_concurrency: int = 8


class OpenAIBackend:
    """Chat completions from an OpenAI-compatible server, cached; at most
    ``settings.max_concurrency`` requests of this backend in flight at once (a worker process
    evaluates one trial, with one backend, at a time); ``cache_only`` never asks the server (a miss
    raises RtlboError)."""

    def __init__(self, settings: OpenAISettings, cache: EvalCache | None, cache_only: bool = False):
        self.settings, self.cache, self.cache_only = settings, cache, cache_only
        self._key = os.environ.get(settings.api_key_env, "") if settings.api_key_env else ""
        self._in_flight = threading.BoundedSemaphore(settings.max_concurrency)

    def complete(self, request: ChatRequest) -> Completion:
        key = request.key(self.settings.base_url)
        if self.cache is not None and (hit := self.cache.get_record("completion", key)) is not None:
            return Completion(**hit, cached=True)
        if self.cache_only:
            raise RtlboError(f"no cached completion for sample {request.sample} of this prompt")
        completion = self._post(request, key)
        if self.cache is not None:
            self.cache.put_record("completion", key, completion.record())
        return completion

    def _post(self, request: ChatRequest, key: str) -> Completion:
        url = self.settings.base_url.rstrip("/") + "/chat/completions"
        body = {
            "model": request.model,
            "messages": [{"role": role, "content": content} for role, content in request.messages],
            "temperature": request.temperature, "top_p": request.top_p, "max_tokens": request.max_tokens,
            "seed": request.seed * 1000 + request.sample, "n": 1,
        }
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        last = ""
        for attempt in range(self.settings.max_retries + 1):
            start = time.monotonic()
            wait = self.settings.backoff_s * 2**attempt
            try:
                with self._in_flight:
                    response = httpx.post(url, json=body, headers=headers, timeout=self.settings.timeout_s)
            except httpx.TimeoutException:
                last = f"no answer within {self.settings.timeout_s:g} s"
            except httpx.TransportError as exc:
                last = f"cannot connect ({type(exc).__name__})"
            else:
                if response.status_code == 200:
                    return _parse(response, key, time.monotonic() - start)
                last = f"HTTP {response.status_code}: {response.text[:200].strip()}"
                if response.status_code != 429 and response.status_code < 500:
                    break  # 4xx other than 429 will not get better by retrying
                wait = _retry_after(response) or wait
            if attempt < self.settings.max_retries:
                time.sleep(wait)
        raise RtlboError(f"LLM server {self.settings.base_url} failed after "
                         f"{self.settings.max_retries + 1} attempts: {last}")


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None


def _parse(response: httpx.Response, key: str, latency: float) -> Completion:
    try:
        data = response.json()
        choice = data["choices"][0]
        text = choice["message"]["content"] or ""
    except (ValueError, KeyError, IndexError, TypeError):
        raise RtlboError(f"LLM server answered with an unexpected body: {response.text[:200]}") from None
    usage = data.get("usage") or {}
    return Completion(key, text, int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)),
                      round(latency, 4), choice.get("finish_reason") or "")


class ReplayBackend:
    """Completions recorded by an earlier run (``completions.jsonl``), looked up by request."""

    def __init__(self, path: Path, base_url: str):
        self.base_url = base_url
        if not Path(path).is_file():
            raise RtlboError(f"replay file {path} not found; point 'replay_file' at a run's completions.jsonl")
        self.records = {}
        for line in Path(path).read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                self.records[record["key"]] = record

    def complete(self, request: ChatRequest) -> Completion:
        record = self.records.get(request.key(self.base_url))
        if record is None:
            raise RtlboError("the replay file has no completion for this prompt and these sampling settings; "
                             "replay only what the recorded run asked")
        return Completion(**{k: record[k] for k in _COMPLETION_FIELDS if k in record}, cached=True)


_COMPLETION_FIELDS = ("key", "text", "prompt_tokens", "completion_tokens", "latency_s", "finish_reason")
