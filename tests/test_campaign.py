"""Campaigns end to end with the real toolchain: every optimizer, resume after SIGKILL, the lock,
bad campaign files, and a campaign in which nothing is feasible."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from rich.console import Console

import optimize.loop as loop_module
from objectives.errors import RtlboError
from objectives.tasks import BUILTIN_DIR
from optimize.campaign import load_campaign
from optimize.executors import make_executor
from optimize.loop import run
from optimize.optimizers import Optimizer, Problem, make_optimizer
from optimize.optimizers.ax import AxOptions
from optimize.runs import Run
from optimize.spaces import packaged_space
from optimize.store import EXPLORATION, INITIAL_DRAW, INTERLEAVED, Store, TrialKind, TrialStatus
from search_spaces import build_space

RTLBO = str(Path(sys.executable).parent / "rtlbo")
QUIET = Console(file=open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the tests


def campaign_file(tmp_path: Path, **fields) -> Path:
    data = {
        "name": "t",
        "tasks": {"suite": "builtin", "select": ["mul8", "seqdet"]},
        "budget": {"trials": 4},
        "batch_size": 2,
        "executor": {"workers": 2},
        "optimizer": "sobol",
        "output": str(tmp_path / "run"),
    }
    data.update(fields)
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_small_campaign_stores_every_trial_with_artifacts(tmp_path: Path):
    (finished,) = run(campaign_file(tmp_path), resume=False, output=None, console=QUIET)
    trials, run_dir = finished.trials, tmp_path / "run"
    assert [t.kind for t in trials] == [TrialKind.BASELINE] + [TrialKind.PROPOSED] * 4
    assert [t.id for t in trials] == list(range(5))
    assert all(t.status == TrialStatus.COMPLETED for t in trials)
    assert trials[0].objectives == {"power": 1.0, "delay": 1.0, "area": 1.0}
    for trial in trials:
        for task in ("mul8", "seqdet"):
            folder = run_dir / "trials" / f"{trial.id:06d}" / task
            assert (folder / "netlist.v").is_file() and (folder / "evaluation.json").is_file()
        assert set(trial.constraints) == {"pass_rate", "gatesim_rate", "worst_slack"}
    campaign, _ = load_campaign(run_dir / "campaign.yaml")
    assert campaign.space == ["space/synthesis.yaml"] and (run_dir / "space" / "synthesis.yaml").is_file()
    status = subprocess.run([RTLBO, "status", str(run_dir)], capture_output=True, text=True)
    assert status.returncode == 0 and "4/4 trials proposed by sobol" in status.stdout
    assert "Hypervolume" in status.stdout and "(baseline flow)" in status.stdout


@pytest.mark.parametrize("optimizer", sorted(Optimizer.registry))
def test_every_optimizer_runs_through_the_same_loop(optimizer: str, tmp_path: Path):
    path = campaign_file(tmp_path, optimizer=optimizer, budget={"trials": 5}, batch_size=3,
                         tasks={"suite": "builtin", "select": ["seqdet"]})
    (finished,) = run(path, resume=False, output=None, console=QUIET)
    proposed = [t for t in finished.trials if t.kind == TrialKind.PROPOSED]
    assert sum(not t.repeats for t in proposed) == 5 and all(t.status == TrialStatus.COMPLETED for t in proposed)
    assert len({str(sorted(t.config.items())) for t in proposed}) >= 3, "proposals should differ"
    assert all(t.config == finished.space.effective(t.config) for t in proposed), "idle knobs run at their defaults"


SEQUENCE_SPACE = """
knobs:
  abc_recipe: {type: fixed, value: sequence}
  abc_sequence: {type: sequence, values: [balance, rewrite, refactor -z, resub, dc2], length: 4,
                 default: [balance, rewrite, refactor -z, balance]}
