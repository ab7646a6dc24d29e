"""Crash-proof campaigns: kill -9 at random moments (Sobol and Ax campaigns, including during the
first acquisition), then start again until done. Completed trials stay as they were, no
configuration is evaluated twice, no process or temporary directory outlives a killed campaign,
nothing hangs (every start is bounded in time), and no C++ kernel is compiled at run time (a
stale torch-extensions lock is ignored). Also Ctrl-C sent to the whole process group.

The kill moments are random; a failure message names the seed (rerun with RTLBO_CHAOS_SEED).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path

import pytest
import yaml

from optimize.store import Store, TrialKind, TrialStatus

RTLBO = str(Path(sys.executable).parent / "rtlbo")
SEED = int(os.environ.get("RTLBO_CHAOS_SEED", random.SystemRandom().randrange(10**6)))
RUN_LIMIT_S = 300  # no start of a campaign may take longer (a hang fails the test)
GONE_LIMIT_S = 30  # a killed campaign's workers and tools must be gone by then


class Campaign:
    """A campaign run as a user runs it, in a private temporary folder, with a tag in its
    environment to find every process it started."""

    def __init__(self, tmp_path: Path, **fields):
        self.root = tmp_path
        # A short temporary folder: multiprocessing's forkserver binds a Unix socket inside it, and
        # a socket's path may not pass 107 bytes (a deep pytest folder, as under xdist, would).
        self.tmp = Path(tempfile.mkdtemp(prefix="chaos-"))
        weakref.finalize(self, shutil.rmtree, self.tmp, True)
        self.run_dir = tmp_path / "run"
        self.tag = f"rtlbo-chaos-{os.getpid()}-{tmp_path.name}"
        data = {"name": "chaos", "tasks": {"suite": "builtin", "select": ["adder32"]}, "budget": {"trials": 6},
                "batch_size": 2, "executor": {"workers": 2}, "optimizer": "sobol", "output": str(self.run_dir),
                "cache": str(tmp_path / "cache.sqlite"), **fields}
        self.file = tmp_path / "campaign.yaml"
        self.file.write_text(yaml.safe_dump(data))
        extensions = tmp_path / "torch_extensions"
        self.env = {**os.environ, "TMPDIR": str(self.tmp), "RTLBO_CHAOS_TAG": self.tag,
                    "TORCH_EXTENSIONS_DIR": str(extensions)}
        # A build lock left by a process killed while compiling BoTorch's fused kernel: a campaign
        # that tried to compile would wait on it forever.
        for build in ("logei_fused_ext", "py311_cpu/logei_fused_ext"):
            (extensions / build).mkdir(parents=True)
            (extensions / build / "lock").write_text("")

    def start(self) -> subprocess.Popen:
        """Start the campaign, or resume it once it has a trial table."""
        args = [str(self.run_dir), "--resume"] if (self.run_dir / "trials.sqlite").exists() else [str(self.file)]
        return subprocess.Popen([RTLBO, "run", *args], env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)

    def trials(self) -> dict[int, dict]:
        """Return the trial table's rows by id (empty before it exists)."""
        if not (self.run_dir / "trials.sqlite").exists():
            return {}
        with Store(self.run_dir, readonly=True) as store:  # also checks the table is not damaged
            return {t.id: {"status": t.status, "kind": t.kind, "config": t.config, "objectives": t.objectives,
                           "per_task": t.per_task, "extra": t.extra} for t in store.trials()}

    def finished_at(self) -> dict[int, float]:
        with sqlite3.connect(f"file:{self.run_dir / 'trials.sqlite'}?mode=ro", uri=True) as db:
            return dict(db.execute("SELECT id, finished FROM trials WHERE status != 'pending'").fetchall())

    def processes(self) -> list[str]:
        """Return the processes this campaign started that are alive: tagged in their environment
        (workers, the forkserver), or working in its temporary folder (tools, whose environment is
        scrubbed)."""
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                environ = (proc / "environ").read_bytes()
                cwd = os.readlink(proc / "cwd")
                state = next(line for line in (proc / "status").read_text().splitlines() if line.startswith("State"))
            except (OSError, StopIteration):
                continue
            if "Z" not in state and (self.tag.encode() in environ or cwd.startswith(str(self.tmp))):
                found.append(f"{proc.name}: {(proc / 'cmdline').read_bytes()[:120]!r}")
        return found

    def tools_running(self) -> bool:
        """Whether a tool runs for this campaign now (a worker is in the middle of a trial)."""
        return any(cwd.startswith(str(self.tmp)) for cwd in _cwds())

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the campaign process (only it, as the OOM killer or a crash would), then wait
        until everything it started is gone."""
        process.kill()
        process.wait()
        process.stderr.close()
        deadline = time.monotonic() + GONE_LIMIT_S
        while (left := self.processes()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"processes outlived the killed campaign (seed {SEED}): {left}"

    def finish(self) -> list[dict]:
        """Run the campaign to its end; return its trials in id order."""
        process = self.start()
        _, stderr = process.communicate(timeout=RUN_LIMIT_S)
        assert process.returncode == 0, stderr
        assert not self.processes()
        return [row for _, row in sorted(self.trials().items())]


def _cwds() -> list[str]:
    """Return the working folders of the processes on this machine (those that can be read)."""
    found = []
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours
            found.append(os.readlink(proc / "cwd")) if proc.name.isdigit() else None
    return found


def wait_for(condition, process: subprocess.Popen, limit_s: float = RUN_LIMIT_S) -> bool:
    """Poll ``condition`` until it holds (True) or the campaign ends or the limit passes."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and process.poll() is None:
        if condition():
            return True
        time.sleep(0.1)
    return False


