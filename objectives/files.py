"""Shared file helpers: YAML/TOML loading, validation into models, and the content hash of cache keys."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from objectives.errors import RtlboError

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_yaml(path: str | Path) -> Any:
    """Return the parsed YAML document at ``path``.

    Raises RtlboError when the file is missing or is not valid YAML.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise RtlboError(f"{path}: file not found; check the path") from None
    except IsADirectoryError:
        raise RtlboError(f"{path}: is a directory; give the YAML file inside it") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RtlboError(f"{path}:{where}: invalid YAML ({problem}); fix the syntax") from None


def load_toml(path: str | Path) -> dict[str, Any]:
    """Return the parsed TOML table at ``path``; raises RtlboError when missing or invalid."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise RtlboError(f"{path}: file not found; check the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise RtlboError(f"{path}: invalid TOML ({exc}); fix the syntax") from None


def content_hash(value: Any) -> str:
    """Return the SHA-256 hex digest of ``value`` in canonical JSON (sorted keys)."""
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def file_digest(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def parse_model(model: type[ModelT], data: Any, source: str) -> ModelT:
    """Return ``model`` validated from ``data``; raises a one-line RtlboError naming the key.

    An unknown key gets the closest known key as a suggestion; ``source`` says where the data came
    from (a file name, "recipe", ...).
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RtlboError(f"{source}: expected a mapping of keys to values, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # A misspelt key also shows up as a missing one: report the misspelling.
        unknown = ("extra_forbidden", "unexpected_keyword_argument")  # models / dataclasses
        error = min(exc.errors(), key=lambda e: e["type"] not in unknown)
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] in unknown:
            last = str(error["loc"][-1])
            known = _known_keys(model, error["loc"][:-1])
            close = difflib.get_close_matches(last, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
            raise RtlboError(f"{source}: unknown key '{key}'; {hint}") from None
        message = error["msg"].removeprefix("Value error, ").replace("Field required", "missing; add it")
        if not error["loc"]:
            raise RtlboError(f"{source}: {message}") from None
        raise RtlboError(f"{source}: bad value for '{key}': {message}") from None


def _fields(kind: Any) -> dict[str, Any]:
    """Return ``{field name: annotation}`` of a pydantic model or a dataclass (else empty)."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return {name: f.annotation for name, f in kind.model_fields.items()}
    if dataclasses.is_dataclass(kind):
        return {f.name: f.type for f in dataclasses.fields(kind)}
    return {}


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Return the field names of the (nested) model at ``loc``."""
    current: Any = model
    for part in loc:
        current = _fields(current).get(str(part))
    return sorted(_fields(current))
