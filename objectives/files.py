"""Shared file helpers: YAML/TOML loading, validation into models, and the content hash of cache keys."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import math
import os
import stat
import tomllib
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from objectives.errors import RtlboError

ModelT = TypeVar("ModelT", bound=BaseModel)


MAX_TEXT_BYTES = 1 << 20  # a campaign, space or recipe file; RTL and testbenches get more
MAX_DEPTH = 32  # nesting of mappings and lists in a YAML file
MAX_VALUES = 100_000  # values in a YAML file, aliases expanded
_UTF16_32 = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def shown(path: str | Path) -> str:
    """Return ``path`` for a one-line message (the middle of a very long one elided)."""
    text = str(path)
    return text if len(text) <= 160 else f"{text[:100]}...{text[-50:]}"


def read_text(path: str | Path, what: str = "file", limit: int = MAX_TEXT_BYTES) -> str:
    """Return the UTF-8 text of the regular file ``path`` (read no further than ``limit`` bytes).

    Raises RtlboError naming ``what`` and the path when it is missing, not a regular file (a
    directory, a device such as /dev/zero, a pipe), larger than ``limit``, or not UTF-8 text.
    """
    path = Path(path)
    where = shown(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise RtlboError(f"{where}: is a directory; give the {what} inside it")
        if not stat.S_ISREG(info.st_mode):
            raise RtlboError(f"{where}: is not a regular file (a device, pipe or socket); give the path of the {what}")
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise RtlboError(f"{where}: {what} not found; check the path") from None
    except OSError as exc:
        raise RtlboError(f"{where}: cannot read the {what} ({exc.strerror or exc}); check the path") from None
    if len(data) > limit:
        raise RtlboError(f"{where}: larger than {limit // 1024} KiB; the {what} must be smaller")
    if data.startswith(_UTF16_32):
        raise RtlboError(f"{where}: UTF-16 or UTF-32 encoded; save the {what} as UTF-8")
    if b"\x00" in data:
        raise RtlboError(f"{where}: not a text file (it holds NUL bytes); the {what} must be UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RtlboError(f"{where}: not UTF-8 text (byte {exc.start}); save the {what} as UTF-8") from None


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key given twice in one mapping."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but a key given twice in one mapping is an error, not a silent
    overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _DuplicateKey(None, None, f"key '{key}' appears twice (lines {seen[key]} and {line}); keep one",
                                    key_node.start_mark)
            seen[key] = line
        return super().construct_mapping(node, deep)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a process killed meanwhile leaves the old file or none,
    never part of the new one."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)


def load_yaml(path: str | Path) -> Any:
    """Return the parsed YAML document at ``path``.

    Raises RtlboError (naming the file, the line or key, and the fix) when the file is missing,
    not UTF-8 text, over ``MAX_TEXT_BYTES``, not valid YAML, has a duplicate key, is nested
    deeper than ``MAX_DEPTH``, holds more than ``MAX_VALUES`` values, or holds a number that is
    not finite (.inf, .nan).
    """
    text = read_text(path, "YAML file")
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: plain data only
    except _DuplicateKey as exc:
        raise RtlboError(f"{shown(path)}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RtlboError(f"{shown(path)}:{where}: invalid YAML ({problem}); fix the syntax") from None
    except RecursionError:
        raise RtlboError(f"{shown(path)}: nested more than {MAX_DEPTH} levels deep; flatten it") from None
    _check_values(data, shown(path))
    return data


def _check_values(data: Any, source: str) -> None:
    """Raise RtlboError for nesting over ``MAX_DEPTH``, more than ``MAX_VALUES`` values (aliases
    expanded: a "billion laughs" file), or a float that is not finite."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    count = 0
    while stack:
        value, key, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise RtlboError(f"{source}: more than {MAX_VALUES} values (aliases expanded); shorten the file")
        if depth > MAX_DEPTH:
            raise RtlboError(f"{source}: '{key}' is nested more than {MAX_DEPTH} levels deep; flatten it")
        if isinstance(value, float) and not math.isfinite(value):
            raise RtlboError(f"{source}: bad value for '{key or '(top level)'}': {value} is not a finite number; "
                             "give a finite number")
        if isinstance(value, dict):
            stack += [(v, f"{key}.{k}" if key else str(k), depth + 1) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, f"{key}[{i}]", depth + 1) for i, v in enumerate(value)]


_SYSTEM_DIRS = ("/proc", "/sys", "/dev")


def path_problem(path: str | Path, kind: str) -> str | None:
    """Return why rtlbo cannot write a ``kind`` ("directory" or "file") at ``path``, or None.

    Checked without writing anything: the name's length, system folders (/proc, /sys, /dev),
    an existing path of the other kind, and the nearest existing folder above being writable.
    """
    text = str(path)
    if not text or "\x00" in text:
        return "is empty or holds a NUL character; give a path"
    path = Path(text).expanduser()
    if len(os.fsencode(text)) >= 4096 or any(len(os.fsencode(part)) > 255 for part in path.parts):
        return "is too long a name (255 bytes a component, 4095 in all); give a shorter path"
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:
        return f"cannot be resolved ({exc}); give another path"
    if any(resolved == Path(d) or Path(d) in resolved.parents for d in _SYSTEM_DIRS):
        return f"points into a system folder ({resolved}); give a path in your project or home"
    if resolved.exists() and resolved.is_dir() != (kind == "directory"):
        other = "a directory" if resolved.is_dir() else "a file"
        return f"is {other}, not a {kind}; give another path"
    if resolved.is_file() and not os.access(resolved, os.W_OK):
        return "is not writable; give another path"
    above = resolved if resolved.is_dir() else resolved.parent
    while not above.exists():
        above = above.parent
    if not above.is_dir():
        return f"lies under {above}, which is a file; give another path"
    if not os.access(above, os.W_OK | os.X_OK):
        return f"lies under {above}, which is not writable; give another path"
    return None


def load_toml(path: str | Path) -> dict[str, Any]:
    """Return the parsed TOML table at ``path``; raises RtlboError when missing or invalid."""
    path = Path(path)
    try:
        return tomllib.loads(read_text(path, "TOML file"))
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
        # Strict: a value is taken as written ('yes' is not true, "2" is not 2).
        return model.model_validate(data, strict=True)
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
        if error["type"].endswith("_type") or error["type"].startswith(("greater", "less", "literal")):
            message += f" (got {_short(error['input'])})"
        if not error["loc"]:
            raise RtlboError(f"{source}: {message}") from None
        raise RtlboError(f"{source}: bad value for '{key}': {message}") from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fields(kind: Any) -> dict[str, Any]:
    """Return ``{field name: annotation}`` of a pydantic model or a dataclass (else empty)."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return {name: f.annotation for name, f in kind.model_fields.items()}
    if dataclasses.is_dataclass(kind):
        return {f.name: f.type for f in dataclasses.fields(kind)}
    return {}


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Return the field names of the (nested) model at ``loc`` (through lists, mappings, optionals)."""
    current: Any = model
    for part in loc:
        current = _element(current)
        if not isinstance(part, int):
            current = _fields(current).get(str(part))
    return sorted(_fields(_element(current)))


def _element(kind: Any) -> Any:
    """Return the model a list, a mapping's values or an optional holds (``kind`` itself otherwise)."""
    while get_origin(kind) in (list, dict, Union, UnionType):
        kind = [arg for arg in get_args(kind) if arg is not type(None)][-1]
    return kind
