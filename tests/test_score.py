"""``rtlbo score``: recorded completions of any model, read from the benchmarks' layouts and from a
campaign's completions.jsonl, through the cascade, scored side by side."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from objectives.errors import RtlboError
from objectives.llm import Completion
from objectives.samples import read_answers

from .conftest import FIXTURES

RTLBO = str(Path(sys.executable).parent / "rtlbo")
SAMPLES = FIXTURES / "samples"
RTLLM = f"rtllm:{FIXTURES / 'rtllm'}"


def test_answers_one_folder_per_sample_with_a_missing_answer_counted():
    answers = read_answers(SAMPLES / "model_a", ["adder_4bit", "pulse_count"])
    assert [(a.task, a.sample) for a in answers] == [
        ("adder_4bit", "t1"), ("adder_4bit", "t2"), ("adder_4bit", "t3"), ("adder_4bit", "t4"),
        ("pulse_count", "t1"), ("pulse_count", "t2"), ("pulse_count", "t3"), ("pulse_count", "t4")]
    assert all(a.missing for a in answers if a.task == "pulse_count")


def test_answers_in_verilogeval_build_layout_and_errors(tmp_path: Path):
    build = tmp_path / "build"
    shutil.copytree(SAMPLES / "verilogeval_model", build)
    (build / "Prob001_and2" / "Prob001_and2_sample01-sv-iv-test.log").write_text("Mismatches: 0 in 20 samples\n")
    answers = read_answers(build, ["Prob001_and2", "Prob003_dff8r"])
    assert [(a.task, a.sample, a.missing) for a in answers] == [
        ("Prob001_and2", "01", False), ("Prob001_and2", "02", False), ("Prob001_and2", "03", False),
        ("Prob003_dff8r", "01", False), ("Prob003_dff8r", "02", False), ("Prob003_dff8r", "03", True)]
    (build / "Prob001_and2" / "Prob001_and2_sample02.txt").write_text("again")
    with pytest.raises(RtlboError, match="two answers for task Prob001_and2 in sample 02"):
        read_answers(build, ["Prob001_and2"])
    with pytest.raises(RtlboError, match="holds no answer for any of the 1 task"):
        read_answers(build, ["other"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"task": "x"}\n')
    with pytest.raises(RtlboError, match=r"bad.jsonl:1 needs 'task'"):
        read_answers(bad, ["x"])


def test_a_campaigns_completions_jsonl_is_read_once_per_request(tmp_path: Path):
    # The records a generation campaign appends (objectives/trial.py): task, sample, notes and the
    # completion; a configuration evaluated again (cached) appends the same request again.
    records = [{"task": "adder_4bit", "sample": s, "notes": [], **Completion(f"k{t}{s}", f"answer {t}{s}").record()}
               for t in range(2) for s in range(2)]
    path = tmp_path / "completions.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records + records[:2]))
    answers = read_answers(path, ["adder_4bit"])
    assert [(a.sample, a.text) for a in answers] == [("0", "answer 00"), ("0.1", "answer 10"),
                                                     ("1", "answer 01"), ("1.1", "answer 11")]


def test_score_two_models_side_by_side(tmp_path: Path):
    page = tmp_path / "scores.html"
    done = subprocess.run(
        [RTLBO, "score", "--suite", RTLLM, "--task", "adder_4bit", "--samples", str(SAMPLES / "model_a"),
         "--samples", str(SAMPLES / "model_b.jsonl"), "--k", "1", "--k", "2", "--json", "--html", str(page)],
        capture_output=True, text=True, timeout=600, env=os.environ)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    a, b = report["models"]
    assert (a["name"], b["name"]) == ("model_a", "model_b")
    assert a["funnel"] == {"syntax": 0.5, "function": 0.25, "synthesis": 0.25, "equivalence": 0.25,
                           "gate-level verified": 0.25, "PPA measured": 0.25}
    assert a["pass_at_k"] == {"1": 0.25, "2": 0.5}
    assert b["pass_at_k"]["2"] == pytest.approx(5 / 6)
    # The passing answer is the reference itself, so its PPA ratios are 1.
    assert a["ppa"] == {"power": 1.0, "delay": 1.0, "area": 1.0}
    failures = {x["sample"]: x["failure"] for x in a["tasks"]["adder_4bit"]["answers"]}
    assert failures["t1"] == ""
    assert failures["t2"].startswith("simulation: testbench did not print 'Pass' or 'pass'")
    assert failures["t3"] == "syntax: truncated answer: module adder_4bit has no endmodule"
    assert failures["t4"].startswith("syntax: ") and "$system" in failures["t4"]
    assert "max_tokens reached" in b["tasks"]["adder_4bit"]["answers"][2]["failure"]
    assert "<th>model_a</th><th>model_b</th>" in page.read_text() and "<th>equivalence</th>" in page.read_text()
