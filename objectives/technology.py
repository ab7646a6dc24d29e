"""The standard-cell technology PPA is measured against, and the documented measurement settings."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from objectives.errors import RtlboError
from objectives.files import file_digest
from objectives.verilog import module_names

OSU018 = Path("/usr/share/qflow/tech/osu018")


@dataclass(frozen=True)
class Technology:
    """A liberty, its cell Verilog models, and the conditions under which PPA is measured.

    Power is OpenSTA's ``report_power`` total with every primary input toggling
    ``input_activity`` times per clock period (``set_power_activity -input``); inputs are driven
    by ``driving_cell`` and every output drives ``output_load_pf``.
    """

    liberty: Path = OSU018 / "osu018_stdcells.lib"
    cell_models: Path = OSU018 / "osu018_stdcells.v"
    lef: Path | None = OSU018 / "osu018_stdcells.lef"
    driving_cell: str = "BUFX2"
    driving_pin: str = "Y"
    output_load_pf: float = 0.01
    input_activity: float = 0.1

    @classmethod
    def from_env(cls) -> Technology:
        """Return the default technology, overridden by RTLBO_LIBERTY / RTLBO_CELL_MODELS /
        RTLBO_LEF (the last two default to the ``.v`` and the ``.lef`` beside the liberty)."""
        liberty = Path(os.environ.get("RTLBO_LIBERTY", cls.liberty))
        models = Path(os.environ.get("RTLBO_CELL_MODELS", liberty.with_suffix(".v")))
        lef = Path(os.environ.get("RTLBO_LEF", liberty.with_suffix(".lef")))
        return cls(liberty=liberty, cell_models=models, lef=lef if lef.is_file() else None)

    def check(self) -> None:
        """Raise RtlboError when the liberty or the cell models are missing."""
        for path, what in ((self.liberty, "liberty"), (self.cell_models, "cell Verilog models")):
            if not path.is_file():
                raise RtlboError(
                    f"{what} not found at {path}; install it with "
                    "'apt-get install -y qflow-tech-osu018' or set RTLBO_LIBERTY"
                )

    def fingerprint(self) -> dict[str, str | float]:
        """Return what identifies this technology in a cache key (file digests, settings; the
        LEF's only where it prices a cell the liberty does not)."""
        self.check()
        return {
            "liberty": _digest(str(self.liberty)),
            "cell_models": _digest(str(self.cell_models)),
            **({"lef": _digest(str(self.lef))} if self.footprint_areas() else {}),
            "driving_cell": f"{self.driving_cell}/{self.driving_pin}",
            "output_load_pf": self.output_load_pf,
            "input_activity": self.input_activity,
        }

    def footprint_areas(self) -> dict[str, tuple[float, bool]]:
        """Return the cells the liberty gives no area (osu018's ``LATCH`` says ``area : 0``) with
        the area of their LEF footprint in µm² and whether they hold state; empty without a LEF."""
        return _footprint_areas(self.liberty, self.lef) if self.lef else {}

    def area(self, stat: dict) -> tuple[float, float]:
        """Return the area and the sequential area (µm²) of a netlist from Yosys's ``stat -json
        -liberty`` record: the liberty's cell areas, and the footprint for a cell it gives none."""
        area, sequential = float(stat.get("area", 0.0)), float(stat.get("sequential_area", 0.0))
        for cell, count in stat.get("num_cells_by_type", {}).items():
            footprint, holds_state = self.footprint_areas().get(cell, (0.0, False))
            area += count * footprint
            sequential += count * footprint * holds_state
        return area, sequential


@lru_cache(maxsize=8)
def _digest(path: str) -> str:
    return file_digest(path)


_LIBERTY_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_LIBERTY_CELL = re.compile(r"\bcell\s*\(\s*\"?([\w$]+)\"?\s*\)\s*\{")
_HOLDS_STATE = re.compile(r"\b(ff|latch|ff_bank|latch_bank|statetable)\s*\(")
_AREA = re.compile(r"^\s*area\s*:\s*([-+\d.eE]+)", re.M)
_LEF_STATEMENT = re.compile(r"^\s*(MACRO\s+(\S+)|SIZE\s+([\d.]+)\s+BY\s+([\d.]+))", re.M)


def liberty_cells(liberty: str) -> dict[str, str]:
    """Return each cell of a liberty text with the body of its group, comments removed."""
    text = _LIBERTY_COMMENT.sub(" ", liberty)
    return {match.group(1): liberty_group(text, match.end()) for match in _LIBERTY_CELL.finditer(text)}


def liberty_group(text: str, start: int) -> str:
    """Return the body of the ``{`` group opened just before ``start``."""
    depth, position = 1, start
    while depth:
        opening, closing = text.find("{", position), text.find("}", position)
        if closing < 0:
            return text[start:]
        depth, position = (depth + 1, opening + 1) if 0 <= opening < closing else (depth - 1, closing + 1)
    return text[start:position - 1]


@lru_cache(maxsize=8)
def _footprint_areas(liberty: Path, lef: Path) -> dict[str, tuple[float, bool]]:
    """The cells of ``liberty`` with no area or area 0 that ``lef`` sizes: (width × height, holds state)."""
    sizes, macro = {}, None
    for statement in _LEF_STATEMENT.finditer(lef.read_text(errors="replace")):
        if statement.group(2):
            macro = statement.group(2)
        elif macro is not None:
            sizes[macro], macro = float(statement.group(3)) * float(statement.group(4)), None
    unpriced = {}
    for cell, body in liberty_cells(liberty.read_text(errors="replace")).items():
        area = _AREA.search(body)
        if cell in sizes and (area is None or float(area.group(1)) == 0.0):
            unpriced[cell] = (sizes[cell], bool(_HOLDS_STATE.search(body)))
    return unpriced


@lru_cache(maxsize=8)
def cell_names(cell_models: Path) -> frozenset[str]:
    """Return the module names the cell Verilog models define (the standard cells), none when missing."""
    return frozenset(module_names(cell_models.read_text())) if cell_models.is_file() else frozenset()
