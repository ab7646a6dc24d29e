"""Malformed input: a corpus of bad campaign, space and recipe files and command lines, generated
here. Each must exit non-zero with exactly one line on stderr (naming the file or option, the key
and the fix), no traceback, and nothing written. Run in process for speed; a few run through the
installed ``rtlbo`` too."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
import yaml

from .in_process import run_cli

RTLBO = str(Path(sys.executable).parent / "rtlbo")
BASE = {"name": "fuzz", "tasks": {"suite": "builtin", "select": ["adder32"]}, "budget": {"trials": 2},
        "optimizer": "sobol", "output": "run"}
LONG = "x" * 5000

# A case writes its input files into the folder it is given and returns the command line (and
# the fragments the error line must contain).
Case = Callable[[Path], tuple[list[str], tuple[str, ...]]]
CASES: dict[str, Case] = {}


def register(case_id: str, make: Case) -> None:
    assert case_id not in CASES, case_id
    CASES[case_id] = make


def campaign_text(case_id: str, text: str | bytes, *must: str) -> None:
    """A campaign file with this content."""
    def make(ws: Path) -> tuple[list[str], tuple[str, ...]]:
        path = ws / "campaign.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return ["run", "campaign.yaml"], ("campaign.yaml", *must)
    register(f"campaign-{case_id}", make)


def campaign(key: str, value: object, *must: str) -> None:
    """The base campaign with ``key`` (dotted for a nested one) set to ``value``."""
    data = yaml.safe_load(yaml.safe_dump(BASE))
    *parents, last = key.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    campaign_text(key.replace(".", "-") + f"={str(value)[:20]}", yaml.safe_dump(data), *must)


def space_text(case_id: str, text: str | bytes, *must: str, files: dict[str, str] | None = None,
               where: str = "space.yaml") -> None:
    """The base campaign over a space file with this content (and more space files); the error
    names the file ``where``."""
    def make(ws: Path) -> tuple[list[str], tuple[str, ...]]:
        (ws / "space.yaml").write_bytes(text if isinstance(text, bytes) else text.encode())
        for name, other in (files or {}).items():
            (ws / name).write_text(other)
        (ws / "campaign.yaml").write_text(yaml.safe_dump({**BASE, "space": ["space.yaml", *(files or {})]}))
        return ["run", "campaign.yaml"], (where, *must)
    register(f"space-{case_id}", make)


def recipe_text(case_id: str, text: str | bytes, *must: str) -> None:
    """``rtlbo eval --recipe`` with a recipe file of this content."""
    def make(ws: Path) -> tuple[list[str], tuple[str, ...]]:
        (ws / "recipe.yaml").write_bytes(text if isinstance(text, bytes) else text.encode())
        return ["eval", "-t", "adder32", "--recipe", "recipe.yaml"], ("recipe.yaml", *must)
    register(f"recipe-{case_id}", make)


def command(case_id: str, args: list[str], *must: str, prepare: Callable[[Path], None] | None = None) -> None:
    """A command line (``prepare`` writes what it refers to)."""
    def make(ws: Path) -> tuple[list[str], tuple[str, ...]]:
        if prepare:
            prepare(ws)
        return args, must
    register(f"cli-{case_id}", make)


# -- campaign files: encoding, size, syntax, structure -------------------------------------------
campaign_text("random-bytes", bytes(range(256)) * 8, "not a text file")
campaign_text("empty", "", "holds no campaign")
campaign_text("only-comments", "# nothing set here\n", "holds no campaign")
campaign_text("utf16", "name: fuzz\n".encode("utf-16"), "UTF-16")
campaign_text("utf16-no-bom", "name: fuzz\n".encode("utf-16-le"), "NUL")
campaign_text("latin1", "name: caf\xe9\n".encode("latin-1"), "not UTF-8")
campaign_text("huge", "# padding\n" * 200_000, "larger than")
campaign_text("unclosed-bracket", "tasks: {suite: builtin\n", "invalid YAML")
campaign_text("bad-indent", "budget:\n  trials: 2\n bad: 1\n", "invalid YAML")
campaign_text("tab-indent", "budget:\n\ttrials: 2\n", "invalid YAML")
campaign_text("top-level-list", "- name\n- fuzz\n", "mapping")
campaign_text("top-level-scalar", "just words\n", "mapping")
campaign_text("duplicate-key", "name: a\nname: b\n", "'name' appears twice")
campaign_text("duplicate-nested-key", "budget:\n  trials: 2\n  trials: 3\n", "'trials' appears twice")
campaign_text("deep-nesting", "a: " + "[" * 100 + "]" * 100 + "\n", "nested")
campaign_text("very-deep-nesting", "a: " + "[" * 20000 + "]" * 20000 + "\n", "nested")
campaign_text("billion-laughs", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)), "values")
campaign_text("undefined-alias", "name: *nowhere\n", "invalid YAML")
campaign_text("python-tag", "name: !!python/object:os.system ls\n", "invalid YAML")
campaign_text("unknown-key", yaml.safe_dump({**BASE, "budjet": {"trials": 3}}), "'budjet'", "did you mean 'budget'")
campaign_text("unknown-nested-key", yaml.safe_dump({**BASE, "budget": {"trails": 3}}), "'budget.trails'")
campaign_text("inf-float-literal", yaml.safe_dump(BASE) + "reference_point: 1.0e+400\n", "'reference_point'", "finite")
campaign_text("nan-in-list", yaml.safe_dump(BASE) + "extra_list: [1, .nan]\n", "finite")
# -- campaign values --------------------------------------------------------------------------------
for key, value, must in [
    ("seed", -1, "'seed'"), ("seed", 2**40, "'seed'"), ("seed", 1.5, "'seed'"), ("seed", "3", "'seed'"),
    ("seed", True, "'seed'"), ("tasks.select", [], "'tasks.select'"), ("space", [], "'space'"),
    ("reference_point", float("inf"), "'reference_point'"), ("reference_point", float("-inf"), "'reference_point'"),
    ("reference_point", float("nan"), "'reference_point'"), ("reference_point", 0, "'reference_point'"),
    ("reference_point", -1.1, "'reference_point'"), ("reference_point", "1.1", "'reference_point'"),
    ("budget.trials", 0, "'budget.trials'"), ("budget.trials", -3, "'budget.trials'"),
    ("budget.trials", 10**9, "'budget.trials'"), ("budget.trials", 1.5, "'budget.trials'"),
    ("budget.trials", "ten", "'budget.trials'"), ("batch_size", 0, "'batch_size'"),
    ("batch_size", 10**6, "'batch_size'"), ("executor.workers", 0, "'executor.workers'"),
    ("executor.workers", 10**6, "'executor.workers'"), ("executor.workers", "2", "'executor.workers'"),
    ("executor.kind", "slurm", "'executor.kind'"), ("executor.retries", -1, "'executor.retries'"),
    ("executor.resources_per_trial", {"num_cpus": -1}, "'executor.resources_per_trial.num_cpus'"),
    ("executor.resources_per_trial", {"num_cpus": float("nan")}, "num_cpus"),
    ("objectives", [], "'objectives'"), ("objectives", ["power", "power"], "'objectives'"),
    ("objectives", ["speed"], "'objectives"), ("optimizer", "bayes", "'optimizer'"), ("optimizer", 3, "'optimizer'"),
    ("aggregation", "mean", "'aggregation'"), ("constraints.pass_rate", 2, "'constraints.pass_rate'"),
    ("constraints.gate_level", "yes", "'constraints.gate_level'"),
    ("constraints.timing_met", "no", "'constraints.timing_met'"),
    ("constraints.gate_level", 1, "'constraints.gate_level'"),
    ("tasks.suite", "nosuch", "nosuch"), ("tasks.suite", "rtllm:/nonexistent", "/nonexistent"),
    ("tasks.select", ["nosuchtask"], "nosuchtask"), ("tasks.select", "adder32", "'tasks.select'"),
    ("tasks.select", [1], "'tasks.select"), ("space", "nosuchspace", "nosuchspace"),
    ("space", ["synthesis", "synthesis"], "share a name"),
    ("name", "../evil", "'name'"), ("name", "a/b", "'name'"), ("name", "", "'name'"), ("name", ".hidden", "'name'"),
    ("name", LONG, "'name'"), ("name", 5, "'name'"), ("name", None, "'name'"),
    ("output", "/proc/rtlbo-run", "'output'"), ("output", "/proc/self/fd/rtlbo", "'output'"),
    ("output", "/sys/rtlbo", "'output'"), ("output", "/dev/null", "'output'"), ("output", "", "'output'"),
    ("output", LONG, "'output'"), ("output", "a_file", "'output'"), ("output", "a_file/run", "'output'"),
    ("cache", "/proc/cache.sqlite", "'cache'"), ("cache", ".", "'cache'"), ("cache", LONG, "'cache'"),
    ("generator.backend", "gpt", "'generator.backend'"), ("generator.samples_per_task", 0, "samples_per_task"),
    ("generator.timeout_s", -1, "timeout_s"), ("generator.timeout_s", float("inf"), "timeout_s"),
    ("generator.max_concurrency", 0, "max_concurrency"), ("generator.base_ur", "x", "'generator.base_ur'"),
    ("optimizer", {"torch_device": 7, "name": "ax"}, "'optimizer.torch_device'"),
    ("optimizer", {"torch_devic": "cuda", "name": "ax"}, "no option 'torch_devic'"),
    ("optimizer", {"torch_device": "cuda"}, "'name'"),
    ("torch_device", "cuda", "remove it (sobol does not use it)"),  # an option of the ax optimizer now
]:
    campaign(key, value, must)
campaign_text("torch-device-moved", yaml.safe_dump({**BASE, "optimizer": "ax", "torch_device": "cuda"}),
              "optimizer: {name: ax, torch_device: cuda}")
CASES["campaign-replay-file-missing"] = lambda ws: (
    (ws / "campaign.yaml").write_text(yaml.safe_dump(
        {**BASE, "generator": {"backend": "replay", "replay_file": "nope.jsonl"}})),
    (["run", "campaign.yaml"], ("replay_file",)))[1]
CASES["campaign-cache-not-a-database"] = lambda ws: (
    (ws / "junk.sqlite").write_bytes(bytes(range(256)) * 40),
    (ws / "campaign.yaml").write_text(yaml.safe_dump({**BASE, "cache": "junk.sqlite"})),
    (["run", "campaign.yaml"], ("junk.sqlite", "not an rtlbo evaluation cache")))[2]
CASES["campaign-torch-device"] = lambda ws: (
    (ws / "campaign.yaml").write_text(yaml.safe_dump({**BASE, "optimizer": {"name": "ax", "torch_device": "banana"}})),
    (["run", "campaign.yaml"], ("campaign.yaml", "'torch_device'", "banana")))[1]

# -- space files: structure, domains the evaluator rejects ---------------------------------------
space_text("no-knobs", "constraints: []\n", "knobs")
space_text("empty-knobs", "knobs: {}\n", "knobs")
space_text("knobs-list", "knobs: [booth]\n", "knobs")
space_text("knob-not-mapping", "knobs:\n  booth: true\n", "booth")
space_text("unknown-type", "knobs:\n  booth: {type: double}\n", "booth", "type")
space_text("float-no-bounds", "knobs:\n  abc_delay_target: {type: float}\n", "abc_delay_target")
space_text("low-above-high", "knobs:\n  abc_delay_target: {type: float, low: 1, high: 0.5}\n", "abc_delay_target")
space_text("nan-bound", "knobs:\n  abc_delay_target: {type: float, low: .nan, high: 1}\n", "finite")
space_text("inf-bound", "knobs:\n  abc_delay_target: {type: float, low: 0, high: .inf}\n", "finite")
space_text("log-from-zero", "knobs:\n  abc_delay_target: {type: float, low: 0, high: 1, log: true}\n", "log")
space_text("int-fractional", "knobs:\n  abc_delay_target: {type: int, low: 0.5, high: 2}\n", "whole-number")
space_text("empty-choice", "knobs:\n  adder: {type: choice, values: []}\n", "adder")
space_text("duplicate-values", "knobs:\n  adder: {type: choice, values: [default, default]}\n", "duplicates")
space_text("default-outside", "knobs:\n  booth: {type: bool, default: maybe}\n", "booth")
space_text("bool-as-maybe", "knobs:\n  booth: {type: choice, values: [false, true, maybe]}\n", "'booth'", "maybe")
space_text("bool-as-float", "knobs:\n  booth: {type: float, low: 0, high: 1}\n", "'booth'")
space_text("delay-target-too-high", "knobs:\n  abc_delay_target: {type: float, low: 0, high: 10}\n",
           "'abc_delay_target'", "10")
space_text("delay-target-negative", "knobs:\n  abc_delay_target: {type: float, low: -1, high: 1}\n",
           "'abc_delay_target'")
space_text("unknown-adder", "knobs:\n  adder: {type: choice, values: [default, ripple]}\n", "'adder'", "ripple")
space_text("unknown-abc-recipe", "knobs:\n  abc_recipe: {type: choice, values: [magic]}\n", "'abc_recipe'")
space_text("fixed-out-of-range", "knobs:\n  abc_delay_target: {type: fixed, value: 99}\n", "'abc_delay_target'")
space_text("unknown-knob", "knobs:\n  frobnicate: {type: bool}\n", "frobnicate")
space_text("generation-knob-without-llm", "knobs:\n  temperature: {type: float, low: 0, high: 1}\n",
           "temperature", "LLM")
space_text("active-when-unknown", "knobs:\n  booth: {type: bool, active_when: {nothing: [true]}}\n", "nothing")
space_text("bad-constraint", "knobs:\n  abc_delay_target: {type: float, low: 0, high: 1}\n"
           "constraints: ['abc_delay_target <<= 1']\n", "constraint")
space_text("constraint-on-bool", "knobs:\n  booth: {type: bool}\nconstraints: ['booth <= 1']\n", "booth")
space_text("duplicate-knob-in-file", "knobs:\n  booth: {type: bool}\n  booth: {type: bool}\n", "'booth' appears twice")
space_text("duplicate-knob-across-files", "knobs:\n  booth: {type: bool}\n", "'booth' is declared twice",
           files={"more.yaml": "knobs:\n  booth: {type: bool}\n"}, where="more.yaml")
space_text("fixed-without-value", "knobs:\n  booth: {type: fixed}\n", "booth")
space_text("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file")
space_text("utf16", "knobs:\n  booth: {type: bool}\n".encode("utf-16"), "UTF-16")
space_text("deep", "knobs:\n  booth: " + "{a: " * 50 + "1" + "}" * 50 + "\n", "nested")

# -- recipe files (rtlbo eval --recipe) ------------------------------------------------------------
recipe_text("booth-yes-string", "booth: 'yes'\n", "'booth'", "'yes'")
recipe_text("booth-true-string", "booth: \"true\"\n", "'booth'")
recipe_text("booth-one", "booth: 1\n", "'booth'")
recipe_text("delay-target-high", "abc_delay_target: 5\n", "'abc_delay_target'")
recipe_text("delay-target-negative", "abc_delay_target: -1\n", "'abc_delay_target'")
recipe_text("delay-target-nan", "abc_delay_target: .nan\n", "finite")
recipe_text("delay-target-inf", "abc_delay_target: .inf\n", "finite")
recipe_text("delay-target-string", "abc_delay_target: '0.5'\n", "'abc_delay_target'")
recipe_text("unknown-adder", "adder: ripple\n", "'adder'")
recipe_text("unknown-abc-recipe", "abc_recipe: magic\n", "'abc_recipe'")
recipe_text("misspelt-key", "boot: true\n", "'boot'", "did you mean 'booth'")
recipe_text("list", "- booth\n", "mapping")
recipe_text("binary", bytes(range(256)), "not a text file")
recipe_text("utf16", "booth: true\n".encode("utf-16"), "UTF-16")
recipe_text("duplicate-key", "booth: true\nbooth: false\n", "'booth' appears twice")
recipe_text("deep", "booth: " + "[" * 40 + "]" * 40 + "\n", "nested")
recipe_text("retime-null", "retime: null\n", "'retime'")

# -- command lines ---------------------------------------------------------------------------------


def _write(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda ws: (ws / name).write_bytes(data)


def _sqlite(path: Path, statement: str) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute(statement)
        db.commit()


def _sparse(name: str, size: int) -> Callable[[Path], None]:
    def make(ws: Path) -> None:
        with open(ws / name, "wb") as handle:
            handle.truncate(size)
    return make


command("rtl-directory", ["eval", "-t", "mul8", "--rtl", "."], "directory")
command("rtl-dev-zero", ["eval", "-t", "mul8", "--rtl", "/dev/zero"], "/dev/zero", "not a regular file")
command("rtl-missing", ["eval", "-t", "mul8", "--rtl", "missing.v"], "missing.v", "not found")
command("rtl-binary", ["eval", "-t", "mul8", "--rtl", "bin.v"], "bin.v", prepare=_write("bin.v", bytes(range(256))))
command("rtl-utf16", ["eval", "-t", "mul8", "--rtl", "u.v"], "UTF-16",
        prepare=_write("u.v", "module mul8; endmodule\n".encode("utf-16")))
command("rtl-huge", ["eval", "-t", "mul8", "--rtl", "big.v"], "larger than", prepare=_sparse("big.v", 17 << 20))
command("testbench-dev-zero", ["eval", "--rtl", "d.v", "--testbench", "/dev/zero"], "/dev/zero",
        prepare=_write("d.v", b"module d; endmodule\n"))
command("testbench-without-rtl", ["eval", "--testbench", "tb.v"], "--testbench goes with --rtl")
for period in ("nan", "inf", "-inf", "-1", "0", "1e309"):
    command(f"period-{period}", ["eval", "--rtl", "d.v", "--testbench", "d.v", "--period", period], "--period",
            prepare=_write("d.v", b"module d; endmodule\n"))
command("period-text", ["eval", "--period", "abc"], "--period")
for period in ("inf", "1e300"):
    command(f"tasks-init-period-{period}", ["tasks", "init", "mine", "--rtl", "d.v", "--period", period], "--period",
            prepare=_write("d.v", b"module d(input a, output y); assign y = a; endmodule\n"))
    command(f"task-toml-period-{period}", ["eval", "--suite", "tasks:mine"], "rtlbo tasks list",
            prepare=lambda ws, period=period: ((ws / "mine" / "t").mkdir(parents=True),
                                               (ws / "mine" / "t" / "task.toml").write_text(
                                                   f'top = "d"\nperiod_ns = {period}\n'),
                                               (ws / "mine" / "t" / "reference.v").write_text(
                                                   "module d(input a, output y); assign y = a; endmodule\n")))
command("workers-zero", ["eval", "-t", "mul8", "--workers", "0"], "--workers")
command("workers-huge", ["eval", "-t", "mul8", "--workers", "1000000"], "--workers")
command("top-injection", ["eval", "--rtl", "d.v", "--testbench", "d.v", "--top", "d; shell rm -rf x"], "--top",
        prepare=_write("d.v", b"module d; endmodule\n"))
command("clock-with-space", ["eval", "--rtl", "d.v", "--testbench", "d.v", "--clock", "a b"], "--clock",
        prepare=_write("d.v", b"module d; endmodule\n"))
command("cache-in-proc", ["eval", "-t", "mul8", "--cache", "/proc/rtlbo.sqlite"], "--cache", "system folder")
command("cache-is-directory", ["eval", "-t", "mul8", "--cache", "."], "--cache", "directory")
command("cache-long-name", ["eval", "-t", "mul8", "--cache", LONG], "--cache", "too long")
command("cache-not-a-database", ["eval", "-t", "mul8", "--cache", "junk.sqlite"], "junk.sqlite",
        "not an rtlbo evaluation cache", prepare=_write("junk.sqlite", bytes(range(256)) * 40))
command("cache-another-database", ["eval", "-t", "mul8", "--cache", "other.sqlite"], "other.sqlite",
        "not an rtlbo evaluation cache", prepare=lambda ws: _sqlite(ws / "other.sqlite", "CREATE TABLE records (a, b)"))
command("artifacts-in-proc", ["eval", "-t", "mul8", "--artifacts", "/proc/rtlbo"], "--artifacts")
command("artifacts-is-file", ["eval", "-t", "mul8", "--artifacts", "f"], "--artifacts", prepare=_write("f", b"x"))
command("unknown-task", ["eval", "-t", "nosuchtask"], "nosuchtask")
command("unknown-suite", ["eval", "--suite", "nosuch:x"], "nosuch")
command("config-missing", ["eval", "--config", "nope"], "nope")
command("config-not-export", ["eval", "--config", "c.yaml"], "not an rtlbo export", prepare=_write("c.yaml", b"a: 1\n"))
command("config-tasks-string", ["eval", "--config", "c.yaml"], "not an rtlbo export",
        prepare=_write("c.yaml", b"knobs: {}\ntasks: adder32\n"))
EXPORT = b"knobs: {}\ntasks: {suite: builtin, select: [adder32]}\n"
for option, value in (("--rtl", "c.yaml"), ("--period", "5"), ("--top", "adder32"), ("--recipe", "c.yaml"),
                      ("--define", "W=2")):
    command(f"config-with{option}", ["eval", "--config", "c.yaml", option, value], "drop", option,
            prepare=_write("c.yaml", EXPORT))


def _export(config: bytes) -> Callable[[Path], None]:
    """An export folder ``x`` holding this config.yaml and adder32's RTL."""
    def make(ws: Path) -> None:
        (ws / "x" / "adder32").mkdir(parents=True)
        (ws / "x" / "config.yaml").write_bytes(config)
        (ws / "x" / "adder32" / "rtl.v").write_text("module adder32; endmodule\n")
    return make


