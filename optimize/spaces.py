"""A campaign's search space: the packaged spaces, built from the evaluator's knob declarations
(:mod:`objectives.knobs`), and the user's own space files.

A run directory keeps a copy of every space file its campaign used (``space/``), a packaged space
written out as YAML, so that it reads the same after the declarations change.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from objectives.errors import RtlboError
from objectives.files import load_yaml
from objectives.generate import GenerationKnobs
from objectives.knobs import declared
from objectives.recipe import Recipe
from search_spaces.space import SearchSpace, build_space

PACKAGED: dict[str, type[BaseModel]] = {"synthesis": Recipe, "generation": GenerationKnobs}


def packaged_space(name: str) -> dict[str, Any]:
    """Return the packaged space ``name`` as a space file's data: every knob its model declares,
    over the range the declaration searches, but free strings (``model``), whose values only a
    space of the user's own can list."""
    knobs = {}
    for knob, field in PACKAGED[name].model_fields.items():
        domain = _domain(field)
        if domain is None:
            continue
        active_when = declared(field, "active_when")
        default = list(field.default) if isinstance(field.default, tuple) else field.default
        knobs[knob] = {**domain, "default": default, **({"active_when": active_when} if active_when else {}),
                       "description": field.description}
    return {"knobs": knobs}


def _domain(field: FieldInfo) -> dict[str, Any] | None:
    """Return a knob's type and domain in the space-file format (None for a free string)."""
    kind, search = field.annotation, declared(field, "search")
    if kind is bool:
        return {"type": "bool"}
    if kind is str or get_origin(kind) is Literal:
        values = search or list(get_args(kind))
        return {"type": "choice", "values": values} if values else None
    if get_origin(kind) is tuple:
        (element, _) = get_args(kind)
        return {"type": "sequence", "values": search or list(get_args(element)), "length": len(field.default)}
    bounds = {name: getattr(m, name) for m in field.metadata for name in ("ge", "le") if hasattr(m, name)}
    low, high = search or (bounds["ge"], bounds["le"])
    return {"type": kind.__name__, "low": low, "high": high}


@dataclass(frozen=True)
class SpaceFile:
    """One entry of a campaign's ``space``: its file name in a run directory, the source its
    messages name, its declarations, and the user's file (None for a packaged space)."""

    name: str
    source: str
    declarations: Any
    path: Path | None = None

    def write(self, folder: Path) -> None:
        """Write the file into ``folder``: the user's file as it is, a packaged space as YAML."""
        if self.path is not None:
            shutil.copy(self.path, folder / self.name)
            return
        header = f"# The {self.source}, written from the evaluator's knob declarations when this campaign began.\n"
        text = yaml.safe_dump(self.declarations, sort_keys=False, default_flow_style=None, width=100)
        (folder / self.name).write_text(header + text)


def space_files(entries: list[str], base: Path) -> list[SpaceFile]:
    """Return the files of a campaign's ``space``: a bare name (``synthesis``) is a packaged space,
    anything else a YAML file relative to ``base`` (the campaign file's folder).

    Raises RtlboError for an unknown packaged space and for a file that is missing or not YAML.
    """
    files = []
    for entry in entries:
        if "/" not in entry and not entry.endswith(".yaml"):
            if entry not in PACKAGED:
                raise RtlboError(f"no packaged space '{entry}' (there are {', '.join(PACKAGED)}); "
                                 "check 'space' or give a file like my_space.yaml")
            files.append(SpaceFile(f"{entry}.yaml", f"packaged space '{entry}'", packaged_space(entry)))
            continue
        path = (base / entry).resolve()
        if not path.is_file():
            raise RtlboError(f"space file {entry} not found (looked at {path}); check 'space'")
        files.append(SpaceFile(path.name, str(path), load_yaml(path), path))
    return files


def space_of(files: list[SpaceFile]) -> SearchSpace:
    """Return the space ``files`` declare together; raises RtlboError for a bad declaration."""
    return build_space([(f.source, f.declarations) for f in files])
