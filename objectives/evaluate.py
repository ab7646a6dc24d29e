"""The feasibility cascade: syntax → simulation → synthesis → gate-level simulation → STA.

``evaluate(task, recipe, rtl)`` runs one candidate design through the real toolchain and returns
an :class:`~objectives.results.Evaluation`. A stage that fails stops the cascade; the stages after
it are recorded as skipped. Nothing is scored with a penalty number: an infeasible design is
simply reported as such, with the tool's own reason.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from objectives.cache import EvalCache
from objectives.files import content_hash
from objectives.recipe import Recipe
from objectives.results import FAILED, PASSED, SKIPPED, STAGES, Evaluation, Metrics, StageResult
from objectives.runner import Limits, ToolRun
from objectives.sandbox import screen_candidate
from objectives.scratch import scratch_dir
from objectives.tasks import Task, parse_verdict
from objectives.technology import Technology
from objectives.toolchain import IVERILOG, OPENSTA, YOSYS, tool_versions
from objectives.verilog import module_names

# Bump when the cascade's measurement changes, so that old cache entries are not reused.
EVALUATOR_VERSION = 2
CANDIDATE = "rtlbo_candidate.v"
LOG_TAIL = 32_000


@dataclass(frozen=True)
class StageLimits:
    """Wall-clock limits (seconds) per tool run, and the memory cap for every tool."""

    simulation_s: float = 60.0
    synthesis_s: float = 300.0
    sta_s: float = 60.0
    memory_mb: int = 4096

    def limits(self, seconds: float) -> Limits:
        return Limits(timeout_s=seconds, memory_mb=self.memory_mb)


def evaluation_key(task: Task, recipe: Recipe, rtl: str, tech: Technology) -> tuple[str, str]:
    """Return (front key, full key): the front key covers what RTL simulation depends on, the full
    key adds the recipe and the technology."""
    front = content_hash(
        {
            "evaluator": EVALUATOR_VERSION,
            "rtl": hashlib.sha256(rtl.encode()).hexdigest(),
            "task": task.fingerprint(),
            "tools": tool_versions(),
        }
    )
    # The rendered scripts, not just the knob values: a change to what a knob means is a miss too.
    scripts = [recipe.yosys_script([CANDIDATE], task.top, str(tech.liberty), task.period_ns),
               recipe.abc_script(task.period_ns)]
    full = content_hash({"front": front, "recipe": recipe.model_dump(), "scripts": scripts,
                         "tech": tech.fingerprint()})
    return front, full


def evaluate(
    task: Task,
    recipe: Recipe | None = None,
    rtl: str | None = None,
    *,
    rtl_origin: str = "reference",
    tech: Technology | None = None,
    cache: EvalCache | None = None,
    limits: StageLimits = StageLimits(),
) -> Evaluation:
    """Return the cascade's Evaluation of ``rtl`` (default: the task's reference) under ``recipe``.

    A cache hit returns the stored record unchanged (with ``cached`` set). Raises RtlboError only
    for problems of the installation (a missing tool or liberty), never for bad RTL.
    """
    recipe = recipe or Recipe()
    tech = tech or Technology.from_env()
    rtl = task.reference_rtl if rtl is None else rtl
    front_key, key = evaluation_key(task, recipe, rtl, tech)
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    start = time.monotonic()
    artifacts: dict[str, str] = {"rtl.v": rtl}
    with scratch_dir() as tmp:
        cascade = Cascade(task, rtl, Path(tmp), limits, artifacts)
        stages = cache.get_stages(front_key) if cache is not None else None
        if stages is None:
            stages = cascade.front()
            if cache is not None:
                cache.put_stages(front_key, stages)
        metrics = None
        if all(s.passed for s in stages):
            back, metrics = cascade.back(recipe, tech)
            stages = stages + back
    done = {s.name for s in stages}
    stages += [StageResult(name, SKIPPED) for name in STAGES if name not in done]
    evaluation = Evaluation(
        task=task.name,
        suite=task.suite,
        key=key,
        rtl_origin=rtl_origin,
        rtl_sha256=hashlib.sha256(rtl.encode()).hexdigest(),
        recipe=recipe.model_dump(),
        stages=stages,
        metrics=metrics,
        tool_versions=tool_versions(),
        seconds=round(time.monotonic() - start, 4),
        artifacts=artifacts,
    )
    if cache is not None:
        cache.put(evaluation)
    return evaluation


def rejected(task: Task, recipe: Recipe, reason: str, *, rtl_origin: str, text: str = "") -> Evaluation:
    """Return the record of a candidate refused before any tool ran (e.g. no usable module in an
    LLM's answer): a failed syntax stage with ``reason``, the later stages skipped."""
    stages = [StageResult("syntax", FAILED, 0.0, reason)] + [StageResult(n, SKIPPED) for n in STAGES[1:]]
    return Evaluation(
        task=task.name, suite=task.suite, key=content_hash({"rejected": reason, "text": text}),
        rtl_origin=rtl_origin, rtl_sha256=hashlib.sha256(text.encode()).hexdigest(),
        recipe=recipe.model_dump(), stages=stages, metrics=None, tool_versions=tool_versions(), seconds=0.0,
        artifacts={"answer.txt": text} if text else {},
    )


class Cascade:
    """The stages of one candidate's evaluation, each run in a fresh directory under ``root``.

    ``artifacts`` collects the RTL, scripts, netlist and tool logs as the stages produce them.
    """

    def __init__(self, task: Task, rtl: str, root: Path, limits: StageLimits, artifacts: dict[str, str]):
        self.task, self.rtl, self.root = task, rtl, root
        self.stage_limits, self.artifacts = limits, artifacts
        self.harness_modules = tuple(
            name for path in task.harness for name in module_names(path.read_text())
        )

    def _dir(self, name: str, files: dict[str, str] | None = None) -> Path:
        path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.root))
        for file_name, text in (files or {}).items():
            (path / file_name).write_text(text)
        return path

    def _log(self, name: str, run: ToolRun) -> None:
        self.artifacts[f"{name}.log"] = self.artifacts.get(f"{name}.log", "") + run.output[-LOG_TAIL:]

    # -- front: depends on the RTL and the task only ------------------------------------------

    def front(self) -> list[StageResult]:
        """Run syntax and RTL simulation; return their results (simulation only if syntax passed)."""
        syntax = self.syntax()
        return [syntax, self.simulation()] if syntax.passed else [syntax]

    def syntax(self) -> StageResult:
        """Screen the candidate, then compile it with iverilog and lint it with Yosys."""
        start = time.monotonic()

        def failed(reason: str) -> StageResult:
            return StageResult("syntax", FAILED, time.monotonic() - start, reason)

        refusal = screen_candidate(self.rtl, self.harness_modules)
        if refusal:
            return failed(refusal)
        modules = module_names(self.rtl)
        if self.task.top not in modules:
            found = ", ".join(modules) or "no module at all"
            return failed(f"the design defines no module '{self.task.top}' (found: {found}); "
                          f"name the top module {self.task.top}")
        work = self._dir("syntax", {CANDIDATE: self.rtl})
        limits = self.stage_limits.limits(self.stage_limits.simulation_s)
        run = IVERILOG.compile(work, [Path(CANDIDATE)], self.task.top, limits)
        self._log("syntax", run)
        if not run.ok:
            return failed(run.failure("iverilog", limits.timeout_s))
        run = YOSYS.run_script(work, _lint_script(self.task.top), limits)
        self._log("syntax", run)
        if not run.ok:
            return failed(_lint_reason(run, limits.timeout_s))
        return StageResult("syntax", PASSED, time.monotonic() - start)

    def simulation(self) -> StageResult:
        """Simulate the candidate RTL against the testbench."""
        return self._simulate("simulation", {CANDIDATE: self.rtl}, [])

    def _simulate(self, stage: str, files: dict[str, str], extra: list[Path]) -> StageResult:
        """Compile the harness with ``files`` (+ ``extra`` trusted sources), run it, judge it."""
        start = time.monotonic()
        work = self._dir(stage, files)
        for path in (*self.task.harness, *self.task.support_files):
            shutil.copy(path, work / path.name)
        sources = [Path(p.name) for p in self.task.harness] + [Path(f) for f in files] + extra
        limits = self.stage_limits.limits(self.stage_limits.simulation_s)
        run = IVERILOG.compile(work, sources, self.task.harness_top, limits)
        self._log(stage, run)
        if not run.ok:
            return StageResult(stage, FAILED, time.monotonic() - start, run.failure("iverilog", limits.timeout_s))
        run = IVERILOG.simulate(work, limits)
        self._log(stage, run)
        if run.timed_out:
            reason = f"simulation did not finish within {limits.timeout_s:g} s; does the design hang the testbench?"
            return StageResult(stage, FAILED, time.monotonic() - start, reason)
        verdict = parse_verdict(run.output, self.task.verdict)
        details = {"mismatches": verdict.mismatches, "checks": verdict.checks}
        status = PASSED if verdict.passed else FAILED
        return StageResult(stage, status, time.monotonic() - start, verdict.reason, details)

    # -- back: depends on the recipe and the technology too ------------------------------------

    def back(self, recipe: Recipe, tech: Technology) -> tuple[list[StageResult], Metrics | None]:
        """Run synthesis, gate-level simulation and STA; return their results and the metrics."""
        synthesis, netlist, stat = self.synthesis(recipe, tech)
        if not synthesis.passed:
            return [synthesis], None
        gatesim = self.gatesim(netlist, tech)
        if not gatesim.passed:
            return [synthesis, gatesim], None
        sta, metrics = self.sta(netlist, stat, tech)
        return [synthesis, gatesim, sta], metrics

    def gatesim(self, netlist: str, tech: Technology) -> StageResult:
        """Simulate the mapped ``netlist`` with the liberty's cell models against the testbench."""
        return self._simulate("gatesim", {"netlist.v": netlist}, [tech.cell_models])

    def synthesis(self, recipe: Recipe, tech: Technology) -> tuple[StageResult, str, dict]:
        """Synthesize with ``recipe``; return the stage, the netlist text and Yosys's stat."""
        start = time.monotonic()
        files = {CANDIDATE: self.rtl}
        abc_script = recipe.abc_script(self.task.period_ns)
        if abc_script is not None:
            files["abc.script"] = abc_script
            self.artifacts["abc.script"] = abc_script
        if recipe.gate_sizing:
            files["abc.constr"] = recipe.abc_constraints(tech.driving_cell, tech.output_load_pf)
        work = self._dir("synthesis", files)
        script = recipe.yosys_script([CANDIDATE], self.task.top, str(tech.liberty), self.task.period_ns)
        self.artifacts["synth.ys"] = script
        limits = self.stage_limits.limits(self.stage_limits.synthesis_s)
        run = YOSYS.run_script(work, script, limits)
        self._log("synthesis", run)

        def failed(reason: str) -> tuple[StageResult, str, dict]:
            return StageResult("synthesis", FAILED, time.monotonic() - start, reason), "", {}

        if not run.ok:
            return failed(_synthesis_reason(run, limits.timeout_s, tech))
        stat = json.loads((work / "stat.json").read_text())["design"]
        cells: dict[str, int] = stat.get("num_cells_by_type", {})
        unmapped = sorted(c for c in cells if c.startswith("$"))
        if unmapped:
            return failed(f"unmapped cells after technology mapping: {', '.join(unmapped[:5])}; "
                          f"the liberty {tech.liberty.name} has no cell for them")
        netlist = (work / "netlist.v").read_text()
        self.artifacts["netlist.v"] = netlist
        details = {"cells": int(stat.get("num_cells", 0)), "cell_types": cells}
        return StageResult("synthesis", PASSED, time.monotonic() - start, "", details), netlist, stat

    def sta(self, netlist: str, stat: dict, tech: Technology) -> tuple[StageResult, Metrics | None]:
        """Run OpenSTA at the task's clock; return the stage and the PPA metrics."""
        start = time.monotonic()
        sta_netlist, ties = _sta_netlist(netlist, self.task.top)
        work = self._dir("sta", {"netlist.v": sta_netlist})
        script = _sta_script(self.task, tech, ties)
        self.artifacts["sta.tcl"] = script
        limits = self.stage_limits.limits(self.stage_limits.sta_s)
        run = OPENSTA.run_script(work, script, limits)
        self._log("sta", run)
        slack = re.search(r"^RTLBO_SLACK (\S+)$", run.output, re.M)
        power = re.search(r"^RTLBO_POWER (\S+)$", run.output, re.M)
        error = re.search(r"^Error:.*$", run.output, re.M)
        if not run.ok or error or not slack or not power:
            # A netlist OpenSTA read only in part would give a flattering, wrong answer.
            reason = run.failure("opensta", limits.timeout_s) if not run.ok else (
                f"opensta failed: {error.group(0)[:200]}" if error else "opensta printed no timing/power")
            return StageResult("sta", FAILED, time.monotonic() - start, reason), None
        period = self.task.period_ns
        worst = float(slack.group(1))
        if abs(worst) > 1e20:  # no constrained path (e.g. constant outputs)
            worst = period
        metrics = Metrics(
            area_um2=round(float(stat["area"]), 4),
            delay_ns=round(period - worst, 6),
            slack_ns=round(worst, 6),
            power_mw=round(float(power.group(1)) * 1e3, 9),
            period_ns=period,
            cells=int(stat.get("num_cells", 0)),
            sequential_area_um2=round(float(stat.get("sequential_area", 0.0)), 4),
        )
        return StageResult("sta", PASSED, time.monotonic() - start), metrics


