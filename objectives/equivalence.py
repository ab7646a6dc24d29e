"""Formal equivalence of a mapped netlist with the RTL it was synthesized from.

:func:`prove` builds a miter with Yosys and decides it with the ABC that ships with Yosys:

- *gold* is the RTL as Yosys reads it for synthesis, through Yosys's coarse front end (without
  FSM recoding and resource sharing, which a recipe's knobs change), with its unknowns made
  explicit by ``xprop``: each output bit has a value and an "unknown" flag, as x propagation from
  ``x`` constants and from registers without a reset or an initial value gives it;
- *gate* is the mapped netlist, each cell's function read from the liberty (a combinational one
  read in :mod:`objectives.gates`, without Yosys); every flip-flop starts at an arbitrary value,
  as silicon powers up;
- the miter drives both with the same inputs, holds the reset (when there is one) active in the
  first cycle, and flags a later cycle in which an output bit the RTL defines differs in the netlist.

``proved`` means: for every input sequence that starts with that reset cycle and every power-up
state of the netlist, in every cycle after it (every cycle, without a reset), every output bit the
RTL defines has the same value in the netlist. Asynchronous resets act at the clock
(``async2sync``). A design without flip-flops is decided by simulating every input vector when there are few
(:mod:`objectives.aiger`), else by ``&cec`` (SAT sweeping). A sequential
one, not retimed, is first tried by register correspondence: the signals both designs name alike
(the registers above all) are cut into free inputs both read, and compared as outputs, which leaves
ABC one cycle of induction. Otherwise, or when that does not conclude, ``dprove`` decides the whole
miter (bounded model checking, induction over the signals it finds equal, retiming, interpolation,
property-directed reachability), after unrolling the first cycles (``tempor``) if it does not
conclude in a few seconds. Only the whole miter refutes: its counterexample, the inputs per cycle,
is replayed in simulation (:func:`replay`).
"""

from __future__ import annotations

import random
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from objectives.aiger import first_difference, miter, read_aiger, worth_simulating, write_aiger
from objectives.errors import RtlboError
from objectives.gates import GateAig, netlist_aig
from objectives.runner import Limits, first_error_line
from objectives.screen import seal, sealed_output
from objectives.toolchain import IVERILOG, YOSYS
from objectives.verilog import writes_z

PROVED, REFUTED, UNKNOWN = "proved", "refuted", "unknown"
MITER, GOLD, GATE = "rtlbo_miter", "rtlbo_gold", "rtlbo_gate"
GOLD_FILE = "gold.il"
COUNTEREXAMPLE = "equivalence_counterexample.txt"
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_PORT = re.compile(r"^\s*(input|output|inout)\s+(?:signed\s+)?(?:\[(-?\d+):(-?\d+)\]\s*)?(\\\S+|[A-Za-z_][\w$]*)\s*;",
                   re.M)
# The Yosys script's checkpoints: when it fails, the last one it logged says what failed.
_STEP = re.compile(r"^RTLBO_STEP (\w+)$", re.M)
# How Yosys says that the RTL's ports are not the netlist's (names; number).
_INTERFACE = re.compile(r"ERROR: .*(?:does not have a port named|Assertion failed: selection contains \d+ elements).*")
_STEP_REASONS = {
    "gold": "Yosys cannot read the RTL",
    "gate": "Yosys cannot read the netlist with the liberty's cell functions",
    "xprop": "Yosys cannot track the RTL's unknown values through its flip-flops (one clocked by a signal that is "
             "not an input?)",
    "interface": "Yosys cannot build the miter of the RTL and the netlist",
    "cells": "the designs hold latches or flip-flops on a falling edge, which the proof does not model",
    "clock": "a flip-flop is clocked by a signal that is not the design's clock",
}


@dataclass(frozen=True)
class Gold:
    """The gold side of one RTL's proofs (:func:`build_gold`): the design as RTLIL and, for a
    combinational one, also as an AIG (binary AIGER and its ``write_aiger`` map), which the proof
    of each netlist joins to the netlist's own."""

    rtlil: str
    aig: bytes = b""
    aig_map: str = ""


class ReplayFailed(Exception):
    """A replay could not decide: a simulation did not compile or did not run to its end."""


@dataclass(frozen=True)
class Equivalence:
    """What :func:`prove` found: the outcome, the method that decided it, why it is not ``proved``
    (one line), the input sequence that shows a difference (``refuted`` only) and the time taken."""

    outcome: Literal["proved", "refuted", "unknown"]
    method: str
    reason: str = ""
    counterexample: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Port:
    """One port of the top module: direction, name (without escaping), and declared range."""

    direction: str
    name: str
    msb: int = 0
    lsb: int = 0

    @property
    def width(self) -> int:
        """The number of bits."""
        return abs(self.msb - self.lsb) + 1

    @property
    def ref(self) -> str:
        """The port's name as a Verilog (escaped) identifier."""
        return f"\\{self.name} "

    def declaration(self) -> str:
        """Return the port's range as declared, e.g. ``[15:0] `` (empty for one bit)."""
        return f"[{self.msb}:{self.lsb}] " if (self.msb, self.lsb) != (0, 0) else ""

    def literal(self, bits: list[str]) -> str:
        """Return the Verilog literal of ``bits`` (least significant first) for this port."""
        value = int("".join(reversed(bits)), 2)
        return f"{self.width}'b{value:b}" if self.width == 1 else f"{self.width}'h{value:x}"