def check_resumed(campaign: Campaign, completed: dict[int, dict], finished: dict[int, float],
                  trials: list[dict], budget: int) -> None:
    """The properties every campaign killed and resumed must have."""
    repeats = ("repeat_of", "netlists_of")  # an earlier flow again: not counted toward the budget
    assert sum(t["kind"] == TrialKind.PROPOSED and not any(r in t["extra"] for r in repeats) for t in trials) == budget
    assert all(t["status"] != TrialStatus.PENDING for t in trials)
    for trial_id, before in completed.items():  # as they were when the campaign was killed
        assert trials[trial_id] == before, f"trial {trial_id} changed (seed {SEED})"
    final_finished = campaign.finished_at()
    assert all(final_finished[i] == at for i, at in finished.items()), f"a trial was evaluated twice (seed {SEED})"
    evaluated = [json.dumps(t["config"], sort_keys=True) for t in trials if "repeat_of" not in t["extra"]]
    assert len(evaluated) == len(set(evaluated)), f"a configuration was evaluated twice (seed {SEED})"
    for t in trials:
        if "repeat_of" in t["extra"]:  # the same configuration, or one inside a range of a number that changed nothing
            first = trials[t["extra"]["repeat_of"]]["config"]
            differ = [name for name, value in t["config"].items() if first[name] != value]
            assert not differ or (len(differ) == 1 and isinstance(first[differ[0]], float)), (t["config"], first)
    assert sorted(campaign.tmp.iterdir()) == [], "temporary directories were left behind"
    assert not [p for p in (campaign.root / "torch_extensions").rglob("*") if p.name != "lock" and p.is_file()], \
        "a C++ kernel was compiled at run time"


def kill_and_resume(campaign: Campaign, delays: list[float]) -> tuple[dict[int, dict], dict[int, float]]:
    """Start the campaign and SIGKILL it after each delay (seconds from its start); return the
    trials completed when it was last killed and when they finished."""
    completed: dict[int, dict] = {}
    for delay in delays:
        process = campaign.start()
        try:
            process.wait(timeout=delay)
            assert process.returncode == 0, process.stderr.read()
            break  # it finished before the kill
        except subprocess.TimeoutExpired:
            campaign.kill(process)
        completed = {i: t for i, t in campaign.trials().items() if t["status"] == TrialStatus.COMPLETED}
    return completed, campaign.finished_at() if completed else {}


