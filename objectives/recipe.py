"""A synthesis recipe: the typed set of Yosys/ABC knobs, and the scripts it turns into.

The default recipe is Yosys's own default flow (``synth -flatten``, ``dfflibmap``,
``abc -liberty``) and is the baseline every campaign is measured against.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from objectives.files import load_yaml, parse_model
from objectives.knobs import knob

# The operations `abc_recipe: sequence` strings together: ABC's AIG optimizations, a closed set (a
# script never takes free text: `source`, `read` or `write` would reach files). Each runs as its own
# name, but for those in SEQUENCE_COMMANDS: the GIA ones between `&get` and `&put`, and the
# delay-oriented SOP balancing of `if -g` strashed back into an AIG.
AbcOperation = Literal["balance", "rewrite", "rewrite -z", "refactor", "refactor -z", "resub", "resub -z",
                       "fraig", "dc2", "if -g", "&syn2", "&dc2"]
SEQUENCE_COMMANDS = {"if -g": "if -g; strash", "&syn2": "&get -n; &syn2; &put", "&dc2": "&get -n; &dc2; &put"}
RESYN2: tuple[AbcOperation, ...] = ("balance", "rewrite", "refactor", "balance", "rewrite", "rewrite -z", "balance",
                                    "refactor -z", "rewrite -z", "balance")
# A tuple in the recipe (recipes are hashable), a list in its files and dumps, as a space's configs hold it.
AbcSequence = Annotated[tuple[AbcOperation, ...], BeforeValidator(lambda v: tuple(v) if isinstance(v, list) else v),
                        PlainSerializer(list, return_type=list[str])]

# ABC scripts run between Yosys's `read_lib` and `write_blif`, as (optimization, mapping); {D} is the
# delay target option, {S} the recipe's `abc_sequence`, {M} its `abc_mapping`. Retiming (dretime)
# goes between the two; gate sizing after the mapping.
ABC_SCRIPTS: dict[str, tuple[str, str]] = {
    # Yosys's built-in liberty script, used as is when nothing is added to it.
    "yosys-default": ("strash; &get -n; &fraig -x; &put; scorr; dc2", "strash; &get -n; &dch -f; &nf {D}; &put"),
    "resyn2": ("strash; " + "; ".join(RESYN2), "map {D}"),
    "sequence": ("strash; {S}", "{M}"),
    "compress2rs": ("strash; balance -l; resub -K 6 -l; rewrite -l; resub -K 6 -N 2 -l; refactor -l; resub -K 8 -l; "
                    "balance -l; resub -K 8 -N 2 -l; rewrite -l; resub -K 10 -l; rewrite -z -l; resub -K 10 -N 2 -l; "
                    "balance -l; resub -K 12 -l; refactor -z -l; resub -K 12 -N 2 -l; rewrite -z -l; balance -l",
                    "map {D}"),
    "dch-map": ("strash; &get -n; &fraig -x; &put; scorr; dc2", "strash; dch -f; map {D}"),
    "area": ("strash; &get -n; &fraig -x; &put; scorr; dc2", "strash; dch -f; amap"),
    "speed": ("strash; &get -n; &fraig -x; &put; scorr; dc2", "strash; &get -n; &syn2; &dch -f; &nf -p {D}; &put"),
}
# The technology mappings `abc_recipe: sequence` ends with: ABC's `map` (resyn2's), `map` over
# structural choices (dch-map's), or the GIA mapper over choices (the Yosys default's).
ABC_MAPPINGS = {"map": "map {D}", "dch-map": "strash; dch -f; map {D}",
                "dch-nf": "strash; &get -n; &dch -f; &nf {D}; &put"}
# Every internal flip-flop and latch type but those with an asynchronous load ($_ALDFF*_), which
# dfflegalize then emulates with set/reset flip-flops.
LEGALIZE_ASYNC_LOAD = "dfflegalize " + " ".join(
    f"-cell {cell} 01" for cell in ("$_DFF_?_", "$_DFF_???_", "$_DFFE_????_", "$_DFFSR_???_", "$_DFFSRE_????_",
                                     "$_SDFF_???_", "$_SDFFE_????_", "$_SDFFCE_????_", "$_DLATCH_?_", "$_DLATCH_???_",
                                     "$_DLATCHSR_???_", "$_SR_??_"))


class Recipe(BaseModel):
    """Synthesis knobs, each declared once (see :mod:`objectives.knobs`). Every field maps to one
    visible change of the Yosys or ABC script."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    flatten: bool = knob(True, "flatten the hierarchy before synthesis", "`synth -flatten`")
    booth: bool = knob(False, "Booth-encoded multipliers", "`synth -booth`")
    arith_tree: bool = knob(False, "carry-save adder trees for add chains and MACs", "`synth -arith_tree`")
    alumacc: bool = knob(True, "merge arithmetic into $alu/$macc cells", "false: `synth -noalumacc`")
    share: bool = knob(True, "SAT-based resource sharing", "false: `synth -noshare`")
    adder: Literal["default", "kogge-stone", "han-carlson", "sklansky"] = knob(
        "default", "parallel-prefix architecture of carry-lookahead units ($lcu)",
        "`synth -extra-map +/choices/<adder>.v`",
    )
    fsm_encoding: Literal["auto", "binary", "one-hot", "none"] = knob(
        "auto", "FSM state encoding; none = no FSM extraction. auto picks one-hot for FSMs of fewer than 32 "
        "states, so on the built-in suite auto and one-hot coincide",
        "`fsm -encoding <e>` before `synth -nofsm`; none: `synth -nofsm`",
    )
    abc_recipe: Literal["yosys-default", "resyn2", "compress2rs", "dch-map", "area", "speed", "sequence"] = knob(
        "yosys-default", "ABC optimisation and mapping script; sequence = the operations of `abc_sequence`",
        "the ABC script (`abc -script`)"
    )
    abc_sequence: AbcSequence = knob(
        RESYN2, "the ABC optimizations `abc_recipe: sequence` runs, in order (resyn2's by default)",
        "`strash; <op>; ...; <op>; <abc_mapping>` as the ABC script", active_when={"abc_recipe": ["sequence"]},
        min_length=1, max_length=30,
    )
    abc_mapping: Literal["map", "dch-map", "dch-nf"] = knob(
        "map", "the technology mapping `abc_recipe: sequence` ends with: ABC's map (resyn2's), map over structural "
        "choices (dch-map's), or the GIA mapper over choices (the Yosys default's)", "the ABC script's mapping",
        active_when={"abc_recipe": ["sequence"]},
    )
    abc_delay_target: float = knob(
        0.0, "ABC delay target as a fraction of the task's clock period; 0 = none. It changes the netlist "
        "only when looser than the best achievable delay",
        "`abc -D <fraction × period in ps>`",
        ge=0.0, le=4.0, search=(0.0, 1.5),
        # &nf-based recipes (yosys-default, speed) already recover area at best delay, and amap (area)
        # ignores the target: they give the same netlist at any target, retimed or not.
        active_when={"abc_recipe": ["resyn2", "compress2rs", "dch-map", "sequence"], "gate_sizing": [True]},
    )
    gate_sizing: bool = knob(False, "ABC gate up/down-sizing after mapping",
                             "`upsize; dnsize` after mapping, with `abc -constr`")
    buffering: bool = knob(
        True, "buffer high-fanout nets before sizing: much faster on wide selects (barrel shifters), at some "
        "area and power elsewhere", "`buffer -p` before sizing", active_when={"gate_sizing": [True]},
    )
    retime: bool = knob(
        False, "let ABC retime flip-flops",
        "the recipe's ABC run sees the flip-flops (`abc -dff`, after `dfflibmap -prepare`) and retimes them "
        "(`dretime`) before its mapping; the recipe and sizing still act, and the delay target where they do",
    )

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
        sequence = "; ".join(SEQUENCE_COMMANDS.get(op, op) for op in self.abc_sequence)
        script = "; ".join(steps).replace("{S}", sequence).replace("{M}", ABC_MAPPINGS[self.abc_mapping])
        return " ".join(script.replace("{D}", f"-D {target}" if target else "").split())

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