def _ports(netlist: str, top: str) -> list[Port]:
    """Return the ports of module ``top`` in a netlist as Yosys's ``write_verilog`` writes it
    (one declaration per port, one per line); raises RtlboError when the netlist has no module
    ``top``. Lines are enough: an escaped name holds no whitespace, so none can start a line, and a
    netlist of 20 000 cells is not worth lexing whole."""
    header = re.search(rf"^module\s+\\?{re.escape(top)}\s*\(", netlist, re.M)
    if header is None:
        raise RtlboError(f"the netlist defines no module '{top}'; pass the netlist Yosys wrote for it")
    end = re.compile(r"^\s*endmodule\b", re.M).search(netlist, header.end())
    block = netlist[header.start() : end.start() if end else len(netlist)]
    found = []
    for direction, msb, lsb, name in _PORT.findall(block):
        name = name[1:] if name.startswith("\\") else name
        found.append(Port(direction, name, int(msb or 0), int(lsb or 0)))
    return found


def prove(rtl: str, top: str, netlist: str, liberty: Path, workdir: Path, limits: Limits,
          clocks: tuple[str, ...] = (), reset: str | None = None, reset_active: str = "high",
          retimed: bool = False, cell_models: Path | None = None, gold: Gold | None = None) -> Equivalence:
    """Return whether ``netlist`` (Yosys's mapped netlist of ``rtl``, instantiating cells of
    ``liberty``) is equivalent to ``rtl`` (one file, top module ``top``), working in ``workdir``.

    ``clocks`` are the clock ports (empty: combinational), ``reset`` the reset port asserted in the
    first cycle, at ``reset_active`` ("high" or "low"); ``retimed`` says flip-flops were moved, so
    that no register correspondence is tried. With ``cell_models``, a counterexample is replayed in
    simulation and reported only when the outputs differ there (else the outcome is ``unknown``).
    ``gold`` is what :func:`build_gold` returned for ``rtl`` (built here when None).
    A time limit is ``unknown``, never an exception. Raises RtlboError for arguments that cannot be
    right (a clock or reset that is no 1-bit input port, a netlist without module ``top``).
    """
    declared = _ports(netlist, top)
    _check_arguments(top, declared, clocks, reset, reset_active)
    return _Proof(top, declared, liberty, workdir, limits, clocks, reset, reset_active).run(
        rtl, netlist, retimed, cell_models, gold)


# ABC's engines, as (method, commands). Sequential ones use a high conflict limit: induction then
# proves the arithmetic between registers, where ABC's default gives up for far slower engines.
CEC = ("combinational CEC (ABC &cec)", "&get -n; &cec -m")
# SAT sweeping by ABC's newer engine first merges what both sides compute alike: on a 56x56
# multiplier's miter 0.4 s where ``&cec`` alone takes 4 s. In miter mode it stops at the first output
# shown to differ (without ``-m`` it can sweep a refuted miter for minutes); ``&cec`` concludes.
SWEEP = ("combinational CEC (ABC &fraig -x, &cec)", "&get -n; &fraig -x -m; &cec -m")
EXHAUSTIVE = "combinational: every input vector simulated"
DPROVE = ("sequential (ABC dprove)", "dprove -C 100000")
# Between cut signals, combinational SAT sweeping first merges what gold and gate compute alike.
CUT = "&get -n; &fraig -x; &put; dprove -C 100000"
# Unrolling the first cycles (temporal decomposition) starts induction after registers without a
# reset have taken their first values, which correspondence needs when retiming renamed them all.
TEMPOR = ("sequential (ABC tempor + dprove)", "tempor -F 2; dprove -C 100000")
# What an engine that has not concluded gets of the time left before the next one is tried: most
# designs are decided within a second or two, and one not decided in 5 s rarely is by that engine.
SLICE_S = 5.0