command("config-unknown-knob", ["eval", "--config", "x"], "abc_recpie", "the knobs are",
        prepare=_export(b"knobs: {abc_recpie: speed}\ntasks: {suite: builtin, select: [adder32]}\n"))
command("config-technology-string", ["eval", "--config", "x"], "'technology'", "export again",
        prepare=_export(b"knobs: {}\ntechnology: osu\ntasks: {suite: builtin, select: [adder32]}\n"))
command("lint-forbid-and-allow", ["eval", "-t", "adder32", "--forbid", "latch", "--allow", "latch"],
        "'latch' is both forbidden and allowed")
command("run-resume-output", ["run", "r", "--resume", "--output", "elsewhere"], "drop --output",
        prepare=lambda ws: ((ws / "r").mkdir(), (ws / "r" / "campaign.yaml").write_text(yaml.safe_dump(BASE))))
command("run-missing-file", ["run", "nope.yaml"], "nope.yaml")
command("run-output-proc", ["run", "c.yaml", "--output", "/proc/rtlbo"], "--output", "system folder",
        prepare=_write("c.yaml", yaml.safe_dump(BASE).encode()))
command("run-output-file", ["run", "c.yaml", "--output", "c.yaml"], "--output",
        prepare=_write("c.yaml", yaml.safe_dump(BASE).encode()))