def _lint_script(top: str) -> str:
    return "\n".join([
        f"read_verilog -sv {CANDIDATE}",
        f"hierarchy -check -top {top}",
        "proc",
        "flatten",
        "opt_clean",
        "select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_* t:$_DLATCHSR_*",
        "check -assert",
    ]) + "\n"


def _lint_reason(run: ToolRun, timeout_s: float) -> str:
    """Return a one-line reason for a failed Yosys lint: latch, loop, or Yosys's own error."""
    latch = re.search(r"Latch inferred for signal `([^']+)'", run.output)
    if latch:
        signal = latch.group(1).split(".")[-1].lstrip("\\")
        return (f"latch inferred for signal '{signal}'; assign it on every path of its always "
                "block (or give it a default) to keep the design synchronous")
    loop = re.search(r"found logic loop[^\n]*\n(?:.*\n){0,3}?\s*wire\s+(\S+)", run.output)
    if loop or "logic loop" in run.output:
        wire = loop.group(1).lstrip("\\") if loop else "unknown"
        return f"combinational loop (through {wire}); break it with a register or fix the logic"
    return run.failure("yosys", timeout_s)


def _synthesis_reason(run: ToolRun, timeout_s: float, tech: Technology) -> str:
    """Return a one-line reason for a failed synthesis, naming cells the liberty cannot map."""
    legalize = re.search(r"\(type (\$\w+)\) cannot be legalized: ([^\n]+)", run.output)
    if legalize:
        return (f"unmapped cells: flip-flop {legalize.group(1)} has no cell in the liberty "
                f"{tech.liberty.name} ({legalize.group(2).strip()})")
    return run.failure("yosys", timeout_s)