class _Proof:
    """One call of :func:`prove`: the tool runs in ``workdir``, under one time budget."""

    def __init__(self, top: str, declared: list[Port], liberty: Path, workdir: Path, limits: Limits,
                 clocks: tuple[str, ...], reset: str | None, reset_active: str):
        self.top, self.declared, self.liberty, self.workdir, self.limits = top, declared, liberty, workdir, limits
        self.clocks, self.reset, self.reset_active = clocks, reset, reset_active
        self.start = time.monotonic()

    def done(self, outcome: str, method: str, reason: str = "", counterexample: str = "") -> Equivalence:
        """Return the result, with the time spent so far."""
        return Equivalence(outcome, method, reason, counterexample, round(time.monotonic() - self.start, 4))

    def left(self, at_most: float | None = None) -> Limits:
        """Return the limits of the next tool run: what is left of the time budget (``at_most``)."""
        seconds = max(0.01, self.limits.timeout_s - (time.monotonic() - self.start))
        return Limits(min(seconds, at_most or seconds), self.limits.memory_mb, self.limits.file_mb)

    def over(self) -> bool:
        """Return whether the time budget is spent."""
        return time.monotonic() - self.start >= self.limits.timeout_s

    def run(self, rtl: str, netlist: str, retimed: bool, cell_models: Path | None, gold: Gold | None) -> Equivalence:
        """Return the outcome of the proof (see :func:`prove`)."""
        if len(self.clocks) > 1:
            return self.done(UNKNOWN, "none", f"the proof models one clock; this design has {len(self.clocks)} "
                             f"({', '.join(self.clocks)})")
        if any(p.direction == "inout" for p in self.declared):
            return self.done(UNKNOWN, "none", "the design has inout ports, which the proof does not model")
        if writes_z(rtl):
            return self.done(UNKNOWN, "none", "the RTL writes 'z' (tri-state logic), which the proof does not model")
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "rtl.v").write_text(rtl)
        (self.workdir / "netlist.v").write_text(netlist)
        (self.workdir / "miter.v").write_text(_miter_module(self.declared, self.reset, self.reset_active))
        if gold is not None:
            (self.workdir / GOLD_FILE).write_text(gold.rtlil)
        elif (failed := self.yosys(gold_script(self.top))) is not None:
            return failed
        cut = bool(self.clocks) and not retimed
        failed = self.miter(cut, gold)
        if failed is not None:
            return failed
        if cut and (proved := self.correspondence()) is not None:
            return proved
        inputs = _aiger_inputs((self.workdir / "miter.map").read_text())
        latches = _latches(self.workdir / "miter.aig")
        aig = None if latches else read_aiger(self.workdir / "miter.aig")
        if aig is not None and worth_simulating(aig):
            decided, vector = first_difference(aig, self.left().timeout_s)
            if decided and vector is None:
                return self.done(PROVED, EXHAUSTIVE)
            if decided:
                (self.workdir / "cex.txt").write_text("\n" + "".join(map(str, vector)) + "\n")
                return self.refuted(EXHAUSTIVE, "", inputs, rtl, netlist, cell_models)
        engines = [DPROVE, TEMPOR] if latches else [SWEEP, CEC]
        for i, (method, commands) in enumerate(engines):
            last = i == len(engines) - 1
            verdict = self.abc("miter.aig", commands, None if last else SLICE_S)
            if verdict == PROVED:
                return self.done(PROVED, method)
            if verdict == REFUTED:
                return self.refuted(method, commands, inputs, rtl, netlist, cell_models)
        reason = (f"no engine concluded within the {self.limits.timeout_s:g} s time limit" if self.over()
                  else "ABC could not decide the miter (no proof, no counterexample)")
        return self.done(UNKNOWN, engines[-1][0], reason)

    def miter(self, cut: bool, gold: Gold | None) -> Equivalence | None:
        """Write the miter as ``miter.aig`` and ``miter.map`` (with ``cut``, also ``cut.il``); return
        the outcome when that failed. A combinational design's netlist becomes an AIG (read here,
        :mod:`objectives.gates`, or by Yosys where that reader does not know the netlist), joined
        here to the gold AIG (``gold``'s, else made beside it by a second Yosys); when their ports
        do not pair up, Yosys's own miter of the two designs says how they differ."""
        if not self.clocks:
            side = self.workdir / "gold"
            side.mkdir(exist_ok=True)
            with ThreadPoolExecutor(1) as beside:
                made = None
                if gold is not None and gold.aig:
                    (side / "gold.aig").write_bytes(gold.aig)
                    (side / "gold.map").write_text(gold.aig_map)
                else:
                    (side / GOLD_FILE).write_bytes((self.workdir / GOLD_FILE).read_bytes())
                    made = beside.submit(self.yosys, _side_script(_gold_aig_lines(), "gold"), side)
                # Read while the gold side's Yosys (if any) runs.
                gate = netlist_aig((self.workdir / "netlist.v").read_text(), self.top, self.liberty)
                failed = None if gate else self.yosys(_side_script(_gate_lines(self.top, self.liberty), "gate"))
                failed = failed or (made.result() if made else None)
            if failed is None and gate is None and (aig := read_aiger(self.workdir / "gate.aig")) is not None:
                gate = GateAig(aig, _aiger_ports((self.workdir / "gate.map").read_text())[0])
            if failed is not None or (gate is not None and self.join(side, gate)):
                return failed
        counts = [sum(p.direction == d for p in self.declared) for d in ("input", "output")]
        return self.yosys(_prepare_script(self.top, self.liberty, self.clocks, cut, *counts))

    def join(self, gold_dir: Path, netlist: GateAig) -> bool:
        """Join ``gold/gold.aig`` and the ``netlist``'s AIG into the miter, pairing the gold side's
        inputs with the gate's by name, and each gate output with the gold value and x mask of the
        same name; return False, writing nothing, when the ports do not pair up one to one."""
        gold, gate, gate_in = read_aiger(gold_dir / "gold.aig"), netlist.aig, netlist.inputs
        gold_in = _aiger_ports((gold_dir / "gold.map").read_text())[0]
        names = {p.name for p in self.declared if p.direction == "input"}
        outputs = [p.name for p in self.declared if p.direction == "output"]
        if gold is None or {n for n, _ in gate_in} != names or gold_in.keys() != gate_in.keys():
            return False
        gold_outputs = {name: k for k, name in enumerate(gold.output_names)}
        triples = []
        for k, symbol in enumerate(gate.output_names):
            port = [n for n in outputs if symbol == n or re.fullmatch(rf"{re.escape(n)}\[\d+\]", symbol)]
            if len(port) != 1:
                return False
            bit = symbol[len(port[0]):]
            triples.append((gold_outputs.get(f"{port[0]}_d{bit}"), gold_outputs.get(f"{port[0]}_x{bit}"), k))
        if not triples or len(gold_outputs) != 2 * len(triples) or any(None in t for t in triples):
            return False
        pairs = [(gold_in[bit], index) for bit, index in gate_in.items()]
        (self.workdir / "miter.aig").write_bytes(write_aiger(miter(gold, gate, pairs, triples)))
        inputs = "".join(f"input {i} {bit} {name}\n" for i, (name, bit) in enumerate(gate_in))
        (self.workdir / "miter.map").write_text(inputs + "output 0 0 rtlbo_bad\n")
        return True

    def correspondence(self) -> Equivalence | None:
        """Try the proof with the registers (and other signals) both designs name alike cut into
        shared free inputs; return the result when proved, else None (the sequential proof follows)."""
        cut = [p for p in _rtlil_ports((self.workdir / "cut.il").read_text(), GATE)
               if p.name not in {q.name for q in self.declared}]
        if not cut:
            return None
        (self.workdir / "cut.v").write_text(_miter_module(self.declared, self.reset, self.reset_active, cut))
        if self.yosys(_cut_script(self.clocks)) is not None or self.abc("cut.aig", CUT, SLICE_S) != PROVED:
            return None
        signals = sum(p.direction == "input" for p in cut)
        return self.done(PROVED, f"register correspondence + induction (ABC dprove; {signals} signal"
                         f"{'s' if signals > 1 else ''} cut)")

    def refuted(self, method: str, commands: str, inputs: dict[str, int], rtl: str, netlist: str,
                cell_models: Path | None) -> Equivalence:
        """Return the outcome of an engine that found a difference: its counterexample as a table,
        replayed in simulation when there are ``cell_models``."""
        if "tempor" in commands:
            # That counterexample belongs to the unrolled miter: find one of the miter itself.
            self.abc("miter.aig", "bmc3")
        cex = self.workdir / "cex.txt"
        table = _counterexample(cex.read_text() if cex.is_file() else "", inputs, self.declared, self.clocks,
                               self.reset, self.reset_active, self.top)
        if not table:
            return self.done(UNKNOWN, method, "ABC found a difference but no counterexample within the time limit")
        if cell_models is None:
            return self.done(REFUTED, method, f"the outputs differ (counterexample in {COUNTEREXAMPLE})", table)
        try:
            difference = replay(table, rtl, netlist, self.top, self.clocks, cell_models, self.workdir / "replay",
                                self.left())
        except ReplayFailed as exc:
            return self.done(UNKNOWN, method, f"ABC found a difference, but its counterexample could not be "
                             f"replayed in simulation ({exc})", table)
        if difference is None and self.over():
            return self.done(UNKNOWN, method, f"ABC found a difference, but the {self.limits.timeout_s:g} s time "
                             "limit was reached before its counterexample was replayed in simulation", table)
        if difference is None:
            return self.done(UNKNOWN, method, "the counterexample ABC found does not reproduce in simulation "
                             "(it rests on x values the simulator resolves differently)", table)
        return self.done(REFUTED, method, f"{difference} (counterexample in {COUNTEREXAMPLE})", table)

    def yosys(self, script: str, workdir: Path | None = None) -> Equivalence | None:
        """Run a Yosys script (in ``workdir``, by default the proof's); return the outcome when it
        failed (None when it ran)."""
        if self.over():
            return self.done(UNKNOWN, "none", f"the {self.limits.timeout_s:g} s time limit was reached")
        run = YOSYS.run_script(workdir or self.workdir, script, self.left(), (self.liberty,))
        if run.timed_out or (not run.ok and self.over()):
            return self.done(UNKNOWN, "none", f"building the miter exceeded the {self.limits.timeout_s:g} s time limit")
        if run.returncode < 0:
            return self.done(UNKNOWN, "none", run.failure("yosys", self.limits.timeout_s))
        step = (_STEP.findall(run.output) or [""])[-1]
        mismatch = re.search(rf"Resizing cell port {MITER}\.\S+ from \d+ bits to \d+ bits", run.output) or (
            not run.ok and step == "interface" and _INTERFACE.search(run.output))
        if mismatch:
            detail = first_error_line(mismatch.group(0))
            return self.done(REFUTED, "interface", f"the netlist's ports differ from the RTL's: {detail}")
        if not run.ok and step in ("cells", "clock"):  # the check's own message only repeats its selection
            return self.done(UNKNOWN, "none", _STEP_REASONS[step])
        if not run.ok:
            reason = _STEP_REASONS.get(step, "Yosys failed")
            return self.done(UNKNOWN, "none", f"{reason}: {first_error_line(run.output)}")
        return None

    def abc(self, aiger: str, commands: str, at_most: float | None = None) -> str:
        """Run ABC ``commands`` on the miter ``aiger`` for at most ``at_most`` seconds of the time
        left; return proved, refuted (the counterexample left in ``cex.txt``) or unknown."""
        (self.workdir / "cex.txt").unlink(missing_ok=True)
        if self.over():
            return UNKNOWN
        limits = self.left(at_most)
        run = YOSYS.abc(self.workdir, f"read {aiger}; {commands}; write_cex -a cex.txt", limits)
        return UNKNOWN if run.timed_out else _verdict(run.output)