command("run-output-long", ["run", "c.yaml", "--output", LONG], "--output", "too long",
        prepare=_write("c.yaml", yaml.safe_dump(BASE).encode()))
command("run-resume-file", ["run", "c.yaml", "--resume"], "--resume", prepare=_write("c.yaml", b"name: x\n"))
command("run-warm-start-missing", ["run", "c.yaml", "--warm-start", "nowhere"], "nowhere",
        prepare=_write("c.yaml", yaml.safe_dump(BASE).encode()))
command("run-warm-start-damaged", ["run", "c.yaml", "--warm-start", "prior"], "--warm-start prior",
        prepare=lambda ws: (_write("c.yaml", yaml.safe_dump(BASE).encode())(ws), (ws / "prior").mkdir(),
                            (ws / "prior" / "trials.sqlite").write_text("not a trial table\n")))
command("run-dev-zero", ["run", "/dev/zero"], "/dev/zero")
command("run-empty-folder", ["run", "nothing"], "nothing", "not a run directory",
        prepare=lambda ws: (ws / "nothing").mkdir())
command("space-merged-when-typo", ["run", "c.yaml"], "'merged_when.0.valuez'", "did you mean 'values'",
        prepare=lambda ws: ((ws / "s.yaml").write_text(
            "knobs:\n  a: {type: choice, values: [x, y, z], merged_when: [{when: {b: true}, valuez: [[x, y]]}]}\n"
            "  b: {type: bool}\n"), (ws / "c.yaml").write_text(yaml.safe_dump({**BASE, "space": ["s.yaml"]}))))