"""


@pytest.mark.parametrize("optimizer", sorted(Optimizer.registry))
def test_every_optimizer_proposes_sequences_that_the_tools_run(optimizer: str, tmp_path: Path):
    (tmp_path / "sequence.yaml").write_text(SEQUENCE_SPACE)
    path = campaign_file(tmp_path, optimizer=optimizer, budget={"trials": 4}, batch_size=2, space=["sequence.yaml"],
                         tasks={"suite": "builtin", "select": ["mul8"]})
    (finished,) = run(path, resume=False, output=None, console=QUIET)
    trials = finished.trials
    proposed = [t for t in trials if t.kind == TrialKind.PROPOSED]
    assert sum(not t.repeats for t in proposed) == 4 and all(t.status == TrialStatus.COMPLETED for t in proposed)
    assert all(finished.space.violations(t.config) == [] for t in proposed)
    assert len({tuple(t.config["abc_sequence"]) for t in proposed}) >= 3, "proposals should differ"
    netlists = {t.per_task["mul8"].netlist for t in trials}
    assert len(netlists) >= 3, "different sequences should give different netlists"


def _completed(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            query = "SELECT COUNT(*) FROM trials WHERE status='completed' AND kind='proposed'"
            return conn.execute(query).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_resume_after_sigkill_loses_nothing_and_repeats_nothing(tmp_path: Path):
    # Unscreened: the trials are the subject (a kill while screening is test_chaos's).
    path = campaign_file(tmp_path, budget={"trials": 8}, executor={"workers": 1}, batch_size=1,
                         tasks={"suite": "builtin", "select": ["mul8", "counter"]}, screening=False)
    run_dir = tmp_path / "run"
    process = subprocess.Popen([RTLBO, "run", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 300
    while _completed(run_dir / "trials.sqlite") < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    with Store(run_dir, readonly=True) as store:
        before = {t.id: t for t in store.trials() if t.status == TrialStatus.COMPLETED}
        pending_before = [t.id for t in store.trials() if t.status == TrialStatus.PENDING]
    assert len(before) >= 4  # the baseline and at least 3 proposals

    done = subprocess.run([RTLBO, "run", str(run_dir), "--resume"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with Store(run_dir, readonly=True) as store:
        after = store.trials()
    assert [t.id for t in after] == list(range(len(after)))
    assert sum(t.kind == TrialKind.PROPOSED for t in after) == 8
    assert not [t for t in after if t.status == TrialStatus.PENDING]
    for trial in after:
        if trial.id in before:  # completed before the kill: kept as they were, not evaluated again
            assert trial.objectives == before[trial.id].objectives and trial.config == before[trial.id].config
    assert all(any(t.id == p for t in after) for p in pending_before)
    finished = sqlite3.connect(run_dir / "trials.sqlite").execute(
        "SELECT id, finished FROM trials ORDER BY id").fetchall()
    resumed_at = min(f for i, f in finished if i not in before)
    assert all(f < resumed_at for i, f in finished if i in before), (finished, sorted(before), pending_before)


def test_second_process_on_a_run_directory_is_refused(tmp_path: Path):
    run(campaign_file(tmp_path, budget={"trials": 1}), resume=False, output=None, console=QUIET)
    with Store(tmp_path / "run"):
        done = subprocess.run([RTLBO, "run", str(tmp_path / "run"), "--resume"], capture_output=True, text=True)
    assert done.returncode == 2
    assert f"run directory {tmp_path / 'run'} is in use by pid {os.getpid()}" in done.stderr


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"budjet": {"trials": 3}}, r"unknown key 'budjet'; did you mean 'budget'\?"),
        ({"optimizer": "bayes"}, r"bad value for 'optimizer'"),
        ({"budget": {"trials": 0}}, r"bad value for 'budget.trials'"),
        ({"space": ["nope.yaml"]}, r"space file nope.yaml not found"),
        ({"tasks": {"suite": "builtin", "select": ["mul9"]}}, r"unknown task\(s\) mul9"),
        ({"objectives": ["power", "power"]}, r"list each of power, delay, area at most once"),
        ({"screening": -3}, r"bad value for 'screening': -3 is not true, false or a number of syntheses"),
    ],
)
def test_bad_campaign_files(tmp_path: Path, fields: dict, message: str):
    with pytest.raises(RtlboError, match=message):
        run(campaign_file(tmp_path, **fields), resume=False, output=None, console=QUIET)
    assert not (tmp_path / "run").exists(), "a bad campaign file must not leave a run directory behind"


def test_an_optimizer_that_cannot_model_the_space_is_refused_before_anything_is_written(tmp_path: Path):
    space = tmp_path / "pair.yaml"
    space.write_text(yaml.safe_dump({"knobs": {"abc_recipe": {"type": "fixed", "value": "sequence"},
                                               "abc_sequence": {"type": "sequence", "values": ["balance", "rewrite"],
                                                                "length": 3}}}))
    with pytest.raises(RtlboError, match="bad value for 'optimizer': sequence knob 'abc_sequence' has two values"):
        run(campaign_file(tmp_path, space=[str(space)], optimizer="ax"), resume=False, output=None, console=QUIET)
    assert not (tmp_path / "run").exists()


def test_optimizer_is_a_name_or_a_mapping_of_its_options_and_round_trips(tmp_path: Path):
    # A run directory of an earlier version: the device was a top-level field, null by default.
    campaign, _ = load_campaign(campaign_file(tmp_path, optimizer="ax", torch_device=None))
    assert campaign.optimizer == AxOptions(name="ax") and str(campaign.optimizer) == "ax"
    campaign, _ = load_campaign(campaign_file(tmp_path, optimizer={"name": "ax", "torch_device": "cpu"}))
    assert campaign.optimizer == AxOptions(name="ax", torch_device="cpu")
    campaign.dump(tmp_path / "as-run.yaml")
    assert yaml.safe_load((tmp_path / "as-run.yaml").read_text())["optimizer"] == {"name": "ax", "torch_device": "cpu",
                                                                              "sequence_kernel": "ssk",
                                                                              "random_share": 0.25}
    assert load_campaign(tmp_path / "as-run.yaml")[0] == campaign
    campaign, _ = load_campaign(campaign_file(tmp_path, optimizer="optuna-tpe"))
    space = build_space([("synthesis", packaged_space("synthesis"))])
    optimizer = make_optimizer(campaign.optimizer, Problem(space, ("area",), (), seed=0))
    assert type(optimizer) is Optimizer.registry["optuna-tpe"] and optimizer.options == campaign.optimizer


def test_existing_run_needs_resume(tmp_path: Path):
    path = campaign_file(tmp_path, budget={"trials": 1})
    run(path, resume=False, output=None, console=QUIET)
    with pytest.raises(RtlboError, match="already holds a campaign; continue it with"):
        run(path, resume=False, output=None, console=QUIET)
    with pytest.raises(RtlboError, match="is a run directory; add --resume"):
        run(tmp_path / "run", resume=False, output=None, console=QUIET)


def test_campaign_where_nothing_is_feasible_reports_why(tmp_path: Path):
    suite = tmp_path / "suite"
    shutil.copytree(BUILTIN_DIR / "mul8", suite / "mul8")
    toml = suite / "mul8" / "task.toml"
    toml.write_text(toml.read_text().replace("period_ns = 4.0", "period_ns = 0.5"))
    path = campaign_file(tmp_path, tasks={"suite": f"tasks:{suite}"}, budget={"trials": 3})
    done = subprocess.run([RTLBO, "run", str(path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "misses timing on mul8" in done.stderr
    assert "no feasible configuration yet" in done.stdout
    assert "violates worst_slack >= 0" in done.stdout


def test_a_flow_already_measured_does_not_count_toward_the_budget(tmp_path: Path):
    """Knobs that change nothing on the designs at hand give the netlists of an earlier trial: such a
    trial is recorded, told to the optimizer and not counted; a search that only repeats stops.
    (Without screening, which would pin those knobs before the search.)"""
    space = tmp_path / "idle.yaml"
    # seqdet (a sequence detector) has no multiplier, adder chain or sharable operator.
    space.write_text(yaml.safe_dump({"knobs": {"booth": {"type": "bool", "default": False},
                                               "arith_tree": {"type": "bool", "default": False},
                                               "share": {"type": "bool", "default": True}}}))
    path = campaign_file(tmp_path, space=[str(space)], optimizer="random", budget={"trials": 3}, screening=False,
                         tasks={"suite": "builtin", "select": ["seqdet"]})
    (finished,) = run(path, resume=False, output=None, console=QUIET)
    proposed = [t for t in finished.trials if t.kind == TrialKind.PROPOSED]
    assert proposed and all(t.repeats for t in proposed), "every flow equals the baseline's on seqdet"
    # It stops once as many repeats as the budget are known (the last batch may add a few more).
    assert 3 <= sum(t.repeats for t in proposed) < 3 + 4
    baseline = finished.baseline
    assert all(t.per_task["seqdet"].netlist == baseline.per_task["seqdet"].netlist for t in proposed)
    assert {t.extra.get("netlists_of") for t in proposed if "repeat_of" not in t.extra} == {baseline.id}

    space.write_text(yaml.safe_dump({"knobs": {
        "booth": {"type": "bool", "default": False},
        "abc_recipe": {"type": "choice", "values": ["yosys-default", "resyn2", "area", "speed"]}}}))
    path = campaign_file(tmp_path, space=[str(space)], optimizer="random", budget={"trials": 3}, screening=False,
                         output=str(tmp_path / "run2"), tasks={"suite": "builtin", "select": ["seqdet"]})
    (finished,) = run(path, resume=False, output=None, console=QUIET)
    counted = [t for t in finished.trials if t.kind == TrialKind.PROPOSED and not t.repeats]
    netlists = [t.per_task["seqdet"].netlist for t in [finished.baseline, *counted]]
    assert counted and len(set(netlists)) == len(netlists), "each counted trial measured new netlists"
    for trial in finished.trials:
        if "netlists_of" in trial.extra:
            first = finished.trial(trial.extra["netlists_of"])
            assert first.id < trial.id and first.per_task["seqdet"].netlist == trial.per_task["seqdet"].netlist


def test_a_proposal_already_measured_gets_a_new_flow_beside_it(tmp_path: Path, monkeypatch):
    """Where the optimizer proposes a configuration already measured, the campaign evaluates one no
    trial has measured instead of spending nothing (or the budget) on the repeat. The exploration
    takes its trial id after the whole batch is in the table: a kill between two inserts would
    otherwise leave a gap in the ids, which the replay refuses."""
    inserts, add_pending = [], Store.add_pending

    def recording(store: Store, trial_id: int, *args, **kwargs) -> None:
        inserts.append((trial_id, sorted(t.id for t in store.trials())))
        add_pending(store, trial_id, *args, **kwargs)

    monkeypatch.setattr(Store, "add_pending", recording)
    space = tmp_path / "recipes.yaml"
    space.write_text(yaml.safe_dump({"knobs": {
        "abc_recipe": {"type": "choice", "values": ["yosys-default", "resyn2", "area"]}}}))
    explored = 0
    for seed in range(5):
        path = campaign_file(tmp_path, space=[str(space)], optimizer="random", budget={"trials": 2}, seed=seed,
                             output=str(tmp_path / f"run{seed}"), tasks={"suite": "builtin", "select": ["mul8"]})
        (finished,) = run(path, resume=False, output=None, console=QUIET)
        measured = [t for t in finished.trials if "repeat_of" not in t.extra]
        recipes = [t.config["abc_recipe"] for t in measured]
        assert sorted(recipes) == ["area", "resyn2", "yosys-default"], "each flow measured once, all of them"
        for trial in finished.trials:
            if trial.source == EXPLORATION:
                explored += 1
                earlier = finished.trials[: trial.id]
                assert any("repeat_of" in t.extra for t in earlier), "explored only beside a repeated proposal"
                assert trial.config not in [t.config for t in earlier]
    assert explored, "the random optimizer repeats itself on three flows; exploration must have stepped in"
    assert all(ids == list(range(trial_id)) for trial_id, ids in inserts), inserts


def _seqdet_over_idle_knobs(tmp_path: Path, optimizer: str, budget: int) -> Run:
    """An unscreened campaign on seqdet, one trial at a time, over booth and share (which do nothing
    on it) and three recipes (two give new netlists)."""
    space = tmp_path / "mixed.yaml"
    space.write_text(yaml.safe_dump({"knobs": {
        "booth": {"type": "bool"}, "share": {"type": "bool"},
        "abc_recipe": {"type": "choice", "values": ["yosys-default", "resyn2", "area"]}}}))
    path = campaign_file(tmp_path, space=[str(space)], optimizer=optimizer, budget={"trials": budget},
                         screening=False, batch_size=1, executor={"workers": 1},
                         tasks={"suite": "builtin", "select": ["seqdet"]})
    (finished,) = run(path, resume=False, output=None, console=QUIET)
    return finished


def test_a_proposal_that_synthesizes_to_known_netlists_gets_a_new_flow_beside_it(tmp_path: Path):
    """booth and share do nothing on seqdet: without screening, proposals that differ in them only
    synthesize to known netlists, and each (while the budget lasts) gets a random new flow beside it."""
    finished = _seqdet_over_idle_knobs(tmp_path, "random", 2)
    proposed = [t for t in finished.trials if t.kind == TrialKind.PROPOSED]
    known = [t for t in proposed if "netlists_of" in t.extra and "repeat_of" not in t.extra]
    assert any(t.source != EXPLORATION for t in known), "the random search proposes a known netlist"
    for trial in known:
        if trial.source != EXPLORATION and sum(not t.repeats for t in proposed if t.id < trial.id) < 2:
            beside = finished.trials[trial.id + 1]  # one worker, one proposal at a time
            assert beside.source == EXPLORATION, f"trial {trial.id} repeated trial {trial.extra['netlists_of']}"
    assert sum(not t.repeats for t in proposed) == 2, "both recipes that change seqdet's netlist measured"


def test_the_default_optimizers_initial_draws_each_measure_a_new_flow(tmp_path: Path):
    """The default optimizer's initialization is drawn by the campaign, each draw probed by
    synthesis: booth and share do nothing on seqdet, so of this space's flows only the recipes give
    new netlists (the Yosys default's is the baseline's), and the draws measure those two and no
    repeat; once no draw gives a new netlist, the optimizer proposes."""
    finished = _seqdet_over_idle_knobs(tmp_path, "ax", 3)
    proposed = [t for t in finished.trials if t.kind == TrialKind.PROPOSED]
    drawn = [t for t in proposed if t.source == INITIAL_DRAW]
    assert [t.id for t in drawn] == [1, 2], [(t.id, t.source) for t in proposed]
    assert not [t for t in drawn if t.repeats]
    assert sorted(t.config["abc_recipe"] for t in drawn) == ["area", "resyn2"]
    assert [t.source for t in proposed[2:]] and {t.source for t in proposed[2:]} == {"ax"}
    assert all(t.repeats for t in proposed[2:]), "every flow of this space was measured"


def test_the_initial_draws_measure_the_space_s_branches_first(tmp_path: Path):
    """The canned flows (each recipe, at the defaults of the knobs it turns on) are the first initial
    draws, whatever the seed, so the campaign's best is never worse than the best of them; as many
    random draws as the optimizer asks for follow."""
    space = tmp_path / "branches.yaml"
    space.write_text(yaml.safe_dump({"knobs": {
        "booth": {"type": "bool"},
        "abc_recipe": {"type": "choice", "values": ["yosys-default", "resyn2", "area"]},
        "abc_delay_target": {"type": "float", "low": 0.0, "high": 1.5, "default": 0.0,
                             "active_when": {"abc_recipe": ["resyn2"]}}}}))
    for seed in range(3):
        with _seqdet_loop(tmp_path, space, seed) as (loop, draw):
            assert draw() and draw()
            drawn = [t.config for t in loop.store.trials()[1:]]
            assert drawn == [loop.setup.space.baseline() | {"abc_recipe": r} for r in ("resyn2", "area")], (seed, drawn)
            assert draw()
            assert loop.store.trials()[-1].config not in drawn, "after the branches, a random new flow"
            loop.optimizer.initial_draws = 2
            assert loop._initializing(), "the optimizer's own random draws follow the branches"
            loop.optimizer.initial_draws = 0
            assert not loop._initializing(), "an optimizer that asks for no initial draws gets none"


def test_branches_with_known_netlists_leave_the_random_draws_their_probes(tmp_path: Path, monkeypatch):
    """The mapping of an ABC sequence does nothing under the Yosys default's script: its branch (the
    first) synthesizes to the baseline's netlist and is passed over without using up a probe, so
    the recipe's branch runs next even where a draw may probe only once."""
    monkeypatch.setattr(loop_module, "EXPLORATION_PROBES", 1)
    space = tmp_path / "known_branch.yaml"
    space.write_text(yaml.safe_dump({"knobs": {
        "abc_mapping": {"type": "choice", "values": ["map", "dch-map"]},
        "buffering": {"type": "bool", "default": True, "active_when": {"abc_mapping": ["dch-map"]}},
        "abc_recipe": {"type": "choice", "values": ["yosys-default", "resyn2"]},
        "abc_delay_target": {"type": "float", "low": 0.0, "high": 1.5, "default": 0.0,
                             "active_when": {"abc_recipe": ["resyn2"]}}}}))
    with _seqdet_loop(tmp_path, space, 0) as (loop, draw):
        assert draw(), "the mapping's branch gives known netlists: resyn2's runs"
        assert loop.store.trials()[-1].config == loop.setup.space.baseline() | {"abc_recipe": "resyn2"}