def _check_arguments(top: str, declared: list[Port], clocks: tuple[str, ...], reset: str | None,
                     reset_active: str) -> None:
    """Raise RtlboError naming the fix for a top, clock or reset the netlist cannot have."""
    if not _IDENT.fullmatch(top):
        raise RtlboError(f"top module name {top!r} is not a plain Verilog identifier; rename the module")
    inputs = {p.name: p for p in declared if p.direction == "input"}
    for name in (*clocks, *([reset] if reset else [])):
        if name not in inputs:
            raise RtlboError(f"'{name}' is not an input port of {top}; name the clock and reset ports of the design")
        if inputs[name].width != 1:
            raise RtlboError(f"clock or reset port '{name}' of {top} is {inputs[name].width} bits wide; "
                             "name a 1-bit port")
    if reset_active not in ("high", "low"):
        raise RtlboError(f"reset_active is {reset_active!r}; use 'high' or 'low'")


def _miter_module(declared: list[Port], reset: str | None, reset_active: str, cut: list[Port] = ()) -> str:
    """Return the Verilog of the miter: gold and gate side by side on the same inputs (the reset
    forced active in the first cycle), and one output ``rtlbo_bad`` that is 1 in a cycle in which
    an output bit gold defines differs in gate. ``cut`` are the ports ``expose -cut`` added to both
    (signals of the same name): each input ``<name>.i`` is a free input of the miter, each output is
    compared like the design's outputs."""
    inputs = [p for p in declared if p.direction == "input"]
    outputs = [p for p in declared if p.direction == "output"]
    free = [p for p in cut if p.direction == "input"]
    cut_outputs = [p for p in cut if p.direction == "output"]
    lines = [f"module {MITER}({''.join(f'{p.ref}, ' for p in inputs)}"
             f"{''.join(f'rtlbo_c{i}, ' for i in range(len(free)))}rtlbo_bad);"]
    lines += [f"  input {p.declaration()}{p.ref};" for p in inputs]
    lines += [f"  input {p.declaration()}rtlbo_c{i};" for i, p in enumerate(free)]
    lines.append("  output rtlbo_bad;")
    shared = [f".{p.ref}({p.ref})" for p in inputs] + [f".{p.ref}(rtlbo_c{i})" for i, p in enumerate(free)]
    if reset is not None:
        active = "1'b1" if reset_active == "high" else "1'b0"
        lines.append(f"  wire rtlbo_reset = $initstate ? {active} : \\{reset} ;")
        shared = [f".\\{reset} (rtlbo_reset)" if c.startswith(f".\\{reset} (") else c for c in shared]
    gold, gate, differs = list(shared), list(shared), []
    for i, p in enumerate(outputs + cut_outputs):
        lines.append(f"  wire {p.declaration()}rtlbo_d{i}, rtlbo_x{i}, rtlbo_g{i};")
        gold += [f".\\{p.name}_d (rtlbo_d{i})", f".\\{p.name}_x (rtlbo_x{i})"]
        gate.append(f".{p.ref}(rtlbo_g{i})")
        differs.append(f"|((rtlbo_d{i} ^ rtlbo_g{i}) & ~rtlbo_x{i})")
    lines.append(f"  {GOLD} gold({', '.join(gold)});")
    lines.append(f"  {GATE} gate({', '.join(gate)});")
    observed = " | ".join(differs[: len(outputs)]) or "1'b0"
    if reset is not None:
        # The reset cycle shows the power-up state, which the RTL may give (initial values) and the
        # netlist cannot: the design's outputs are compared from the cycle after it. Cut signals
        # are compared in every cycle: what the cut inputs stand for must hold from the start.
        observed = f"!$initstate & ({observed})"
    bad = " | ".join([observed, *differs[len(outputs):]])
    lines.append(f"  assign rtlbo_bad = {bad};")
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