def test_sobol_campaign_survives_kills_at_random_moments(tmp_path: Path):
    rng = random.Random(SEED)
    campaign = Campaign(tmp_path)
    completed, finished = kill_and_resume(campaign, [rng.uniform(0.5, 8.0) for _ in range(5)])
    check_resumed(campaign, completed, finished, campaign.finish(), budget=6)


def test_ax_campaign_survives_kills_including_the_first_acquisition(tmp_path: Path):
    rng = random.Random(SEED)
    campaign = Campaign(tmp_path, optimizer="ax", budget={"trials": 7})
    # First: kill while the first BoTorch proposal is computed (5 trials in the table are Ax's
    # initialization for this budget; once the baseline and 3 of the 4 others are done, the
    # campaign asks for the next one: the first acquisition).
    process = campaign.start()
    in_acquisition = wait_for(lambda: len(campaign.trials()) == 5 and sum(
        t["status"] == TrialStatus.COMPLETED for t in campaign.trials().values()) >= 4, process)
    assert in_acquisition or process.returncode == 0, f"the campaign never reached its first acquisition ({SEED})"
    time.sleep(rng.uniform(0.0, 2.0))
    campaign.kill(process)
    completed, finished = kill_and_resume(campaign, [rng.uniform(2.0, 15.0) for _ in range(2)])
    if not completed:
        completed = {i: t for i, t in campaign.trials().items() if t["status"] == TrialStatus.COMPLETED}
        finished = campaign.finished_at()
    check_resumed(campaign, completed, finished, campaign.finish(), budget=7)