def test_random_draws_keep_the_optimizer_s_share_between_its_proposals(tmp_path: Path):
    """After the initialization, the next trial is drawn at random whenever fewer than the
    optimizer's ``random_share`` of the later trials (the next counted) were; draws beside known
    proposals count toward it."""
    space = tmp_path / "interleaved.yaml"
    space.write_text(yaml.safe_dump({"knobs": {
        "booth": {"type": "bool"},
        "abc_recipe": {"type": "choice", "values": ["yosys-default", "resyn2", "area", "speed"]}}}))
    with _seqdet_loop(tmp_path, space, 0) as (loop, draw):
        assert loop.optimizer.random_share == AxOptions(name="ax").random_share > 0, "the default optimizer draws"
        loop.optimizer.initial_draws, loop.optimizer.random_share = 0, 0.5
        assert not loop._initializing() and not loop._interleaving(), "a first proposal is the optimizer's"
        config = loop.setup.space.baseline() | {"abc_recipe": "resyn2"}
        loop.store.add_pending(loop._attach(config, proposed=False), TrialKind.PROPOSED, config, "ax")
        assert loop._interleaving(), "one proposal in two: the next trial is drawn"
        assert draw(INTERLEAVED) and loop.store.trials()[-1].source == INTERLEAVED
        assert not loop._interleaving(), "one of two drawn: the share is kept"
        loop.optimizer.random_share = 0.7
        assert loop._interleaving(), "two of three must be drawn"
        assert draw(EXPLORATION) and not loop._interleaving(), "a draw beside a known proposal counts"
        loop.optimizer.random_share = 0.0
        assert not loop._interleaving()