def gold_script(top: str, combinational: bool = False) -> str:
    """Return the Yosys script that reads ``rtl.v`` and writes the gold design (module
    ``rtlbo_gold``) as ``gold.il``: it depends on the RTL only, so one serves every netlist of it.
    A ``combinational`` design's is then also written as an AIG, ``gold.aig`` and ``gold.map``."""
    lines = [
        "log -stdout RTLBO_STEP gold",
        "read_verilog -sv rtl.v",
        # The passes of Yosys's coarse-grain front end that shape arithmetic, without those a
        # recipe's knobs change (FSM recoding, resource sharing) and without its rounds of ``opt``:
        # arithmetic keeps the structure ABC started from, which SAT sweeping needs, at half the
        # cost (10 s against 18 s on a 20 000-cell multiplier, while synthesis runs beside it).
        f"hierarchy -check -top {top}",
        "proc",
        "flatten",
        "opt_expr",
        "opt_clean",
        "wreduce",
        "peepopt",
        "opt_clean",
        "alumacc",
        "memory -nomap",
        "opt_clean",
        "memory_map",
        "opt -fast",
        "techmap",
        "opt -fast -nodffe -nosdff",
        "async2sync",
        "dffunmap",
        # An output bit no one drives floats in the RTL: unknown, so any netlist value matches it.
        "setundef -undriven -undef",
        f"rename {top} {GOLD}",
        f"write_rtlil {GOLD_FILE}",
    ]
    if combinational:
        lines += [*_XPROP, *_tail((), "gold")]
    return "\n".join(lines) + "\n"


