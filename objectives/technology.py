"""The standard-cell technology PPA is measured against, and the documented measurement settings."""

from __future__ import annotations

import os
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
    driving_cell: str = "BUFX2"
    driving_pin: str = "Y"
    output_load_pf: float = 0.01
    input_activity: float = 0.1

    @classmethod
    def from_env(cls) -> Technology:
        """Return the default technology, overridden by RTLBO_LIBERTY / RTLBO_CELL_MODELS."""
        liberty = Path(os.environ.get("RTLBO_LIBERTY", cls.liberty))
        default_models = liberty.with_suffix(".v")
        models = Path(os.environ.get("RTLBO_CELL_MODELS", default_models))
        return cls(liberty=liberty, cell_models=models)

    def check(self) -> None:
        """Raise RtlboError when the liberty or the cell models are missing."""
        for path, what in ((self.liberty, "liberty"), (self.cell_models, "cell Verilog models")):
            if not path.is_file():
                raise RtlboError(
                    f"{what} not found at {path}; install it with "
                    "'apt-get install -y qflow-tech-osu018' or set RTLBO_LIBERTY"
                )

    def fingerprint(self) -> dict[str, str | float]:
        """Return what identifies this technology in a cache key (file digests, settings)."""
        self.check()
        return {
            "liberty": _digest(str(self.liberty)),
            "cell_models": _digest(str(self.cell_models)),
            "driving_cell": f"{self.driving_cell}/{self.driving_pin}",
            "output_load_pf": self.output_load_pf,
            "input_activity": self.input_activity,
        }


@lru_cache(maxsize=8)
def _digest(path: str) -> str:
    return file_digest(path)


@lru_cache(maxsize=8)
def cell_names(cell_models: Path) -> frozenset[str]:
    """Return the module names the cell Verilog models define (the standard cells), none when missing."""
    return frozenset(module_names(cell_models.read_text())) if cell_models.is_file() else frozenset()