def test_no_exploration_runs_where_every_probe_repeats_a_netlist(tmp_path: Path):
    """booth and share do nothing on seqdet: every flow of this space synthesizes to the baseline's
    netlist, so each random draw is probed and none runs; the campaign stops at the repeat cap."""
    space = tmp_path / "idle.yaml"
    space.write_text(yaml.safe_dump({"knobs": {"booth": {"type": "bool"}, "share": {"type": "bool"}}}))
    path = campaign_file(tmp_path, space=[str(space)], optimizer="random", budget={"trials": 2}, screening=False,
                         batch_size=1, executor={"workers": 1}, tasks={"suite": "builtin", "select": ["seqdet"]})
    (finished,) = run(path, resume=False, output=None, console=QUIET)
    proposed = [t for t in finished.trials if t.kind == TrialKind.PROPOSED]
    assert proposed and all(t.repeats for t in proposed), [t.extra for t in proposed]
    assert not [t for t in proposed if t.source == EXPLORATION], "an exploration ran a netlist its probe knew"


def _adder32_over_idle_knobs(tmp_path: Path, optimizer: str, budget: int, toggle: str) -> Run:
    """An unscreened campaign on adder32, one trial at a time, over booth, share and the FSM
    encoding (which do nothing on it), the bool ``toggle`` and five recipes."""
    space = tmp_path / "mixed.yaml"
    space.write_text(yaml.safe_dump({"knobs": {
        "booth": {"type": "bool"}, "share": {"type": "bool"}, toggle: {"type": "bool"},
        "fsm_encoding": {"type": "choice", "values": ["auto", "binary", "one-hot"]},
        "abc_recipe": {"type": "choice", "values": ["yosys-default", "resyn2", "area", "speed", "compress2rs"]}}}))
    path = campaign_file(tmp_path, space=[str(space)], optimizer=optimizer, budget={"trials": budget},
                         screening=False, batch_size=1, executor={"workers": 1},
                         tasks={"suite": "builtin", "select": ["adder32"]})
    (finished,) = run(path, resume=False, output=None, console=QUIET)
    return finished