def _gold_aig_lines() -> list[str]:
    """Return the Yosys commands that read ``gold.il`` and give each output a value and an x mask."""
    return ["log -stdout RTLBO_STEP gold", f"read_rtlil {GOLD_FILE}", *_XPROP]


def build_gold(rtl: str, top: str, workdir: Path, limits: Limits, combinational: bool = False) -> Gold | None:
    """Return the gold design of ``rtl`` (see :func:`gold_script`), for :func:`prove`'s ``gold``;
    None when Yosys cannot build it (:func:`prove` then says why). A design that turns out to
    hold flip-flops after all gets no AIG."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "rtl.v").write_text(rtl)
    run = YOSYS.run_script(workdir, gold_script(top, combinational), limits)
    gold, aig = workdir / GOLD_FILE, workdir / "gold.aig"
    if not gold.is_file() or not (run.ok or combinational):
        return None
    if not (run.ok and aig.is_file()):
        return Gold(gold.read_text())
    return Gold(gold.read_text(), aig.read_bytes(), (workdir / "gold.map").read_text())


def _prepare_script(top: str, liberty: Path, clocks: tuple[str, ...], cut: bool, inputs: int, outputs: int) -> str:
    """Return the Yosys script that reads ``netlist.v`` (gate, with the cell functions of
    ``liberty``) and ``gold.il`` and writes the miter of ``miter.v`` as ``miter.aig``; with ``cut``,
    also ``cut.il``: both designs with the signals they name alike cut by ``expose -cut``. The RTL
    must have ``inputs`` input and ``outputs`` output ports, as the netlist has."""
    lines = [*_gate_lines(top, liberty), "log -stdout RTLBO_STEP xprop", f"read_rtlil {GOLD_FILE}"]
    if cut:
        # Ports stay as they are: cutting one would also cut the output it drives.
        lines += [f"design -save {GOLD}", f"expose -cut -shared {GOLD}/w:* {GOLD}/x:* %d {GATE}/w:* {GATE}/x:* %d",
                  *_XPROP, "write_rtlil cut.il",
                  f"design -load {GOLD}"]
    lines += [*_XPROP, "log -stdout RTLBO_STEP interface", "read_verilog -formal miter.v",
              f"hierarchy -check -top {MITER}", f"select -assert-count {inputs} {GOLD}/i:*",
              f"select -assert-count {2 * outputs} {GOLD}/o:*", *_tail(clocks, "miter")]
    return "\n".join(lines) + "\n"


def _gate_lines(top: str, liberty: Path) -> list[str]:
    """Return the Yosys commands that read ``netlist.v`` with the cell functions of ``liberty`` into
    one flat module, ``rtlbo_gate``."""
    return [
        "log -stdout RTLBO_STEP gate",
        f"read_liberty {liberty}",
        "read_verilog netlist.v",
        f"hierarchy -check -top {top}",
        "flatten -noscopeinfo",
        f"rename {top} {GATE}",
        f"hierarchy -top {GATE}",
        "async2sync",
        "dffunmap",
        "techmap",
        # Names that only alias the netlist's own (the cells' wires ``_123_.Q``, the wires Yosys
        # wrote as ``_123_``) are hidden, so that each net keeps the name of the RTL signal it holds.
        "rename -hide w:*.* w:_*_",
        "opt_clean",
        # A netlist bit left undriven or x may take any value in silicon.
        "setundef -undriven -anyseq",
    ]


def _side_script(lines: list[str], name: str) -> str:
    """Return the Yosys script of ``lines`` that leaves one combinational module, then writes it as
    ``<name>.aig`` and ``<name>.map``."""
    return "\n".join([*lines, *_tail((), name)]) + "\n"


# Inputs are driven by the miter, never x; what the RTL leaves unknown becomes a mask per output.
_XPROP = [f"xprop -split-outputs -assume-def-inputs -required {GOLD}", f"delete {GOLD}/t:$assume"]


def _cut_script(clocks: tuple[str, ...]) -> str:
    """Return the Yosys script that writes the miter of ``cut.v`` over ``cut.il`` as ``cut.aig``."""
    lines = ["read_rtlil cut.il", "read_verilog -formal cut.v", f"hierarchy -check -top {MITER}",
             *_tail(clocks, "cut")]
    return "\n".join(lines) + "\n"


def _tail(clocks: tuple[str, ...], name: str) -> list[str]:
    """Return the Yosys commands that flatten the miter into an AIG and write ``<name>.aig`` and
    ``<name>.map``: flip-flops become AIGER latches of the one clock, each starting at a free
    value (``-zinit``) unless the RTL gives it an initial value."""
    if clocks:
        clocked = f"select -assert-none t:$_DFF_P_ %ci1:+[C] t:$_DFF_P_ %d w:\\{clocks[0]} %d"
    else:
        clocked = "select -assert-none t:$_DFF_P_"
    return [
        "flatten -noscopeinfo",
        "async2sync",
        "dffunmap",
        "techmap",
        "aigmap",
        "setundef -undriven -anyseq",
        "delete t:$scopeinfo",
        "opt_clean",
        "log -stdout RTLBO_STEP cells",
        "select -assert-none t:* t:$_AND_ t:$_NOT_ t:$_DFF_P_ t:$initstate t:$anyseq %u %u %u %u %d",
        "log -stdout RTLBO_STEP clock",
        clocked,
        "log -stdout RTLBO_STEP aiger",
        f"write_aiger -zinit -symbols -map {name}.map {name}.aig",
    ]


_RTLIL_PORT = re.compile(r"^\s*wire\s+(.*?)\b(input|output|inout)\s+\d+\s+(?:signed\s+)?(\S+)\s*$", re.M)


def _rtlil_ports(text: str, module: str) -> list[Port]:
    """Return the ports of ``module`` in RTLIL ``text`` (as ``write_rtlil`` writes them)."""
    body = re.search(rf"^module \\{module}$(.*?)^end$", text, re.M | re.S)
    found = []
    for options, direction, name in _RTLIL_PORT.findall(body.group(1) if body else ""):
        width = re.search(r"width (\d+)", options)
        name = name[1:] if name.startswith("\\") else name
        found.append(Port(direction, name, int(width.group(1)) - 1 if width else 0, 0))
    return found


def _latches(aiger: Path) -> int:
    """Return the number of latches of an AIGER file (from its header ``aig M I L O A``)."""
    with aiger.open("rb") as f:
        return int(f.readline().split()[3])


def _aiger_inputs(text: str) -> dict[str, int]:
    """Return ``{bit name: input index}`` of the inputs in a ``write_aiger -map`` file (``d[3]``)."""
    return {f"{name}[{bit}]": index for (name, bit), index in _aiger_ports(text)[0].items()}


def _aiger_ports(text: str) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int], int]]:
    """Return the inputs and the outputs of a ``write_aiger -map`` file, each as ``{(name, bit):
    index}`` in the file's order."""
    ports: tuple[dict, dict] = ({}, {})
    for entry in (line.split() for line in text.splitlines()):
        if len(entry) == 4 and entry[0] in ("input", "output"):
            ports[entry[0] == "output"][(entry[3], int(entry[2]))] = int(entry[1])
    return ports


