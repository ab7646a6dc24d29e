"""Executors with real worker processes and a real Ray cluster on loopback."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from objectives.suites import load_suite
from objectives.trial import TrialJob
from optimize.executors import LocalExecutor
from optimize.runs import Run
from optimize.store import TrialKind, TrialStatus

RTLBO = str(Path(sys.executable).parent / "rtlbo")
RAY = str(Path(sys.executable).parent / "ray")
MUL8 = load_suite("builtin").select(["mul8"])


def job() -> TrialJob:
    return TrialJob({}, MUL8, {}, None)  # no cache: a real, second-long evaluation


def wait_all(executor: LocalExecutor, timeout: float = 120) -> list:
    done, deadline = [], time.monotonic() + timeout
    while executor.outstanding and time.monotonic() < deadline:
        done += executor.wait(timeout=1.0)
    return done


def kill_when_running(executor: LocalExecutor) -> None:
    time.sleep(0.3)
    ((process, _, _),) = executor._active.values()
    os.kill(process.pid, signal.SIGKILL)


def test_a_killed_worker_fails_only_its_trial():
    executor = LocalExecutor(workers=2, retries=0)
    executor.submit(1, job())
    kill_when_running(executor)
    executor.submit(2, job())
    done = {c.trial_id: c for c in wait_all(executor)}
    assert done[1].result is None and done[1].error == "worker process died (killed by SIGKILL)"
    assert done[2].result is not None and done[2].result.evaluations[0].feasible


def test_a_killed_worker_is_retried_once():
    executor = LocalExecutor(workers=1, retries=1)
    executor.submit(7, job())
    kill_when_running(executor)
    (completed,) = wait_all(executor)
    assert completed.trial_id == 7 and completed.result is not None


DRIVER_SCRIPT = """
import pathlib, sys
with open(sys.argv[1], "a") as log:
    log.write("imported\\n")  # module level: runs again wherever this script is re-imported
if __name__ == "__main__":
    from objectives.suites import load_suite
    from objectives.trial import TrialJob
    from optimize.executors import LocalExecutor
    executor = LocalExecutor(workers=2)
    for trial_id in (1, 2):
        executor.submit(trial_id, TrialJob({}, load_suite("builtin").select(["counter"]), {}, None))
    done = []
    while executor.outstanding:
        done += executor.wait(timeout=1.0)
    assert all(c.result is not None for c in done), [c.error for c in done]
    print(sys.modules["__main__"].__file__)
"""


def test_workers_do_not_rerun_the_main_script(tmp_path: Path):
    """A script driving a campaign imports torch at the top; running it again in every worker
    cost seconds per trial."""
    script, log = tmp_path / "driver.py", tmp_path / "imports.log"
    script.write_text(DRIVER_SCRIPT)
    out = subprocess.run([sys.executable, str(script), str(log)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(script)  # the driver's own __main__ is intact afterwards
    assert log.read_text() == "imported\n"


def campaign(tmp_path: Path, name: str, executor: dict, budget: int = 6, screening: bool = False) -> Path:
    """A campaign file for ``executor``; unscreened unless asked (screening synthesizes in the
    campaign's own process, on no executor, and the executor is the subject here)."""
    data = {"name": name, "tasks": {"suite": "builtin", "select": ["mul8", "seqdet"]}, "budget": {"trials": budget},
            "batch_size": 2, "optimizer": "sobol", "seed": 3, "executor": executor, "screening": screening,
            "output": str(tmp_path / name), "cache": str(tmp_path / f"{name}-cache.sqlite")}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_cluster():
    """A Ray head on loopback with token authentication; yields (address, environment for clients)."""
    port = free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN": secrets.token_hex(16)}
    subprocess.run([RAY, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
                    "--include-dashboard=false", "--disable-usage-stats"], check=True, capture_output=True, env=env,
                   timeout=180)
    yield f"127.0.0.1:{port}", env
    subprocess.run([RAY, "stop", "--force"], capture_output=True, timeout=120, env=env)


def test_local_and_ray_give_identical_trials(tmp_path: Path, ray_cluster):
    address, env = ray_cluster
    runs = {}
    for name, executor in (("local", {"kind": "local", "workers": 2}),
                           ("ray", {"kind": "ray", "workers": 2, "address": address})):
        done = subprocess.run([RTLBO, "run", str(campaign(tmp_path, name, executor))], capture_output=True,
                              text=True, timeout=900, env=env)
        assert done.returncode == 0, done.stderr
        runs[name] = Run.load(tmp_path / name).trials
    summary = {name: [(t.id, t.kind, t.config, t.objectives, t.constraints, t.feasible) for t in trials]
               for name, trials in runs.items()}
    assert summary["local"] == summary["ray"]
    assert sum(t.kind == TrialKind.PROPOSED for t in runs["ray"]) == 6
    # Results travelled back: the driver owns the artifacts and its cache got every evaluation.
    assert (tmp_path / "ray" / "trials" / "000003" / "mul8" / "netlist.v").is_file()
    from objectives.cache import EvalCache

    assert len(EvalCache(tmp_path / "ray-cache.sqlite")) >= len(EvalCache(tmp_path / "local-cache.sqlite")) - 2


def test_unreachable_ray_address_is_a_clear_error_before_any_synthesis(tmp_path: Path):
    path = campaign(tmp_path, "nowhere", {"kind": "ray", "address": f"127.0.0.1:{free_port()}"}, screening=True)
    done = subprocess.run([RTLBO, "run", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "cannot reach the Ray cluster at '127.0.0.1:" in done.stderr and "ray start --head" in done.stderr
    # Told before the campaign screens its knobs: nothing was synthesized for a campaign that cannot run.
    assert "screening" not in done.stderr


def test_ctrl_c_stops_cleanly_and_resume_finishes(tmp_path: Path):
    # Enough trials that the interrupt lands mid-campaign even on a loaded machine.
    path = campaign(tmp_path, "interrupted", {"kind": "local", "workers": 2}, budget=16)
    # Default SIGINT in the child: a test run started in the background inherits it ignored.
    process = subprocess.Popen([RTLBO, "run", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    run_dir = tmp_path / "interrupted"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if (run_dir / "trials.sqlite").exists() and sum(
                t.status == TrialStatus.COMPLETED and t.kind == TrialKind.PROPOSED
                for t in Run.load(run_dir).trials) >= 2:
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "interrupted" in stderr
    trials = Run.load(run_dir).trials
    assert sum(t.status == TrialStatus.COMPLETED and t.kind == TrialKind.PROPOSED for t in trials) >= 2
    leftovers = subprocess.run(["pgrep", "-f", str(run_dir)], capture_output=True, text=True).stdout.split()
    assert leftovers == []
    resumed = subprocess.run([RTLBO, "run", str(run_dir), "--resume"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    final = Run.load(run_dir).trials
    assert sum(t.kind == TrialKind.PROPOSED for t in final) == 16
    assert not [t for t in final if t.status == TrialStatus.PENDING]