def test_an_exploration_runs_a_flow_whose_netlists_are_new(tmp_path: Path, monkeypatch):
    """The random configuration beside a known flow is synthesized first: of the draws no trial
    measured, the one whose netlists are new runs (booth, share, retime and the FSM encoding do
    nothing on adder32: most draws differ from measured flows in them only)."""
    monkeypatch.setattr(loop_module, "EXPLORATION_PROBES", 64)
    finished = _adder32_over_idle_knobs(tmp_path, "random", 3, "retime")
    explored = [t for t in finished.trials if t.source == EXPLORATION]
    assert explored, "the random search proposes known flows, and each gets an exploration beside it"
    for trial in explored:
        earlier = {t.per_task["adder32"].netlist for t in finished.trials if t.id < trial.id and t.per_task}
        assert trial.per_task["adder32"].netlist not in earlier, (trial.id, trial.config)


def test_a_flow_beside_candidates_passed_over_never_runs_past_the_budget(tmp_path: Path):
    """booth and share do nothing on adder32: the default optimizer's candidates often differ from
    measured flows in them only, and give way to runners-up; a random new flow runs beside such a
    batch while the budget lasts, and not past it (at seed 0 the last proposal passed over some)."""
    finished = _adder32_over_idle_knobs(tmp_path, "ax", 7, "gate_sizing")
    proposed = [t for t in finished.trials if t.kind == TrialKind.PROPOSED]
    assert sum(not t.repeats for t in proposed) == 7, [(t.id, t.source, t.repeats) for t in proposed]
    assert proposed[-1].source == "ax" and proposed[-1].extra.get("candidates_passed_over")
    assert any(t.source == EXPLORATION for t in proposed), "a flow beside a batch that passed over candidates"