def _verdict(output: str) -> str:
    """Return what an ABC log says of the miter: proved, refuted or unknown."""
    if re.search(r"was asserted in frame|are not equivalent|NOT EQUIVALENT|Property FAILED", output):
        return REFUTED
    if re.search(r"Networks are equivalent|Property proved", output):
        return PROVED
    return UNKNOWN


def _counterexample(cex: str, bits: dict[str, int], declared: list[Port], clocks: tuple[str, ...],
                    reset: str | None, reset_active: str, top: str) -> str:
    """Return the counterexample as a table of input values per clock cycle, from ABC's
    ``write_cex -a`` text and the miter's input ``bits`` ("" when there is none)."""
    lines = [line.strip() for line in cex.splitlines() if not line.startswith("#")]
    frames = [f for f in lines[1:] if re.fullmatch(r"[01x]+", f)]  # the first line holds the latches
    if not frames:
        return ""
    inputs = [p for p in declared if p.direction == "input" and p.name not in clocks]
    header = [f"# counterexample: {top} as the RTL describes it and as the netlist implements it differ",
              "# one row per clock cycle: the inputs held during the cycle; outputs are compared before its "
              "rising clock edge" if clocks else "# one row per input vector; outputs are compared after it settles"]
    if reset is not None:
        header.append(f"# {reset} is asserted in cycle 0")
    rows = ["cycle " + " ".join(p.name for p in inputs)]
    for cycle, frame in enumerate(frames):
        values = []
        for p in inputs:
            if p.name == reset and cycle == 0:
                values.append("1'b1" if reset_active == "high" else "1'b0")
                continue
            lsb_first = []
            for k in range(p.width):
                index = bits.get(f"{p.name}[{k}]")
                lsb_first.append("1" if index is not None and index < len(frame) and frame[index] == "1" else "0")
            values.append(p.literal(lsb_first))
        rows.append(f"{cycle} " + " ".join(values))
    return "\n".join(header + rows) + "\n"


