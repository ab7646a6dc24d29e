"""The feasibility cascade: syntax → simulation → synthesis → equivalence → gate-level simulation → STA.

``evaluate(task, recipe, rtl)`` runs one candidate design through the real toolchain and returns
an :class:`~objectives.results.Evaluation`. A stage that fails stops the cascade; the stages after
it are recorded as skipped. Nothing is scored with a penalty number: an infeasible design is
simply reported as such, with the tool's own reason.

The stages are declared once, in :data:`objectives.results.STAGES` (name, label, what the result
depends on), and each is run by the :class:`Cascade` method of its name; the order of the records,
the stages skipped after a failure, where results are cached and the ``rtlbo eval`` table all
follow that declaration.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import secrets
import tempfile
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from objectives.cache import EvalCache
from objectives.equivalence import (
    COUNTEREXAMPLE,
    PROVED,
    REFUTED,
    Equivalence,
    Gold,
    ReplayFailed,
    build_gold,
    gold_script,
    prove,
    random_stimulus,
    replay,
)
from objectives.errors import RtlboError
from objectives.files import content_hash
from objectives.lint import Finding, LintPolicy, findings, lint_script
from objectives.recipe import Recipe
from objectives.results import STAGE_NAMES, STAGES, Evaluation, Metrics, Part, StageResult, Status
from objectives.runner import Limits, TimeLimits, ToolRun
from objectives.scratch import scratch_dir
from objectives.screen import SIMULATION_TASKS, Screen, seal, sealed_output
from objectives.tasks import WARNING_FLAGS, Task, parse_verdict
from objectives.technology import Technology, cell_names
from objectives.toolchain import IVERILOG, OPENSTA, YOSYS, tool_versions
from objectives.verilog import blank_calls, keyword_hint, module_names, scope_names, strip_comments, uses_defines

# Bump when the cascade's measurement changes, so that old cache entries are not reused.
EVALUATOR_VERSION = 7
CANDIDATE = "rtlbo_candidate.v"
_SYNTAX_ERROR = re.compile(rf"^{re.escape(CANDIDATE)}:(\d+): syntax error", re.M)
# The defines each tool adds by itself: Yosys's read_verilog defines SYNTHESIS and YOSYS.
VIEWS = {"simulation": {}, "synthesis": {"SYNTHESIS": "1", "YOSYS": "1"}}
LOG_TAIL = 32_000
RANDOM_CYCLES = 512  # the random-stimulus comparison that stands in for an unknown proof
PERIOD_MARGIN = 1.25  # a derived clock period over the baseline flow's delay
DEFAULT_LINT = LintPolicy()


@dataclass(frozen=True)
class StageLimits:
    """Wall-clock limits (seconds) per tool run, and the memory cap for every tool."""

    simulation_s: float = 60.0
    synthesis_s: float = 300.0
    equivalence_s: float = 60.0
    sta_s: float = 60.0
    memory_mb: int = 4096

    def limits(self, seconds: float) -> Limits:
        return Limits(timeout_s=seconds, memory_mb=self.memory_mb)


def evaluation_key(task: Task, recipe: Recipe, rtl: str, tech: Technology, lint: LintPolicy = DEFAULT_LINT,
                   gate_level: bool = True) -> tuple[str, str]:
    """Return (front key, full key): the front key covers what the syntax and RTL simulation stages
    depend on (the lint policy included), the full key adds the recipe, the technology and whether
    a netlist proved equivalent is simulated at gate level too."""
    front = content_hash(
        {
            "evaluator": EVALUATOR_VERSION,
            "rtl": hashlib.sha256(rtl.encode()).hexdigest(),
            "task": task.fingerprint(),
            "tools": tool_versions(),
            "lint": sorted(lint.forbidden),
        }
    )
    # The rendered scripts, not just the knob values: a change to what a knob means is a miss too.
    scripts = [recipe.yosys_script([CANDIDATE], task.top, str(tech.liberty), task.period_ns),
               recipe.abc_script(task.period_ns)]
    full = content_hash({"front": front, "recipe": recipe.model_dump(), "scripts": scripts,
                         "tech": tech.fingerprint(), "gate_level": gate_level})
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
    lint: LintPolicy = DEFAULT_LINT,
    gate_level: bool = True,
) -> Evaluation:
    """Return the cascade's Evaluation of ``rtl`` (default: the task's reference) under ``recipe``,
    with the lint findings ``lint`` forbids failing the syntax stage; without ``gate_level``, a
    netlist proved equivalent to the RTL is not simulated at gate level.

    A cache hit returns the stored record unchanged (with ``cached`` set); an evaluation during
    which a tool was killed at its time limit is not stored (the outcome depends on the machine's
    load, :class:`~objectives.runner.TimeLimits`). Raises RtlboError only
    for problems of the installation (a missing tool or liberty), never for bad RTL.
    """
    recipe = recipe or Recipe()
    tech = tech or Technology.from_env()
    rtl = task.reference_rtl if rtl is None else rtl
    front_key, key = evaluation_key(task, recipe, rtl, tech, lint, gate_level)
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    start, time_limits = time.monotonic(), TimeLimits()
    artifacts: dict[str, str] = {"rtl.v": rtl}
    with scratch_dir() as tmp, Cascade(task, rtl, Path(tmp), limits, artifacts, tech, lint, gate_level,
                                       cache) as cascade:
        stages = cache.get_stages(front_key) if cache is not None else None
        if stages is None:
            stages = cascade.front()
            if cache is not None and not time_limits.hit:
                cache.put_stages(front_key, stages)
        reused = False
        if all(s.holds for s in stages):
            stages = stages + cascade.synthesize(recipe)
            if all(s.holds for s in stages):
                netlist_key = content_hash({"front": front_key, "netlist": _sha256(cascade.netlist),
                                            "tech": tech.fingerprint(), "gate_level": gate_level})
                measured, reused = _measure(cascade, cache, netlist_key)
                stages = stages + measured
    done = {s.name for s in stages}
    stages += [StageResult(name, Status.SKIPPED) for name in STAGE_NAMES if name not in done]
    evaluation = Evaluation(
        task=task.name,
        suite=task.suite,
        key=key,
        rtl_origin=rtl_origin,
        rtl_sha256=_sha256(rtl),
        recipe=recipe.model_dump(),
        stages=stages,
        metrics=cascade.metrics,
        tool_versions=tool_versions(),
        seconds=round(time.monotonic() - start, 4),
        artifacts=artifacts,
        netlist_sha256=_sha256(cascade.netlist) if cascade.netlist else "",
        measurement_reused=reused,
    )
    if cache is not None and not time_limits.hit:
        cache.put(evaluation)
    return evaluation


def synthesized_netlist(task: Task, recipe: Recipe, *, tech: Technology | None = None,
                        cache: EvalCache | None = None, limits: StageLimits = StageLimits()) -> str:
    """Return the sha256 of the netlist ``recipe`` maps ``task``'s reference RTL to, synthesis
    only (nothing is measured); a failure gives ``failed: <reason>`` instead. Cached per recipe
    (unless Yosys was killed at its time limit), and the netlist too: an evaluation of the same
    flow takes it instead of synthesizing again."""
    tech = tech or Technology.from_env()
    key = evaluation_key(task, recipe, task.reference_rtl, tech)[1]
    if cache is not None and (hit := cache.get_record("synthesized", key)) is not None:
        return hit["netlist"]
    time_limits = TimeLimits()
    with scratch_dir() as tmp:
        cascade = Cascade(task, task.reference_rtl, Path(tmp), limits, {}, tech, cache=cache)
        (result,) = cascade.synthesize(recipe)
        digest = _sha256(cascade.netlist) if result.passed else f"failed: {result.reason}"
    if cache is not None and not time_limits.hit:
        cache.put_record("synthesized", key, {"netlist": digest})
    return digest


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _measure(cascade: Cascade, cache: EvalCache | None, netlist_key: str) -> tuple[list[StageResult], bool]:
    """Return the stages after synthesis, and whether they were reused: an earlier evaluation of the
    same RTL that synthesized to the same netlist (another recipe, the same gates) measured it already."""
    if cache is not None and (hit := cache.get_record("netlist", netlist_key)) is not None:
        cascade.metrics = Metrics(**hit["metrics"]) if hit["metrics"] else None
        cascade.artifacts.update(hit["artifacts"])
        return [StageResult(**stage) for stage in hit["stages"]], True
    before, time_limits = set(cascade.artifacts), TimeLimits()
    stages = cascade.measure()
    if cache is not None and not time_limits.hit:
        cache.put_record("netlist", netlist_key, {
            "stages": [asdict(stage) for stage in stages],
            "metrics": asdict(cascade.metrics) if cascade.metrics else None,
            "artifacts": {name: text for name, text in cascade.artifacts.items() if name not in before},
        })
    return stages, False


def derived_period(delay_ns: float) -> float:
    """Return the clock period of a task that gives none, from its baseline flow's critical-path
    delay: ``PERIOD_MARGIN`` times it, rounded up to 0.1 ns (at least 0.1 ns). The baseline then
    meets timing with that margin, and a flow that is much slower does not."""
    return max(0.1, math.ceil(round(PERIOD_MARGIN * delay_ns * 10, 6)) / 10)


def derive_periods(tasks: list[Task], tech: Technology | None = None, cache: EvalCache | None = None,
                   limits: StageLimits = StageLimits()) -> list[Task]:
    """Return ``tasks`` with a period set on each that gives none (``derive_period``): the reference
    RTL is measured under the baseline flow at the placeholder period (``derived_period`` of its
    delay; synthesis under the default recipe does not depend on the period). A task whose
    reference cannot be measured keeps the placeholder, and its note says why."""
    derived = []
    for task in tasks:
        if not task.derive_period:
            derived.append(task)
            continue
        evaluation = evaluate(task, tech=tech, cache=cache, limits=limits)
        if evaluation.metrics is None:
            note = f"{task.period_ns:g} ns: no period derived (the baseline flow fails: {evaluation.failure})"
            derived.append(replace(task, clock_note=note, derive_period=False))
            continue
        period = derived_period(evaluation.metrics.delay_ns)
        note = (f"{period:g} ns derived: {PERIOD_MARGIN:g} x the baseline flow's delay of "
                f"{evaluation.metrics.delay_ns:.3f} ns")
        extra = tuple((port, period) for port, _ in task.extra_clocks)  # placeholders too
        derived.append(replace(task, period_ns=period, extra_clocks=extra, clock_note=note, derive_period=False))
    return derived


def rejected(task: Task, recipe: Recipe, reason: str, *, rtl_origin: str, text: str = "") -> Evaluation:
    """Return the record of a candidate refused before any tool ran (e.g. no usable module in an
    LLM's answer): a failed syntax stage with ``reason``, the later stages skipped."""
    first, *later = STAGE_NAMES
    stages = [StageResult(first, Status.FAILED, 0.0, reason)] + [StageResult(n, Status.SKIPPED) for n in later]
    return Evaluation(
        task=task.name, suite=task.suite, key=content_hash({"rejected": reason, "text": text}),
        rtl_origin=rtl_origin, rtl_sha256=_sha256(text),
        recipe=recipe.model_dump(), stages=stages, metrics=None, tool_versions=tool_versions(), seconds=0.0,
        artifacts={"answer.txt": text} if text else {},
    )


class Cascade:
    """The stages of one candidate's evaluation, each run in a fresh directory under ``root``.

    Every tool reads the candidate as the preprocessor wrote it, once as simulation sees it and
    once as synthesis does (with the defines Yosys adds and without simulation-only statements),
    after both passed the screen. Each stage returns its StageResult and keeps what later stages
    read (``netlist``, ``stat``, ``metrics``); ``artifacts`` collects the RTL, scripts, netlist and
    tool logs as the stages produce them.
    """

    def __init__(self, task: Task, rtl: str, root: Path, limits: StageLimits, artifacts: dict[str, str],
                 tech: Technology, lint: LintPolicy = DEFAULT_LINT, gate_level: bool = True,
                 cache: EvalCache | None = None):
        self.task, self.rtl, self.root, self.tech, self.lint = task, rtl, root, tech, lint
        self.stage_limits, self.artifacts, self.gate_level, self.cache = limits, artifacts, gate_level, cache
        self.views: dict[str, str] = {}
        self.recipe = Recipe()
        self.netlist, self.stat, self.metrics = "", {}, None
        self.proof: Equivalence | None = None
        self._gold_builder: threading.Thread | None = None
        self._gold: Gold | None = None
        self._gold_beside = False

    def __enter__(self) -> Cascade:
        """Entered, the cascade builds the equivalence stage's gold design in a thread beside
        synthesis (used alone, for a netlist only, it builds none)."""
        self._gold_beside = True
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        """Wait for the gold design's build, unless the evaluation is unwinding (a daemon thread,
        whose tool dies with the process)."""
        if error is None and self._gold_builder is not None:
            self._gold_builder.join()

    def _dir(self, name: str, files: dict[str, str] | None = None) -> Path:
        path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.root))
        for file_name, text in (files or {}).items():
            (path / file_name).write_text(text)
        return path

    def _log(self, name: str, output: str) -> None:
        self.artifacts[f"{name}.log"] = self.artifacts.get(f"{name}.log", "") + output[-LOG_TAIL:]

    def _run(self, part: Part) -> list[StageResult]:
        """Run the stages of ``part`` in order until one fails; return their results. A bug of
        rtlbo's fails its stage with the exception (so that every task of a suite gets a record), an
        installation problem (RtlboError) stops the evaluation."""
        results = []
        for stage in STAGES:
            if stage.part != part:
                continue
            start = time.monotonic()
            try:
                result = getattr(self, stage.name)()
            except RtlboError:
                raise
            except Exception as exc:
                result = StageResult(stage.name, Status.FAILED, time.monotonic() - start,
                                     f"rtlbo internal error: {type(exc).__name__}: {exc}"[:240])
            results.append(result)
            if not result.holds:
                break
        return results

    def front(self) -> list[StageResult]:
        """Run the stages that depend on the RTL and the task only (syntax, RTL simulation)."""
        return self._run(Part.FRONT)

    def synthesize(self, recipe: Recipe) -> list[StageResult]:
        """Run the stages that depend on ``recipe`` too (synthesis: setting ``netlist`` and ``stat``)."""
        self.recipe = recipe
        return self._run(Part.SYNTHESIS)

    def measure(self) -> list[StageResult]:
        """Run the stages that depend on the RTL and the netlist only: equivalence, gate-level
        simulation and STA (setting ``metrics``)."""
        return self._run(Part.MEASURE)

    @property
    def proved(self) -> bool:
        """Whether the equivalence stage has proved the netlist equivalent to the RTL."""
        return self.proof is not None and self.proof.outcome == PROVED

    def _screen(self) -> Screen:
        harness = [path.read_text(errors="replace") for path in self.task.harness]
        reserved = {name for text in harness for name in module_names(text)} | cell_names(self.tech.cell_models)
        return Screen(frozenset().union(*map(scope_names, harness)), frozenset(reserved))

    def prepare(self) -> str | None:
        """Screen the candidate and preprocess it as simulation and as synthesis read it (into
        ``views``); return why it is refused, or None."""
        if self.views:
            return None
        screen = self._screen()
        refusal = screen.source(self.rtl)
        if refusal:
            return refusal
        work = self._dir("preprocess", {CANDIDATE: self.rtl})
        limits = self.stage_limits.limits(self.stage_limits.simulation_s)
        texts: dict[str, str] = {}
        for view, defines in VIEWS.items():
            if texts and not uses_defines(self.rtl, set(defines)):
                texts[view] = texts["simulation"]  # the defines cannot change a thing: one run is enough
                continue
            run = IVERILOG.preprocess(work, CANDIDATE, f"{view}.v", defines, limits)
            self._log("syntax", run.output)
            if not run.ok:
                return run.failure("the iverilog preprocessor", limits.timeout_s)
            texts[view] = (work / f"{view}.v").read_text(errors="replace")
            refusal = screen.preprocessed(texts[view])
            if refusal:
                return refusal
        self.views = {**texts, "synthesis": blank_calls(texts["synthesis"], SIMULATION_TASKS)}
        return None

    # -- front: depends on the RTL and the task only ------------------------------------------

    def syntax(self) -> StageResult:
        """Screen and preprocess the candidate, compile it with iverilog, and record what Yosys's
        lint finds (failing on the findings the lint policy forbids)."""
        start = time.monotonic()

        def failed(reason: str, details: dict | None = None) -> StageResult:
            return StageResult("syntax", Status.FAILED, time.monotonic() - start, reason, details or {})

        refusal = self.prepare()
        if refusal:
            return failed(refusal)
        modules = module_names(self.views["simulation"])
        if self.task.top not in modules:
            found = ", ".join(modules) or "no module at all"
            return failed(f"the design defines no module '{self.task.top}' (found: {found}); "
                          f"name the top module {self.task.top}")
        limits = self.stage_limits.limits(self.stage_limits.simulation_s)
        work = self._dir("lint", {CANDIDATE: self.views["synthesis"]})
        with ThreadPoolExecutor(1) as beside:  # two tools reading the same text: one core each
            linted = beside.submit(YOSYS.run_script, work, lint_script(CANDIDATE, self.task.top), limits)
            run = IVERILOG.compile(self._dir("syntax", {CANDIDATE: self.views["simulation"]}), [CANDIDATE],
                                   self.task.top, limits)
            self._log("syntax", run.output)
            if not run.ok:
                error = _SYNTAX_ERROR.search(run.output)
                hint = keyword_hint(self.views["simulation"], int(error.group(1))) if error else ""
                return failed(run.failure("iverilog", limits.timeout_s) + hint)
            run = linted.result()
        self._log("syntax", run.output)
        found = findings(run.output)
        if not run.ok and not found:
            reason = run.failure("yosys", limits.timeout_s)
            found = [Finding("unsynthesizable", f"Yosys cannot synthesize it: {reason}")]
        details = {"findings": [asdict(f) for f in found]} if found else {}
        forbidden = self.lint.violation(found)
        if forbidden is not None:
            return failed(f"{forbidden.message}; the lint policy forbids {forbidden.kind} (fix the design, or "
                          "allow it in the campaign's constraints.lint)", details)
        return StageResult("syntax", Status.PASSED, time.monotonic() - start, "", details)

    def simulation(self) -> StageResult:
        """Simulate the candidate RTL against the testbench (a task without one has nothing to run)."""
        if not self.task.harness:
            return StageResult("simulation", Status.NOT_APPLICABLE, reason="the task has no testbench")
        return self._simulate("simulation", {CANDIDATE: self.views["simulation"]})

    def _simulate(self, stage: str, files: dict[str, str], trusted: tuple[Path, ...] = ()) -> StageResult:
        """Compile the sealed harness with ``files`` (and ``trusted`` sources), run it, judge what
        the harness itself printed."""
        start = time.monotonic()
        secret = secrets.token_hex(16)
        harness = {path.name: seal(path.read_text(errors="replace"), secret) for path in self.task.harness}
        work = self._dir(stage, {**files, **harness})
        inputs = {path.name: path for path in self.task.support_files}
        sources = [*harness, *files, *map(str, trusted)]
        limits = self.stage_limits.limits(self.stage_limits.simulation_s)
        # The benchmark's compiler warnings judge the RTL it was written for, not a netlist.
        flags = WARNING_FLAGS.get(self.task.verdict, ()) if stage == "simulation" else ()
        compiled = IVERILOG.compile(work, sources, self.task.harness_top, limits, inputs, trusted, flags)
        self._log(stage, compiled.output)
        if not compiled.ok:
            reason = compiled.failure("iverilog", limits.timeout_s)
            return StageResult(stage, Status.FAILED, time.monotonic() - start, reason)
        run = IVERILOG.simulate(work, limits, inputs)
        printed, log = sealed_output(run.output, secret)
        self._log(stage, log)
        if run.timed_out:
            reason = f"simulation did not finish within {limits.timeout_s:g} s; does the design hang the testbench?"
            return StageResult(stage, Status.FAILED, time.monotonic() - start, reason)
        verdict = parse_verdict(printed, self.task.verdict, compiled.output)
        details = {"mismatches": verdict.mismatches, "checks": verdict.checks}
        status = Status.PASSED if verdict.passed else Status.FAILED
        # A simulator that died (a resource limit, a crash) says more than the verdict it left unprinted.
        reason = run.failure("the simulator", limits.timeout_s) if run.returncode < 0 else verdict.reason
        return StageResult(stage, status, time.monotonic() - start, reason if status == Status.FAILED else "",
                           details)

    # -- back: depends on the recipe and the technology too ------------------------------------

    def synthesis(self) -> StageResult:
        """Synthesize with the ``recipe`` :meth:`synthesize` set into ``netlist`` and Yosys's ``stat``."""
        start = time.monotonic()
        tech, recipe = self.tech, self.recipe

        def failed(reason: str) -> StageResult:
            return StageResult("synthesis", Status.FAILED, time.monotonic() - start, reason)

        refusal = self.prepare()  # the front stages may have come from the cache
        if refusal:
            return failed(refusal)
        if self._gold_beside:
            self._start_gold()
        files = {CANDIDATE: self.views["synthesis"]}
        abc_script = recipe.abc_script(self.task.period_ns)
        if abc_script is not None:
            files["abc.script"] = abc_script
            self.artifacts["abc.script"] = abc_script
        if recipe.gate_sizing:
            files["abc.constr"] = recipe.abc_constraints(tech.driving_cell, tech.output_load_pf)
        script = recipe.yosys_script([CANDIDATE], self.task.top, str(tech.liberty), self.task.period_ns)
        self.artifacts["synth.ys"] = script
        # Yosys and ABC are deterministic: the same inputs map to the same netlist, which a synthesis
        # probe (synthesized_netlist) or another evaluation may have made already.
        key = content_hash({"files": files, "script": script, "yosys": YOSYS.version(), "tech": tech.fingerprint(),
                            "record": "netlist zlib base64"})
        hit = self.cache.get_record("synthesis", key) if self.cache is not None else None
        if hit is not None:
            self._log("synthesis", hit["log"])
            netlist, stat = zlib.decompress(base64.b64decode(hit["netlist"])).decode(), hit["stat"]
        else:
            work = self._dir("synthesis", files)
            limits = self.stage_limits.limits(self.stage_limits.synthesis_s)
            run = YOSYS.run_script(work, script, limits, (tech.liberty,))
            self._log("synthesis", run.output)
            if not run.ok:
                return failed(_synthesis_reason(run, limits.timeout_s, tech))
            netlist, stat = (work / "netlist.v").read_text(), json.loads((work / "stat.json").read_text())["design"]
        cells: dict[str, int] = stat.get("num_cells_by_type", {})
        unmapped = sorted(c for c in cells if c.startswith("$"))
        if unmapped:
            return failed(f"unmapped cells after technology mapping: {', '.join(unmapped[:5])}; "
                          f"the liberty {tech.liberty.name} has no cell for them")
        if self.cache is not None and hit is None:
            packed = base64.b64encode(zlib.compress(netlist.encode())).decode()  # a 32-bit adder's: 16 kB to 2.5 kB
            self.cache.put_record("synthesis", key, {"netlist": packed, "stat": stat, "log": run.output[-LOG_TAIL:]})
        self.netlist, self.stat = netlist, stat
        self.artifacts["netlist.v"] = self.netlist
        details = {"cells": int(stat.get("num_cells", 0)), "cell_types": cells}
        return StageResult("synthesis", Status.PASSED, time.monotonic() - start, "", details)

    def _start_gold(self) -> None:
        """Build the equivalence stage's gold design (it depends on the RTL only) in a thread, beside
        synthesis, or take it from the cache where an evaluation of the same RTL built it."""
        combinational = not self.task.clocks
        key = content_hash({"gold": _sha256(self.views["synthesis"]), "yosys": YOSYS.version(),
                            "script": gold_script(self.task.top, combinational)})

        def build() -> None:
            if self.cache is not None and (hit := self.cache.get_record("gold", key)) is not None:
                self._gold = Gold(hit["rtlil"], base64.b64decode(hit.get("aig", "")), hit.get("map", ""))
                return
            limits = self.stage_limits.limits(self.stage_limits.equivalence_s)
            self._gold = build_gold(self.views["synthesis"], self.task.top, self._dir("gold"), limits, combinational)
            if self._gold is not None and self.cache is not None:
                record = {"rtlil": self._gold.rtlil, "aig": base64.b64encode(self._gold.aig).decode(),
                          "map": self._gold.aig_map}
                self.cache.put_record("gold", key, record)

        self._gold_builder = threading.Thread(target=build, name="gold", daemon=True)
        self._gold_builder.start()

    def equivalence(self) -> StageResult:
        """Prove the mapped ``netlist`` equivalent to the RTL (:mod:`objectives.equivalence`). A
        refuted netlist fails with its counterexample; an unknown one passes where the testbench
        checks the netlist at gate level, and otherwise only if a seeded random-stimulus comparison
        of the two finds no difference."""
        start = time.monotonic()
        task, tech = self.task, self.tech
        limits = self.stage_limits.limits(self.stage_limits.equivalence_s)
        clocks = tuple(port for port, _ in task.clocks)

        def result(status: Status, reason: str = "", **details: str) -> StageResult:
            return StageResult("equivalence", status, time.monotonic() - start, reason, details)

        if self._gold_builder is not None:
            self._gold_builder.join()
        try:
            proof = prove(self.views["synthesis"], task.top, self.netlist, tech.liberty, self._dir("equivalence"),
                          limits, clocks, task.reset, task.reset_active, self.recipe.retime, tech.cell_models,
                          self._gold)
        except RtlboError as exc:  # the candidate's ports do not fit the task's clock or reset
            return result(Status.FAILED, str(exc))
        self.proof = proof
        if proof.counterexample:
            self.artifacts[COUNTEREXAMPLE] = proof.counterexample
        if proof.outcome == PROVED:
            return result(Status.PASSED, outcome=proof.outcome, method=proof.method)
        if proof.outcome == REFUTED:
            reason = f"the netlist differs from the RTL: {proof.reason}{self._difference_hint(proof.reason)}"
            return result(Status.FAILED, reason, outcome=proof.outcome, method=proof.method)
        unknown = {"outcome": proof.outcome, "method": proof.method, "note": proof.reason}
        if task.harness:
            return result(Status.PASSED, **unknown, fallback="gate-level simulation with the testbench")
        table = random_stimulus(self.netlist, task.top, clocks, task.reset, task.reset_active, RANDOM_CYCLES, 0)
        fallback = f"random stimulus, {RANDOM_CYCLES} cycles, seed 0"
        try:
            difference = replay(table, self.views["synthesis"], self.netlist, task.top, clocks, tech.cell_models,
                                self._dir("stimulus"), self.stage_limits.limits(self.stage_limits.simulation_s))
        except ReplayFailed as exc:
            return result(Status.FAILED, f"not proved ({proof.reason}), and {exc}", **unknown, fallback=fallback)
        if difference is not None:
            self.artifacts[COUNTEREXAMPLE] = table
            return result(Status.FAILED, f"not proved ({proof.reason}); {fallback}: {difference} "
                          f"(in {COUNTEREXAMPLE}){self._difference_hint(difference)}", **unknown, fallback=fallback)
        return result(Status.PASSED, **unknown, fallback=f"{fallback}: no difference")

    def gatesim(self) -> StageResult:
        """Simulate the mapped ``netlist`` with the liberty's cell models against the testbench
        (unless there is none, or the netlist is proved equivalent and ``gate_level`` is off)."""
        if not self.task.harness:
            return StageResult("gatesim", Status.NOT_APPLICABLE, reason="the task has no testbench")
        if not self.gate_level and self.proved:
            return StageResult("gatesim", Status.NOT_APPLICABLE, reason="the netlist is proved equivalent to the RTL")
        return self._simulate("gatesim", {"netlist.v": self.netlist}, (self.tech.cell_models,))

    def _difference_hint(self, difference: str) -> str:
        """A hint where the difference is one the flow cannot help: the netlist's x meeting an RTL
        that gives a register an initial value (standard cells power up unknown), or the RTL's z (a
        tri-state output, which synthesis maps as driven logic)."""
        if ", x in the netlist" in difference and _INITIAL_VALUE.search(strip_comments(self.views["synthesis"])):
            return ("; the RTL gives a register an initial value ('initial' or a declaration's '='), which "
                    "standard cells do not hold: set it in a reset instead")
        if " is z in the RTL" in difference:
            return ("; the RTL leaves an output floating ('z', tri-state logic), which this flow synthesizes as "
                    "driven logic (no tri-state cells are mapped): drive it, or keep tri-states at the pads")
        return ""

    def sta(self) -> StageResult:
        """Run OpenSTA on ``netlist`` at the task's clock; set the PPA ``metrics``."""
        start = time.monotonic()
        tech = self.tech
        sta_netlist, ties = _sta_netlist(self.netlist, self.task.top)
        work = self._dir("sta", {"netlist.v": sta_netlist})
        script = _sta_script(self.task, tech, ties)
        self.artifacts["sta.tcl"] = script
        limits = self.stage_limits.limits(self.stage_limits.sta_s)
        run = OPENSTA.run_script(work, script, limits, (tech.liberty,))
        self._log("sta", run.output)
        slack = re.search(r"^RTLBO_SLACK (\S+)$", run.output, re.M)
        power = re.search(r"^RTLBO_POWER (\S+)$", run.output, re.M)
        error = re.search(r"^Error:.*$", run.output, re.M)
        if not run.ok or error or not slack or not power:
            # A netlist OpenSTA read only in part would give a flattering, wrong answer.
            reason = run.failure("opensta", limits.timeout_s) if not run.ok else (
                f"opensta failed: {error.group(0)[:200]}" if error else "opensta printed no timing/power")
            return StageResult("sta", Status.FAILED, time.monotonic() - start, reason)
        period = self.task.period_ns
        worst = float(slack.group(1))
        if abs(worst) > 1e20:  # no constrained path (pure wiring, constant outputs)
            worst = period
        area, sequential_area = tech.area(self.stat)
        self.metrics = Metrics(
            area_um2=round(area, 4),
            delay_ns=round(period - worst, 6),
            slack_ns=round(worst, 6),
            power_mw=round(float(power.group(1)) * 1e3, 9),
            period_ns=period,
            cells=int(self.stat.get("num_cells", 0)),
            sequential_area_um2=round(sequential_area, 4),
        )
        return StageResult("sta", Status.PASSED, time.monotonic() - start)