def test_a_candidate_whose_netlists_a_batch_mate_gives_is_known(tmp_path: Path):
    """Ax makes a batch one candidate at a time: a later candidate that synthesizes to an earlier
    one's netlists (booth does nothing on seqdet) is a known flow, or the batch repeats it."""
    space = tmp_path / "mixed.yaml"
    space.write_text(yaml.safe_dump({"knobs": {
        "booth": {"type": "bool"}, "abc_recipe": {"type": "choice", "values": ["yosys-default", "resyn2"]}}}))
    path = campaign_file(tmp_path, space=[str(space)], optimizer="ax", screening=False,
                         tasks={"suite": "builtin", "select": ["seqdet"]})
    setup = loop_module.Setup.open(loop_module.create_run(path))
    executor = make_executor("local", 1, 0, None, None)
    try:
        loop = loop_module.CampaignLoop(setup, QUIET)
        loop._baseline(executor)
        assert loop.optimizer.known_flow is not None
        assert not loop.optimizer.known_flow({"booth": False, "abc_recipe": "resyn2"})
        assert loop.optimizer.known_flow({"booth": True, "abc_recipe": "resyn2"})
        assert loop.optimizer.known_flow({"booth": True, "abc_recipe": "yosys-default"}), "the baseline's"
    finally:
        executor.cancel()
        setup.store.close()