def random_stimulus(netlist: str, top: str, clocks: tuple[str, ...], reset: str | None, reset_active: str,
                    cycles: int, seed: int) -> str:
    """Return ``cycles`` rows of seeded random values of the inputs of ``top`` (the reset asserted in
    cycle 0 only), in the counterexample's table format, for :func:`replay`."""
    rng = random.Random(seed)
    inputs = [p for p in _ports(netlist, top) if p.direction == "input" and p.name not in clocks]
    rows = [f"# random stimulus, seed {seed}", "cycle " + " ".join(p.name for p in inputs)]
    for cycle in range(cycles):
        values = []
        for p in inputs:
            if p.name == reset:
                asserted = (cycle == 0) == (reset_active == "high")
                values.append("1'b1" if asserted else "1'b0")
            else:
                values.append(p.literal([str(rng.getrandbits(1)) for _ in range(p.width)]))
        rows.append(f"{cycle} " + " ".join(values))
    return "\n".join(rows) + "\n"


def replay(table: str, rtl: str, netlist: str, top: str, clocks: tuple[str, ...], cell_models: Path,
           workdir: Path, limits: Limits) -> str | None:
    """Simulate ``rtl`` and ``netlist`` (with ``cell_models``) under a counterexample ``table`` with
    iverilog; return the first difference as one line ("cycle 2: q[3] is 1 in the RTL, x in the
    netlist"), or None when every output bit the RTL simulation defines matches the netlist's: 0
    or 1, and z where the RTL writes one (tri-state logic: a floating output no driven value
    matches; an output no one drives floats without meaning it, and any value will do).
    Raises ReplayFailed when a simulation does not compile or does not run to the end."""
    declared = _ports(netlist, top)
    rows = [line.split() for line in table.splitlines() if line.strip() and not line.startswith("#")]
    names, cycles = rows[0][1:], rows[1:]
    outputs = [p for p in declared if p.direction == "output"]
    defined = "01z" if writes_z(rtl) else "01"
    traces = []
    for design, text, trusted in (("rtl", rtl, ()), ("netlist", netlist, (cell_models,))):
        work = workdir / design
        work.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_hex(16)
        (work / "design.v").write_text(text)
        (work / "replay.v").write_text(seal(_replay_bench(declared, names, cycles, clocks, top), secret))
        compiled = IVERILOG.compile(work, ["replay.v", "design.v", *map(str, trusted)], "rtlbo_replay", limits,
                                    readonly=trusted)
        if not compiled.ok:
            raise ReplayFailed(f"the {design} does not compile with the replay testbench: "
                               f"{compiled.failure('iverilog', limits.timeout_s)}")
        run = IVERILOG.simulate(work, limits)
        printed, _ = sealed_output(run.output, secret)
        traces.append(re.findall(r"^RTLBO (\d+) (.*)$", printed, re.M))
        if len(traces[-1]) != len(cycles):
            raise ReplayFailed(f"the {design}'s simulation did not run to the end "
                               f"({run.failure('vvp', limits.timeout_s)})")
    for (cycle, golden), (_, mapped) in zip(*traces, strict=False):
        for p, want, got in zip(outputs, golden.split(), mapped.split(), strict=False):
            for k, (w, g) in enumerate(zip(reversed(want), reversed(got), strict=False)):
                if w in defined and g != w:
                    index = p.lsb + k if p.msb >= p.lsb else p.lsb - k
                    bit = f"{p.name}[{index}]" if p.width > 1 else p.name
                    return f"cycle {cycle}: {bit} is {w} in the RTL, {g} in the netlist"
    return None


def _replay_bench(declared: list[Port], names: list[str], cycles: list[list[str]], clocks: tuple[str, ...],
                  top: str) -> str:
    """Return the testbench that applies ``cycles`` (values of the inputs ``names``) to ``top``, every
    clock on one waveform, and prints its outputs before each rising clock edge. Inputs change 1 ns
    after the falling edge, never at an edge: a falling-edge flip-flop, or a latch open while the
    clock is low, sees each cycle's inputs settled in the RTL and the netlist alike, with no race
    between the edge and the inputs."""
    by_name = {p.name: p for p in declared}
    outputs = [p for p in declared if p.direction == "output"]
    lines = ["`timescale 1ns/1ps", "module rtlbo_replay;"]
    lines += [f"  reg {by_name[n].declaration()}rtlbo_i{i};" for i, n in enumerate(names)]
    lines += [f"  wire {p.declaration()}rtlbo_o{i};" for i, p in enumerate(outputs)]
    connections = [f".\\{n} (rtlbo_i{i})" for i, n in enumerate(names)]
    connections += [f".{p.ref}(rtlbo_o{i})" for i, p in enumerate(outputs)]
    if clocks:
        lines.append("  reg rtlbo_clk = 1'b0;")
        connections += [f".\\{clock} (rtlbo_clk)" for clock in clocks]
    lines.append(f"  {top} dut({', '.join(connections)});")
    lines.append("  initial begin")
    shown = " ".join("%b" for _ in outputs)
    values = ", ".join(f"rtlbo_o{i}" for i in range(len(outputs)))
    for cycle in cycles:
        lines.append("    " + " ".join(f"rtlbo_i{i} = {v};" for i, v in enumerate(cycle[1:])))
        lines.append(f'    #5 $display("RTLBO {cycle[0]} {shown}", {values});')
        if clocks:
            lines.append("    rtlbo_clk = 1'b1; #5 rtlbo_clk = 1'b0; #1;")
    lines += ["    $finish;", "  end", "endmodule"]
    return "\n".join(lines) + "\n"
