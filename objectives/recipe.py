"""A synthesis recipe: the typed set of Yosys/ABC knobs, and the scripts it turns into.

The default recipe is Yosys's own default flow (``synth -flatten``, ``dfflibmap``,
``abc -liberty``) and is the baseline every campaign is measured against.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from objectives.files import load_yaml, parse_model

# ABC scripts run between Yosys's `read_lib` and `write_blif`, as (optimization, mapping); {D} is the
# delay target option. Retiming (dretime) goes between the two; gate sizing after the mapping.
ABC_SCRIPTS: dict[str, tuple[str, str]] = {
    # Yosys's built-in liberty script, used as is when nothing is added to it.
    "yosys-default": ("strash; &get -n; &fraig -x; &put; scorr; dc2", "strash; &get -n; &dch -f; &nf {D}; &put"),
    "resyn2": ("strash; balance; rewrite; refactor; balance; rewrite; rewrite -z; balance; refactor -z; rewrite -z; "
               "balance", "map {D}"),
    "compress2rs": ("strash; balance -l; resub -K 6 -l; rewrite -l; resub -K 6 -N 2 -l; refactor -l; resub -K 8 -l; "
                    "balance -l; resub -K 8 -N 2 -l; rewrite -l; resub -K 10 -l; rewrite -z -l; resub -K 10 -N 2 -l; "
                    "balance -l; resub -K 12 -l; refactor -z -l; resub -K 12 -N 2 -l; rewrite -z -l; balance -l",
                    "map {D}"),
    "dch-map": ("strash; &get -n; &fraig -x; &put; scorr; dc2", "strash; dch -f; map {D}"),
    "area": ("strash; &get -n; &fraig -x; &put; scorr; dc2", "strash; dch -f; amap"),
    "speed": ("strash; &get -n; &fraig -x; &put; scorr; dc2", "strash; &get -n; &syn2; &dch -f; &nf -p {D}; &put"),
}
ADDERS = ("default", "kogge-stone", "han-carlson", "sklansky")
# Every internal flip-flop and latch type but those with an asynchronous load ($_ALDFF*_), which
# dfflegalize then emulates with set/reset flip-flops.
LEGALIZE_ASYNC_LOAD = "dfflegalize " + " ".join(
    f"-cell {cell} 01" for cell in ("$_DFF_?_", "$_DFF_???_", "$_DFFE_????_", "$_DFFSR_???_", "$_DFFSRE_????_",
                                     "$_SDFF_???_", "$_SDFFE_????_", "$_SDFFCE_????_", "$_DLATCH_?_", "$_DLATCH_???_",
                                     "$_DLATCHSR_???_", "$_SR_??_"))


class Recipe(BaseModel):
    """Synthesis knobs. Every field maps to one visible change of the Yosys or ABC script."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    flatten: bool = Field(True, description="flatten the hierarchy before synthesis (synth -flatten)")
    booth: bool = Field(False, description="Booth-encode multipliers (synth -booth)")
    arith_tree: bool = Field(False, description="carry-save adder trees for add chains (synth -arith_tree)")
    alumacc: bool = Field(True, description="merge arithmetic into $alu/$macc cells (off: synth -noalumacc)")
    share: bool = Field(True, description="SAT-based resource sharing (off: synth -noshare)")
    adder: Literal["default", "kogge-stone", "han-carlson", "sklansky"] = Field(
        "default", description="carry-lookahead architecture for $lcu (synth -extra-map +/choices/<adder>.v)"
    )
    fsm_encoding: Literal["auto", "binary", "one-hot", "none"] = Field(
        "auto", description="FSM state encoding (fsm -encoding); none skips FSM extraction (synth -nofsm)"
    )
    abc_recipe: Literal["yosys-default", "resyn2", "compress2rs", "dch-map", "area", "speed"] = Field(
        "yosys-default", description="ABC optimisation and mapping script"
    )
    abc_delay_target: float = Field(
        0.0, ge=0.0, le=4.0,
        description="ABC delay target as a fraction of the task's clock period (abc -D); 0 = none",
    )
    gate_sizing: bool = Field(False, description="ABC gate up/down-sizing after mapping (upsize; dnsize)")
    buffering: bool = Field(True, description="with gate_sizing: buffer high-fanout nets first (buffer -p)")
    retime: bool = Field(False, description="let ABC retime flip-flops (abc -dff, dretime before the mapping)")

    @classmethod
    def load(cls, path: str | Path) -> Recipe:
        """Return the recipe in a YAML file; raises RtlboError for unknown knobs or bad values."""
        return parse_model(cls, load_yaml(path), str(path))

    @classmethod
    def from_knobs(cls, knobs: dict[str, Any], source: str = "recipe") -> Recipe:
        """Return the recipe for ``knobs`` (other keys are an error)."""
        return parse_model(cls, knobs, source)

    def changes(self) -> dict[str, Any]:
        """Return the knobs that differ from the baseline (Yosys default) recipe."""
        return self.model_dump(exclude_defaults=True)

    def delay_target_ps(self, period_ns: float) -> int:
        """Return the ABC delay target in ps for a clock of ``period_ns`` (0 = none)."""
        return round(self.abc_delay_target * period_ns * 1000)

    def abc_script(self, period_ns: float) -> str | None:
        """Return the ABC script for a clock of ``period_ns``, or None for Yosys's built-in one."""
        if self.abc_recipe == "yosys-default" and not (self.gate_sizing or self.retime):
            return None
        target = self.delay_target_ps(period_ns)
        optimize, mapping = ABC_SCRIPTS[self.abc_recipe]
        steps = [optimize, *(["dretime"] if self.retime else []), mapping]
        if self.gate_sizing:
            steps += ["topo", *(["buffer -p"] if self.buffering else []), "upsize {D}", "dnsize {D}"]
        return " ".join("; ".join(steps).replace("{D}", f"-D {target}" if target else "").split())

    def yosys_script(self, sources: list[str], top: str, liberty: str, period_ns: float) -> str:
        """Return the Yosys script that reads ``sources``, synthesizes ``top`` for a clock of
        ``period_ns`` and writes ``netlist.v`` and ``stat.json`` (mapped to ``liberty``)."""
        lines = [f"read_liberty -lib {liberty}", *(f"read_verilog -sv {src}" for src in sources)]
        lines.append(f"hierarchy -check -top {top}")
        if self.fsm_encoding in ("binary", "one-hot"):
            # Recode before synth's own FSM step, which would otherwise pick the encoding.
            lines += ["proc", *(["flatten"] if self.flatten else []), "opt_expr", "opt_clean",
                      "opt -nodffe -nosdff", f"fsm -encoding {self.fsm_encoding}", "opt"]
        synth = ["synth", "-top", top]
        synth += ["-flatten"] if self.flatten else []
        synth += ["-booth"] if self.booth else []
        synth += ["-arith_tree"] if self.arith_tree else []
        synth += [] if self.alumacc else ["-noalumacc"]
        synth += [] if self.share else ["-noshare"]
        synth += ["-nofsm"] if self.fsm_encoding != "auto" else []
        synth += [f"-extra-map +/choices/{self.adder}.v"] if self.adder != "default" else []
        lines.append(" ".join(synth))
        target = ["-D", str(self.delay_target_ps(period_ns))] if self.delay_target_ps(period_ns) else []
        abc = ["abc", "-liberty", liberty, *target]
        if self.abc_script(period_ns) is not None:
            abc += ["-script", "abc.script"]
        if self.gate_sizing:
            abc += ["-constr", "abc.constr"]
        # Flip-flops with an asynchronous load, which liberties rarely have, become set/reset ones
        # (dfflibmap maps every other kind, inverting polarities as needed).
        lines.append(LEGALIZE_ASYNC_LOAD)
        if self.retime:
            # ABC sees the flip-flops (as latches) and retimes them within the recipe's own script;
            # they are legalized for the liberty before and mapped onto its cells after.
            lines += [f"dfflibmap -prepare -liberty {liberty}", " ".join([*abc, "-dff"]),
                      f"dfflibmap -liberty {liberty}"]
        else:
            lines += [f"dfflibmap -liberty {liberty}", " ".join(abc)]
        lines += [
            # The mapped netlist is written flat (OpenSTA 2019 crashes on some hierarchical ones);
            # the flatten knob decides whether synthesis optimizes across module boundaries.
            *([] if self.flatten else ["flatten"]),
            "opt_clean -purge",
            "hierarchy -check",
            f"tee -q -o stat.json stat -json -top {top} -liberty {liberty}",
            # -simple-lhs: OpenSTA's Verilog reader rejects concatenations on an assign's left side.
            "write_verilog -noattr -noexpr -nohex -nodec -simple-lhs netlist.v",
        ]
        return "\n".join(lines) + "\n"

    def abc_constraints(self, driving_cell: str, output_load_pf: float) -> str:
        """Return the ``abc -constr`` file: the input driver and output load (in fF)."""
        return f"set_driving_cell {driving_cell}\nset_load {output_load_pf * 1000:g}\n"