def test_ctrl_c_in_a_terminal_prints_one_line(tmp_path: Path):
    campaign = Campaign(tmp_path, budget={"trials": 12}, batch_size=2, screening=False)  # the trials are interrupted
    # A terminal sends SIGINT to the whole foreground process group; default SIGINT in the child
    # (a test run in the background inherits it ignored).
    process = subprocess.Popen([RTLBO, "run", str(campaign.file)], env=campaign.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert wait_for(lambda: sum(t["status"] == TrialStatus.COMPLETED for t in campaign.trials().values()) >= 2
                    and campaign.tools_running(), process)
    os.killpg(process.pid, signal.SIGINT)  # workers in the middle of a trial get it too
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    said = [line for line in stderr.splitlines() if "interrupted" in line]
    assert len(said) == 1 and f"rtlbo run {campaign.run_dir} --resume" in said[0], stderr
    assert not campaign.processes()


@pytest.mark.parametrize("optimizer", ["optuna-tpe", "pymoo-nsga2"])
def test_resume_repeats_no_configuration_with_other_optimizers(optimizer: str, tmp_path: Path):
    campaign = Campaign(tmp_path, optimizer=optimizer, budget={"trials": 6})
    process = campaign.start()
    wait_for(lambda: sum(t["status"] == TrialStatus.COMPLETED and t["kind"] == TrialKind.PROPOSED
                         for t in campaign.trials().values()) >= 3, process)
    campaign.kill(process)
    completed = {i: t for i, t in campaign.trials().items() if t["status"] == TrialStatus.COMPLETED}
    check_resumed(campaign, completed, campaign.finished_at(), campaign.finish(), budget=6)


WORKER = """
import sys
from objectives.suites import load_suite
from objectives.trial import TrialJob
from optimize.executors import LocalExecutor
executor = LocalExecutor(workers=1, retries=0)
tasks = load_suite("builtin").select(["mul16", "pipemul", "fir4", "barrel", "gcd"])
executor.submit(0, TrialJob({}, tasks, {}, None))  # no cache: several seconds of real tool runs
((process, _, _),) = executor._active.values()
print(process.pid, flush=True)
done = []
while not done:
    done = executor.wait(timeout=1.0)
print("result", "ok" if done[0].result else done[0].error, flush=True)
"""


def start_worker(campaign: Campaign) -> tuple[subprocess.Popen, int]:
    """Start a process that runs one long trial on a LocalExecutor; return it and its worker's pid,
    once the worker runs a tool."""
    process = subprocess.Popen([sys.executable, "-c", WORKER], env=campaign.env, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    worker = int(process.stdout.readline())
    assert wait_for(campaign.tools_running, process, limit_s=120), process.stderr.read()
    return process, worker


def test_a_worker_and_its_tools_die_with_the_campaign_at_once(tmp_path: Path):
    campaign = Campaign(tmp_path)
    process, _ = start_worker(campaign)
    killed = time.monotonic()
    campaign.kill(process)
    assert time.monotonic() - killed < 4.0, "the worker went on with its trial after the campaign died"
    assert not [p for p in campaign.tmp.iterdir() if p.name.startswith("rtlbo-")], "scratch directory left"


def test_a_worker_leaves_ctrl_c_to_the_campaign(tmp_path: Path):
    campaign = Campaign(tmp_path)
    process, worker = start_worker(campaign)
    os.kill(worker, signal.SIGINT)  # as a terminal's Ctrl-C reaches every process of the group
    out, err = process.communicate(timeout=RUN_LIMIT_S)
    assert out.strip() == "result ok" and "Traceback" not in err, (out, err)


def test_a_repeated_configuration_is_not_evaluated_again(tmp_path: Path):
    """A space of two configurations and four proposals: every proposal but the first new one is
    a repeat that shares its first trial's outcome and artifacts, and can be exported."""
    (tmp_path / "space.yaml").write_text("knobs:\n  booth: {type: bool, default: false}\n")
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump({"name": "repeats", "tasks": {"suite": "builtin", "select": ["mul8"]},
                                    "space": ["space.yaml"], "budget": {"trials": 4}, "batch_size": 2,
                                    "optimizer": "random", "output": str(tmp_path / "run")}))
    done = subprocess.run([RTLBO, "run", str(path)], capture_output=True, text=True, timeout=RUN_LIMIT_S)
    assert done.returncode == 0, done.stderr
    with Store(tmp_path / "run", readonly=True) as store:
        trials = store.trials()
    first = [t for t in trials if "repeat_of" not in t.extra]
    assert sorted(json.dumps(t.config) for t in first) == sorted({json.dumps(t.config) for t in trials})
    repeats = [t for t in trials if "repeat_of" in t.extra]
    assert len(repeats) == len(trials) - len(first) >= 2
    for trial in repeats:
        original = trials[trial.measured_by]
        assert (trial.config, trial.objectives, trial.per_task) == (original.config, original.objectives,
                                                                    original.per_task)
        assert not (tmp_path / "run" / "trials" / f"{trial.id:06d}").exists()
    out = tmp_path / "export"
    done = subprocess.run([RTLBO, "export", str(tmp_path / "run"), "--out", str(out), "--select",
                           f"trial:{repeats[-1].id}"], capture_output=True, text=True, timeout=RUN_LIMIT_S)
    assert done.returncode == 0 and (out / "mul8" / "netlist.v").is_file(), done.stderr


def test_the_temporary_folder_is_found_without_a_probe_file(tmp_path: Path):
    """Python writes a probe file into the temporary folder on its first use, and a process killed
    then leaves it behind (a kill during screening did): rtlbo's processes take the folder the
    environment names instead, so that Python never probes."""
    probe = "import objectives, tempfile; print(tempfile.tempdir)"
    done = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "TMPDIR": str(tmp_path)},
                          capture_output=True, text=True)
    assert done.stdout.strip() == str(tmp_path)