def test_an_output_under_home_is_written_there_not_in_a_folder_named_tilde():
    from optimize.campaign import Campaign

    assert Campaign(name="t", output="~/runs/t").run_dir() == Path.home() / "runs" / "t"


def test_an_optimizer_with_nothing_to_propose_while_trials_run_is_asked_again_once_they_finish(tmp_path: Path):
    """NSGA-II proposes a generation of 12 and proposes nothing more until all 12 are told: a worker
    freed while the generation's last member runs must wait for it, not end the campaign."""
    path = campaign_file(tmp_path, optimizer="pymoo-nsga2", budget={"trials": 14}, screening=False,
                         tasks={"suite": "builtin", "select": ["counter"]}, cache=str(tmp_path / "cache.sqlite"))
    run(path, resume=False, output=None, console=QUIET)
    proposed = [t for t in Run.load(tmp_path / "run").trials if t.kind == TrialKind.PROPOSED]
    assert len(proposed) - sum(t.repeats for t in proposed) == 14


def test_a_draw_made_while_another_runs_is_probed_against_its_netlists(tmp_path: Path):
    """Two workers: the second initial draw is made while the first runs, and must not repeat the
    netlist the first was probed to (booth and share do nothing on seqdet; two recipes give new
    netlists). Seeds where the two draws pick the same recipe would otherwise both run it."""
    space = tmp_path / "mixed.yaml"
    space.write_text(yaml.safe_dump({"knobs": {
        "booth": {"type": "bool"}, "share": {"type": "bool"},
        "abc_recipe": {"type": "choice", "values": ["yosys-default", "resyn2", "area"]}}}))
    for seed in range(4):
        with _seqdet_loop(tmp_path, space, seed) as (loop, draw):
            assert draw() and draw()
            first, second = (t.config["abc_recipe"] for t in loop.store.trials()[1:])
            assert {first, second} == {"resyn2", "area"}, (seed, first, second)


@contextmanager
def _seqdet_loop(tmp_path: Path, space: Path, seed: int) -> Iterator[tuple[loop_module.CampaignLoop, Callable]]:
    """A new unscreened campaign on seqdet over ``space`` with the default optimizer and two workers,
    its baseline measured: its loop, and a call that makes one random draw, an initial one unless
    another source is given (whether one runs)."""
    path = campaign_file(tmp_path, space=[str(space)], optimizer="ax", seed=seed, screening=False,
                         output=str(tmp_path / f"run{seed}"), tasks={"suite": "builtin", "select": ["seqdet"]})
    setup = loop_module.Setup.open(loop_module.create_run(path))
    executor = make_executor("local", 2, 0, None, None)
    try:
        loop = loop_module.CampaignLoop(setup, QUIET)
        baseline = loop._baseline(executor)
        yield loop, lambda source=INITIAL_DRAW: loop._explore(executor, baseline, source)
    finally:
        executor.cancel()
        setup.store.close()
