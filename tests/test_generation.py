"""Generation through an OpenAI-compatible server (a scripted test double on loopback): extraction,
hostile answers, retries and timeouts, the completion cache, replay, secrets, and a mixed campaign."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from objectives.cache import EvalCache
from objectives.errors import RtlboError
from objectives.extract import extract
from objectives.generate import GeneratorSettings, exemplars_for, render_messages, template_names
from objectives.suites import load_suite
from objectives.trial import TrialJob, cached_score, evaluate_config
from optimize.runs import Run
from optimize.store import TrialKind

from .llm_server_double import Reply, ScriptedChatServerDouble, requested_top

RTLBO = str(Path(sys.executable).parent / "rtlbo")
SUITE = {t.name: t for t in load_suite("builtin").tasks}
MUL8 = SUITE["mul8"].reference_rtl
HEADER = "module mul8 (\n    input  wire [7:0]  a,\n    input  wire [7:0]  b,\n    output wire [15:0] p\n);\n"

ANSWERS = {
    "correct": f"Here you go:\n```verilog\n{MUL8}```\nThis multiplies.",
    "unfenced": f"Sure. {MUL8}\nThat is all.",
    "untagged": f"```\n{MUL8}```",
    "buggy": f"```verilog\n{HEADER}  assign p = a + b;\nendmodule\n```",
    "broken": f"```verilog\n{HEADER}  assign p = a * b\nendmodule\n```",
    "renamed": f"```verilog\n{MUL8.replace('module mul8', 'module top_module')}```",
    "wrong_ports": "```verilog\nmodule top_module(input [7:0] x, y, output [15:0] z);\n"
                   "assign z = x * y; endmodule\n```",
    "truncated": f"```verilog\n{HEADER}  assign p = a *",
    "system": f"```verilog\n{HEADER}  assign p = a * b;\n  initial $system(\"touch /tmp/pwned\");\nendmodule\n```",
    "fopen": f"```verilog\n{HEADER}  integer f;\n  assign p = a * b;\n  initial f = $fopen(\"x\");\nendmodule\n```",
    "with_tb": f"```verilog\n{MUL8}\nmodule tb; mul8 dut(.a(8'd1), .b(8'd2), .p());\n"
               "initial $display(1); endmodule\n```",
}


def settings(server: ScriptedChatServerDouble, **fields) -> GeneratorSettings:
    values = {"backend": "openai", "base_url": server.base_url, "samples_per_task": 1, "timeout_s": 5.0,
              "max_retries": 2, "backoff_s": 0.01, "api_key_env": "RTLBO_TEST_KEY"}
    values.update(fields)
    return GeneratorSettings(**values)


def baseline(task: str) -> dict:
    job = TrialJob({}, [SUITE[task]], {}, None)
    return {e.task: e.metrics for e in evaluate_config(job).evaluations}


def run_answer(kind: str, tmp_path: Path):
    with ScriptedChatServerDouble(lambda body: Reply(ANSWERS[kind])) as server:
        job = TrialJob({"template": "plain"}, [SUITE["mul8"]], baseline("mul8"), str(tmp_path / "c.sqlite"),
                       settings(server))
        return evaluate_config(job)


@pytest.mark.parametrize(("kind", "passes", "stage", "reason"), [
    ("correct", True, None, ""),
    ("unfenced", True, None, ""),
    ("untagged", True, None, ""),
    ("with_tb", True, None, ""),
    ("renamed", True, None, ""),
    ("buggy", False, "simulation", "mismatches"),
    ("broken", False, "syntax", "syntax error"),
    ("wrong_ports", False, "syntax", "no module named mul8, and no single module with its ports"),
    ("truncated", False, "syntax", "truncated answer"),
    ("system", False, "syntax", "refused: system task $system"),
    ("fopen", False, "syntax", "refused: system task $fopen"),
])
def test_answers_through_the_cascade(kind, passes, stage, reason, tmp_path):
    result = run_answer(kind, tmp_path)
    (evaluation,) = result.evaluations
    assert evaluation.feasible is passes, evaluation.failure
    if not passes:
        failed = evaluation.stage(stage)
        assert failed.status == "failed" and reason in failed.reason
    assert result.score.extra["requests"] == 1
    assert evaluation.artifacts["answer.txt"] == ANSWERS[kind]
    assert not Path("/tmp/pwned").exists()


def test_extraction_notes_renames_and_dropped_modules():
    found = extract(ANSWERS["with_tb"], "mul8", ["a", "b", "p"])
    assert found.rtl.count("module ") == 1 and found.notes == ["dropped module(s) not used by mul8: tb"]
    renamed = extract(ANSWERS["renamed"], "mul8", ["a", "b", "p"])
    assert "module mul8" in renamed.rtl and renamed.notes[0].startswith("renamed module top_module to mul8")


def test_retries_on_429_and_500_then_succeeds(tmp_path: Path):
    replies = iter([Reply(status=429, headers={"retry-after": "0"}), Reply(status=500), Reply(ANSWERS["correct"])])
    with ScriptedChatServerDouble(lambda body: next(replies)) as server:
        job = TrialJob({}, [SUITE["mul8"]], baseline("mul8"), None, settings(server))
        result = evaluate_config(job)
        assert len(server.requests) == 3
    assert result.evaluations[0].feasible


def test_a_hanging_server_times_out_with_a_clear_error():
    with ScriptedChatServerDouble(lambda body: Reply(ANSWERS["correct"], delay_s=3)) as server:
        job = TrialJob({}, [SUITE["mul8"]], baseline("mul8"), None,
                       settings(server, timeout_s=0.5, max_retries=1))
        with pytest.raises(RtlboError, match=r"failed after 2 attempts: no answer within 0.5 s"):
            evaluate_config(job)
        assert len(server.requests) == 2


def test_a_client_error_is_not_retried():
    with ScriptedChatServerDouble(lambda body: Reply(status=401)) as server:
        job = TrialJob({}, [SUITE["mul8"]], baseline("mul8"), None, settings(server, max_retries=3))
        with pytest.raises(RtlboError, match="HTTP 401"):
            evaluate_config(job)
        assert len(server.requests) == 1


def test_cache_makes_the_second_run_free(tmp_path: Path):
    cache = str(tmp_path / "c.sqlite")
    with ScriptedChatServerDouble(lambda body: Reply(ANSWERS["correct"])) as server:
        job = TrialJob({"temperature": 0.7}, [SUITE["mul8"]], baseline("mul8"), cache,
                       settings(server, samples_per_task=3))
        first = evaluate_config(job)
        assert len(server.requests) == 3
        second = evaluate_config(job)
        assert len(server.requests) == 3  # zero new requests
    assert second.score.extra["requests"] == 0 and second.score.extra["prompt_tokens"] == 0
    assert first.score.objectives == second.score.objectives
    assert {r.body["seed"] for r in server.requests} == {0, 1, 2}


def test_scoring_from_the_cache_never_asks_the_server(tmp_path: Path):
    cache = str(tmp_path / "c.sqlite")
    with ScriptedChatServerDouble(lambda body: Reply(ANSWERS["correct"])) as server:
        job = TrialJob({"temperature": 0.7}, [SUITE["mul8"]], baseline("mul8"), cache,
                       settings(server, samples_per_task=2))
        missing, why = cached_score(job)
        assert missing is None and "no cached completion" in why and not server.requests
        evaluated = evaluate_config(job)
        found, _ = cached_score(job)
        assert len(server.requests) == 2
    assert found is not None and found.objectives == evaluated.score.objectives


def test_prompts_see_spec_interface_goal_and_other_tasks_exemplars():
    task = SUITE["mac8"]
    pool = list(SUITE.values())
    assert {"plain", "area", "delay", "power", "think", "fewshot"} <= set(template_names())
    for name in template_names():
        system, user = render_messages(task, {"template": name, "exemplars": 2}, pool)
        assert task.interface() in user[1] and "Example 2:" in user[1] and system[0] == "system"
        assert task.spec.strip()[:40] in user[1]
    assert "throughput" in render_messages(task, {"template": "think"}, pool)[1][1]
    assert "area" in render_messages(task, {"template": "area"}, pool)[1][1].lower()
    chosen = exemplars_for(task, pool, 3)
    assert len(chosen) == 3 and task.name not in {t.name for t in chosen}
    assert exemplars_for(task, [task], 2) == []


def campaign(tmp_path: Path, name: str, generator: dict, budget: int = 4, **fields) -> Path:
    data = {"name": name, "tasks": {"suite": "builtin", "select": ["mul8", "seqdet"]},
            "space": ["generation", "synthesis"], "budget": {"trials": budget}, "batch_size": 2,
            "executor": {"workers": 2},
            "optimizer": "sobol", "output": str(tmp_path / name), "constraints": {"pass_rate": 0.5},
            "cache": str(tmp_path / "cache.sqlite"), "generator": generator, **fields}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def scripted(body: dict) -> Reply:
    """Reference RTL at low temperature, a buggy design at high temperature."""
    top = requested_top(body)
    rtl = SUITE[top].reference_rtl
    if body["temperature"] > 0.8:
        rtl = rtl.replace("a * b", "a + b").replace("S_101", "S_IDLE")
    return Reply(f"```verilog\n{rtl}```")


def test_mixed_campaign_end_to_end_then_replay_offline_and_no_secret_anywhere(tmp_path: Path):
    env = {**os.environ, "RTLBO_TEST_KEY": "sk-test-DO-NOT-LEAK-1234"}
    with ScriptedChatServerDouble(scripted) as server:
        generator = {"backend": "openai", "base_url": server.base_url, "model": "double", "samples_per_task": 2,
                     "api_key_env": "RTLBO_TEST_KEY", "max_concurrency": 4}
        done = subprocess.run([RTLBO, "run", str(campaign(tmp_path, "gen", generator))], env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr
        assert server.requests and all(r.headers["Authorization"] == "Bearer sk-test-DO-NOT-LEAK-1234"
                                       for r in server.requests)
    run = Run.load(tmp_path / "gen")
    proposed = [t for t in run.trials if t.kind == "proposed"]
    assert sum(not t.repeats for t in proposed) == 4 and all(t.status == "completed" for t in proposed)
    for trial in proposed:
        assert set(trial.extra) >= {"syntax_rate", "functional_rate", "synthesis_rate", "pass_at_1", "pass_at_2",
                                    "prompt_tokens", "cost_usd"}
        assert "pass_rate" in trial.constraints
        assert (tmp_path / "gen" / "trials" / f"{trial.id:06d}" / "mul8" / "sample1" / "answer.txt").is_file()
        buggy = trial.config["temperature"] > 0.8
        assert trial.extra["functional_rate"] == (0.0 if buggy else 1.0)
        if buggy:
            assert trial.objectives == {"power": 2.0, "delay": 2.0, "area": 2.0} and not trial.feasible
    completions = (tmp_path / "gen" / "completions.jsonl").read_text().splitlines()
    assert len(completions) == 4 * 2 * 2
    for path in (tmp_path / "gen").rglob("*"):
        if path.is_file():
            assert b"sk-test-DO-NOT-LEAK-1234" not in path.read_bytes(), path

    # Export a generation configuration: templates and sampling settings go along, never the key.
    best = next(t for t in proposed if t.feasible)
    exported = subprocess.run([RTLBO, "export", str(tmp_path / "gen"), "--select", f"trial:{best.id}",
                               "--out", str(tmp_path / "best")], capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    config = yaml.safe_load((tmp_path / "best" / "config.yaml").read_text())
    assert config["generation"]["knobs"]["template"] == best.config["template"]
    assert (tmp_path / "best" / config["generation"]["template_file"]).is_file()
    reproduced = subprocess.run([RTLBO, "eval", "--config", str(tmp_path / "best"), "--no-cache"],
                                capture_output=True, text=True)
    assert reproduced.returncode == 0 and "exactly" in reproduced.stderr

    # The report shows the TuRTLe-style funnel per template and temperature.
    from optimize.report import build_report

    assert "Generation funnel (TuRTLe-style)" in build_report(Run.load(tmp_path / "gen")).read_text()

    # Replay: the same campaign offline, from the recorded completions (the server is gone).
    replay = {"backend": "replay", "base_url": generator["base_url"], "model": "double", "samples_per_task": 2,
              "replay_file": str(tmp_path / "gen" / "completions.jsonl")}
    again = subprocess.run([RTLBO, "run", str(campaign(tmp_path, "replayed", replay))], capture_output=True,
                           text=True, timeout=900)
    assert again.returncode == 0, again.stderr
    replayed = [t for t in Run.load(tmp_path / "replayed").trials if t.kind == "proposed"]
    assert [t.objectives for t in replayed] == [t.objectives for t in proposed]


def test_warm_start_scores_generated_trials_from_their_own_samples(tmp_path: Path):
    """An imported generation trial is scored from the RTL its generation knobs gave (the earlier
    run's recorded answers, evaluated in the cache), never from the task's reference RTL: with the
    synthesis knobs at the baseline flow's, the reference is in the cache and would score a buggy
    answer as the baseline itself."""
    with ScriptedChatServerDouble(scripted) as server:
        generator = {"backend": "openai", "base_url": server.base_url, "model": "double", "samples_per_task": 2}
        tasks = {"suite": "builtin", "select": ["mul8"]}
        first = subprocess.run([RTLBO, "run", str(campaign(tmp_path, "first", generator, 6, tasks=tasks,
                                                           space=["generation"]))],
                               capture_output=True, text=True, timeout=900)
        assert first.returncode == 0, first.stderr
        # Other objectives: the earlier run's own scores may not stand in, each trial is re-scored.
        path = campaign(tmp_path, "second", generator, 1, tasks=tasks, space=["generation"],
                        objectives=["power", "area"])
        second = subprocess.run([RTLBO, "run", str(path), "--warm-start", str(tmp_path / "first")],
                                capture_output=True, text=True, timeout=900)
        assert second.returncode == 0, second.stderr
    earlier = [t for t in Run.load(tmp_path / "first").trials if t.kind == TrialKind.PROPOSED]
    assert any(t.config["temperature"] > 0.8 for t in earlier), "the scripted server answers buggy RTL above 0.8"
    imported = [t for t in Run.load(tmp_path / "second").trials if t.kind == TrialKind.IMPORTED]
    assert f"imported {len(earlier)} trials" in second.stderr, second.stderr
    for before, after in zip(earlier, imported, strict=True):
        assert after.config == before.config
        assert (after.objectives, after.constraints, after.feasible) == (before.objectives, before.constraints,
                                                                         before.feasible)
        assert after.per_task["mul8"].sample == before.per_task["mul8"].sample


def test_generation_knobs_need_an_llm(tmp_path: Path):
    path = campaign(tmp_path, "nollm", {"backend": "reference"})
    done = subprocess.run([RTLBO, "run", str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "generation knob(s) exemplars, temperature, template, top_p need an LLM" \
        in done.stderr


def test_unknown_generator_key_is_one_line(tmp_path: Path):
    path = campaign(tmp_path, "badgen", {"backend": "openai", "base_ur": "http://127.0.0.1:1/v1"})
    done = subprocess.run([RTLBO, "run", str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "unknown key 'generator.base_ur'; did you mean 'base_url'?" in done.stderr


def test_cache_holds_completions_keyed_by_sampling(tmp_path: Path):
    cache = EvalCache(tmp_path / "c.sqlite")
    with ScriptedChatServerDouble(lambda body: Reply(ANSWERS["correct"])) as server:
        for temperature in (0.1, 0.1, 0.3):
            job = TrialJob({"temperature": temperature}, [SUITE["mul8"]], baseline("mul8"), str(cache.path),
                           settings(server))
            evaluate_config(job)
        assert len(server.requests) == 2