def _synthesis_reason(run: ToolRun, timeout_s: float, tech: Technology) -> str:
    """Return a one-line reason for a failed synthesis, naming cells the liberty cannot map."""
    legalize = re.search(r"\(type (\$\w+)\) cannot be legalized: ([^\n]+)", run.output)
    if legalize:
        return (f"unmapped cells: flip-flop {legalize.group(1)} has no cell in the liberty "
                f"{tech.liberty.name} ({legalize.group(2).strip()})")
    return run.failure("yosys", timeout_s)


TIES = {"1'b0": "rtlbo_tie0", "1'b1": "rtlbo_tie1"}
# An initial value: an ``initial`` block, or a variable declared with ``=`` (``reg [3:0] n = 0;``).
_INITIAL_VALUE = re.compile(r"\binitial\b|\b(?:reg|logic|bit|integer)\b[^;=()]*=")


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


# Registers clocked by another register's output (a divided or ripple clock) have no clock of
# their own, so OpenSTA would time none of their paths. Each gets a clock generated from that
# register's, at the same rate: the division is not known from the netlist, and a divided clock
# is never faster than its source, so this never flatters their paths (or their clock power).
# The register is found through combinational cells too.
_DIVIDED_CLOCKS = r"""
proc rtlbo_register_drivers {pin} {
  global rtlbo_is_output
  set found {}
  set queue [list $pin]
  array set seen {}
  while {[llength $queue]} {
    set queue [lassign $queue at]
    foreach driver [get_pins -quiet -of_objects [get_nets -quiet -of_objects $at]] {
      set name [get_full_name $driver]
      if {[info exists seen($name)] || [get_property $driver direction] ne "output"} { continue }
      set seen($name) 1
      if {[info exists rtlbo_is_output($name)]} { lappend found $driver; continue }
      foreach input [get_pins -of_objects [get_cells -of_objects $driver]] {
        if {[get_property $input direction] eq "input"} { lappend queue $input }
      }
    }
  }
  return $found
}
proc rtlbo_divided_clocks {} {
  global rtlbo_is_output
  foreach pin [all_registers -output_pins] { set rtlbo_is_output([get_full_name $pin]) 1 }
  array set given {}
  set made 0
  while 1 {
    array unset clocked
    foreach pin [all_registers -clock_pins -clock [all_clocks]] { set clocked([get_full_name $pin]) 1 }
    set sinks [dict create]
    foreach pin [all_registers -clock_pins] {
      set name [get_full_name $pin]
      if {[info exists clocked($name)] || [info exists given($name)]} { continue }
      foreach q [rtlbo_register_drivers $pin] {
        foreach source [get_pins -of_objects [get_cells -of_objects $q]] {
          set source [get_full_name $source]
          if {[info exists clocked($source)] || [info exists given($source)]} {
            dict lappend sinks $source $name
            break
          }
        }
      }
    }
    if {![dict size $sinks]} { return }
    dict for {source pins} $sinks {
      set pins [lsort -unique $pins]
      create_generated_clock -name rtlbo_divided[incr made] -source [get_pins $source] -divide_by 1 [get_pins $pins]
      foreach pin $pins { set given($pin) 1 }
    }
  }
}
rtlbo_divided_clocks
"""


