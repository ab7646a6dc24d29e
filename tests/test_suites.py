"""Loaders for the built-in layout, RTLLM v2 and VerilogEval v2, on small fixtures."""

from __future__ import annotations

import pytest

from objectives.errors import RtlboError
from objectives.evaluate import evaluate
from objectives.suites import load_suite
from objectives.tasks import parse_verdict

from .conftest import FIXTURES


def test_rtllm_loader_renames_the_verified_module_and_skips_broken_folders():
    suite = load_suite(f"rtllm:{FIXTURES / 'rtllm'}")
    assert [t.name for t in suite.tasks] == ["adder_4bit"]
    task = suite.tasks[0]
    assert task.top == "adder_4bit" and "module adder_4bit" in task.reference_rtl
    assert [p.name for p in task.support_files] == ["vectors.txt"]
    assert suite.skipped == [("broken_task", "no testbench.v")]


def test_rtllm_reference_passes_the_cascade_with_its_data_file():
    task = load_suite(f"rtllm:{FIXTURES / 'rtllm'}").tasks[0]
    evaluation = evaluate(task)
    assert evaluation.feasible, evaluation.failure


def test_verilogeval_loader_and_cascade():
    suite = load_suite(f"verilogeval:{FIXTURES / 'verilogeval'}")
    assert [t.name for t in suite.tasks] == ["Prob001_and2"]
    assert suite.skipped == [("Prob002_noref", "missing Prob002_noref_ref.sv, Prob002_noref_test.sv")]
    task = suite.tasks[0]
    assert task.top == "TopModule" and task.clock is None
    evaluation = evaluate(task)
    assert evaluation.feasible, evaluation.failure
    assert evaluation.stage("gatesim").details["checks"] > 0


def test_verilogeval_wrong_design_fails():
    task = load_suite(f"verilogeval:{FIXTURES / 'verilogeval'}").tasks[0]
    wrong = task.reference_rtl.replace("a & b", "a | b")
    evaluation = evaluate(task, rtl=wrong)
    assert evaluation.stage("simulation").status == "failed"
    assert "mismatches" in evaluation.stage("simulation").reason


def test_unknown_suite_and_missing_folder():
    with pytest.raises(RtlboError, match="unknown suite 'foo:bar'"):
        load_suite("foo:bar")
    with pytest.raises(RtlboError, match="suite folder .* not found"):
        load_suite("rtllm:/no/such/dir")


@pytest.mark.parametrize(
    ("output", "rule", "passed", "mismatches"),
    [
        ("RESULT: PASS mismatches=0 checks=10\n", "result-line", True, 0),
        ("RESULT: FAIL mismatches=3 checks=10\n", "result-line", False, 3),
        ("no verdict\n", "result-line", False, None),
        ("Mismatches: 0 in 20 samples\n", "verilogeval", True, 0),
        ("Mismatches: 0 in 20 samples\nTIMEOUT\n", "verilogeval", False, None),
        ("===========Your Design Passed===========\n", "rtllm", True, 0),
        ("Test completed with 2 failures\n", "rtllm", False, 2),
        ("Mismatches: 4 in 20 samples\n", "auto", False, 4),
    ],
)
def test_verdicts(output, rule, passed, mismatches):
    verdict = parse_verdict(output, rule)
    assert verdict.passed is passed and verdict.mismatches == mismatches