TIES = {"1'b0": "rtlbo_tie0", "1'b1": "rtlbo_tie1"}


def _sta_netlist(netlist: str, top: str) -> tuple[str, list[str]]:
    """Return the copy of the (flat) ``netlist`` OpenSTA reads, and the tie ports it added.

    OpenSTA 2019 rejects ``signed`` on declarations, and crashes computing power when constants
    drive chains of cells (left where synthesis could not optimize across module boundaries).
    Timing and power depend on connectivity only, so declarations lose ``signed``, and constant
    pins are driven from tie ports with no activity and no timing paths, as tie cells would.
    Gate-level simulation keeps the original netlist.
    """
    text = re.sub(r"\b(input|output|inout|wire|reg)\s+signed\b", r"\1", netlist)
    ties = [port for constant, port in TIES.items() if f"({constant})" in text]
    for constant, port in TIES.items():
        text = text.replace(f"({constant})", f"({port})")
    if ties:
        header = re.compile(rf"(module\s+{re.escape(top)}\s*\()(.*?)(\);)", re.S)
        declarations = "".join(f"\n  input {port};" for port in ties)
        text = header.sub(lambda m: f"{m.group(1)}{m.group(2)}, {', '.join(ties)}{m.group(3)}{declarations}",
                          text, count=1)
    return text, ties