def _sta_script(task: Task, tech: Technology, ties: list[str]) -> str:
    """Return the OpenSTA script: one clock constraint per clock of the task (a virtual clock for a
    combinational one) and one per register-divided clock, the task's clocks asynchronous to each
    other (no path between their domains is timed: a design that crosses them synchronizes), inputs
    and outputs constrained against the first (its falling edge where every register it clocks
    captures there: a design of falling-edge flip-flops gets the whole period from its inputs, as a
    rising-edge one does), then slack and power."""
    period = task.period_ns
    if task.clocks:
        ports = " ".join(port for port, _ in task.clocks)
        clocks = [f"create_clock -name {port} -period {p} [get_ports {{{port}}}]" for port, p in task.clocks]
        if len(task.clocks) > 1:
            clocks.append("set_clock_groups -asynchronous " + " ".join(f"-group {p}" for p, _ in task.clocks))
        clocks.append(_DIVIDED_CLOCKS.strip())
        reference = task.clocks[0][0]
        inputs = f"[delete_from_list [all_inputs] [get_ports {{{ports}}}]]"
        clocks.append(f"set edge [expr {{[llength [all_registers -rise_clock {reference}]] == 0 && "
                      f"[llength [all_registers -fall_clock {reference}]] ? {{-clock_fall}} : {{}}}}]")
    else:
        clocks = [f"create_clock -name clk -period {period}", "set edge {}"]  # a virtual clock
        reference = "clk"
        inputs = "[all_inputs]"
    return "\n".join([
        f"read_liberty {tech.liberty}",
        "read_verilog netlist.v",
        f"link_design {task.top}",
        *clocks,
        f"set inputs {inputs}",
        "if {[llength $inputs]} {",
        f"  set_input_delay 0 -clock {reference} {{*}}$edge $inputs",
        f"  set_driving_cell -lib_cell {tech.driving_cell} -pin {tech.driving_pin} $inputs",
        "}",
        "if {[llength [all_outputs]]} {",
        f"  set_output_delay 0 -clock {reference} {{*}}$edge [all_outputs]",
        f"  set_load {tech.output_load_pf} [all_outputs]",
        "}",
        f"set_power_activity -input -activity {tech.input_activity}",
        *([f"set_false_path -from [get_ports {{{' '.join(ties)}}}]",
           f"set_power_activity -input_ports [get_ports {{{' '.join(ties)}}}] -activity 0"] if ties else []),
        'puts "RTLBO_SLACK [sta::worst_slack -max]"',
        'puts "RTLBO_POWER [lindex [sta::design_power [sta::cmd_corner]] 3]"',
        "report_checks -path_delay max -digits 4",
    ]) + "\n"