command("score-html-a-folder", ["score", "-t", "adder32", "--samples", "s.jsonl", "--html", "."], "--html",
        prepare=_write("s.jsonl", b'{"task": "adder32", "text": "module adder32; endmodule"}\n'))
command("score-samples-latin1", ["score", "-t", "adder32", "--samples", "s.jsonl"], "s.jsonl", "not UTF-8",
        prepare=_write("s.jsonl", '{"task": "adder32", "text": "caf\xe9"}\n'.encode("latin-1")))
command("score-samples-deep-json", ["score", "-t", "adder32", "--samples", "s.jsonl"], "s.jsonl:1",
        prepare=_write("s.jsonl", b"[" * 100000 + b"]" * 100000 + b"\n"))
command("run-default-output-under-a-file", ["run", "c.yaml"], "run directory", "is a file",
        prepare=lambda ws: (_write("c.yaml", yaml.safe_dump({**BASE, "output": None}).encode())(ws),
                            (ws / "runs").write_text("a file\n")))
for verb in ("status", "pareto", "export", "report", "repair"):
    extra = ["--out", "out"] if verb == "export" else []
    command(f"{verb}-missing-run", [verb, "nowhere", *extra], "nowhere")
command("status-file-as-run", ["status", "f"], "f", prepare=_write("f", b"x"))
command("unknown-command", ["frobnicate"], "frobnicate")
command("missing-argument", ["run"], "target")
command("unknown-option", ["run", "c.yaml", "--fast"], "--fast")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder that is also $HOME, with the evaluation cache inside it."""
    ws = tmp_path / "ws"
    (ws / "a_file").parent.mkdir()
    (ws / "a_file").write_text("not a folder\n")
    monkeypatch.chdir(ws)
    monkeypatch.setenv("HOME", str(ws))
    monkeypatch.setenv("RTLBO_CACHE", str(ws / "cache" / "evaluations.sqlite"))
    return ws


def snapshot(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*")}


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 120


@pytest.mark.parametrize("case", CASES)
def test_malformed_input_is_one_line_and_writes_nothing(case: str, workspace: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture):
    args, must = CASES[case](workspace)
    before = snapshot(workspace)
    code, _, err = run_cli(args, monkeypatch, capsys)
    lines = err.strip().splitlines()
    assert code != 0 and len(lines) == 1 and lines[0].startswith("error:"), err
    assert "Traceback" not in err
    for fragment in must:
        assert fragment in lines[0], (fragment, lines[0])
    assert snapshot(workspace) == before, "a rejected input must not write anything"


@pytest.mark.parametrize("case", ["campaign-random-bytes", "cli-rtl-dev-zero", "cli-period-nan",
                                  "recipe-booth-yes-string"])
def test_the_installed_command_behaves_the_same(case: str, tmp_path: Path):
    args, _ = CASES[case](tmp_path)
    done = subprocess.run([RTLBO, *args], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