def _sta_script(task: Task, tech: Technology, ties: list[str]) -> str:
    """Return the OpenSTA script: constraints at the task's clock, then slack and total power."""
    period = task.period_ns
    if task.clock:
        clock = f"create_clock -name clk -period {period} [get_ports {{{task.clock}}}]"
        inputs = f"[delete_from_list [all_inputs] [get_ports {{{task.clock}}}]]"
    else:
        clock = f"create_clock -name clk -period {period}"  # a virtual clock
        inputs = "[all_inputs]"
    return "\n".join([
        f"read_liberty {tech.liberty}",
        "read_verilog netlist.v",
        f"link_design {task.top}",
        clock,
        f"set inputs {inputs}",
        "if {[llength $inputs]} {",
        "  set_input_delay 0 -clock clk $inputs",
        f"  set_driving_cell -lib_cell {tech.driving_cell} -pin {tech.driving_pin} $inputs",
        "}",
        "if {[llength [all_outputs]]} {",
        "  set_output_delay 0 -clock clk [all_outputs]",
        f"  set_load {tech.output_load_pf} [all_outputs]",
        "}",
        f"set_power_activity -input -activity {tech.input_activity}",
        *([f"set_false_path -from [get_ports {{{' '.join(ties)}}}]",
           f"set_power_activity -input_ports [get_ports {{{' '.join(ties)}}}] -activity 0"] if ties else []),
        'puts "RTLBO_SLACK [sta::worst_slack -max]"',
        'puts "RTLBO_POWER [lindex [sta::design_power [sta::cmd_corner]] 3]"',
        "report_checks -path_delay max -digits 4",
    ]) + "\n"
