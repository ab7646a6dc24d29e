"""Scoring recorded completions as LLM-for-RTL leaderboards do: any model's answers, read from a
folder or a JSONL file, go through the same extraction and cascade as a generation campaign's
candidates and are counted into the TuRTLe-style funnel, pass@k and PPA against each task's reference.

Answers are read from:

- a folder with one folder per sample, each holding one file per task named after it
  (``t1/adder_8bit.v``, RTLLM's own layout);
- files named ``<task>_sample<N>`` anywhere below a folder (VerilogEval's build layout);
- a JSONL file, one answer a line: ``task`` (or ``task_id``), ``text`` (or ``completion``), and
  optionally ``sample`` and ``finish_reason``. A generation campaign's ``completions.jsonl`` is one
  (its repeated requests, same ``key``, count once).

Answer files end in .v, .sv, .txt or .md. A task that has no answer in some sample counts that
sample as failed, as a leaderboard does.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from objectives.cache import EvalCache
from objectives.errors import RtlboError
from objectives.files import read_text
from objectives.generate import Candidate, candidate_from
from objectives.llm import Completion
from objectives.recipe import Recipe
from objectives.results import Evaluation
from objectives.scoring import ScoreMode, pass_at_k, score, stage_counts
from objectives.tasks import Task
from objectives.trial import evaluate_candidate

MAX_SAMPLES_BYTES = 256 << 20  # a JSONL file of answers: many models' completions of a whole suite

ANSWER_SUFFIXES = (".v", ".sv", ".txt", ".md")
# The funnel's stages in order: what stage_counts counts, and its name.
FUNNEL = (("syntax", "syntax"), ("functional", "function"), ("synthesized", "synthesis"),
          ("equivalent", "equivalence"), ("gatesim", "gate-level verified"), ("measured", "PPA measured"))
DEFAULT_KS = (1, 5, 20)


@dataclass(frozen=True)
class Answer:
    """One recorded completion for a task: its sample label, text and where it came from."""

    task: str
    sample: str
    text: str
    finish_reason: str = ""
    source: str = ""

    @property
    def missing(self) -> bool:
        """True for the stand-in of an answer the model did not record."""
        return self.source == "missing"


def read_answers(path: Path, tasks: list[str]) -> list[Answer]:
    """Return the answers recorded at ``path`` (a folder or a JSONL file) for ``tasks``, one per
    task and sample; a (task, sample) with no answer gets an empty one (source ``missing``).
    Raises RtlboError for a missing path, a malformed JSONL line, two answers for one task and
    sample, or no answer for any of ``tasks``."""
    path = Path(path)
    if path.is_file():
        found = _jsonl_answers(path, set(tasks))
    elif path.is_dir():
        found = _folder_answers(path, set(tasks))
    else:
        raise RtlboError(f"samples {path} not found; give a folder of answers or a JSONL file")
    if not found:
        raise RtlboError(f"{path} holds no answer for any of the {len(tasks)} task(s); name files <task>.v in one "
                         "folder per sample (or <task>_sample<N>.v), or give a JSONL with 'task' and 'text'")
    by_key: dict[tuple[str, str], Answer] = {}
    for answer in found:
        key = (answer.task, answer.sample)
        if key in by_key:
            raise RtlboError(f"two answers for task {answer.task} in sample {answer.sample}: "
                             f"{by_key[key].source} and {answer.source}; keep one")
        by_key[key] = answer
    samples = sorted({a.sample for a in found}, key=_natural)
    return [by_key.get((t, s), Answer(t, s, "", source="missing")) for t in tasks for s in samples]


def _natural(label: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", label)]


def _folder_answers(root: Path, tasks: set[str]) -> list[Answer]:
    answers = []
    for file in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in ANSWER_SUFFIXES):
        numbered = re.fullmatch(r"(.+)_sample(\d+)", file.stem)
        if file.stem in tasks and file.parent != root:
            task, sample = file.stem, str(file.parent.relative_to(root))
        elif numbered and numbered.group(1) in tasks:
            task, sample = numbered.group(1), numbered.group(2)
        else:
            continue
        answers.append(Answer(task, sample, file.read_text(errors="replace"), source=str(file)))
    return answers


def _jsonl_answers(path: Path, tasks: set[str]) -> list[Answer]:
    answers, seen, count = [], set(), Counter()
    for number, line in enumerate(read_text(path, "samples file", MAX_SAMPLES_BYTES).splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            task = record.get("task", record.get("task_id"))
            text = record.get("text", record.get("completion"))
        except (json.JSONDecodeError, AttributeError, RecursionError):
            raise RtlboError(f"{path}:{number} is not a JSON object; write one answer per line") from None
        if not isinstance(task, str) or not isinstance(text, str):
            raise RtlboError(f"{path}:{number} needs 'task' (or 'task_id') and 'text' (or 'completion') strings")
        key = record.get("key")
        if task not in tasks or (key is not None and key in seen):
            continue
        seen.add(key)
        label = str(record.get("sample", count[task]))
        count[(task, label)] += 1
        count[task] += 1
        if count[(task, label)] > 1:  # several runs of one campaign: the same sample index again
            label = f"{label}.{count[(task, label)] - 1}"
        answers.append(Answer(task, label, text, str(record.get("finish_reason") or ""), f"{path}:{number}"))
    return answers


@dataclass
class ModelScore:
    """One model's answers as evaluated: per task, (sample label, evaluation) in sample order; the
    references' evaluations under the same recipe are the PPA baseline."""

    name: str
    source: str
    evaluations: dict[str, list[tuple[str, Evaluation]]]
    references: dict[str, Evaluation]
    ks: tuple[int, ...] = DEFAULT_KS

    def summary(self) -> dict:
        """Return the leaderboard figures as JSON data: the funnel (mean over tasks of each stage's
        pass@1), pass@k of the function stage for each k no task has
        fewer samples than, PPA (the geometric mean over tasks of TuRTLe-style capped ratios to the
        reference) and the same per task, with every failing sample's reason."""
        counts = {task: stage_counts([e for _, e in samples]) for task, samples in self.evaluations.items()}
        fewest = min(c["samples"] for c in counts.values())
        ks = [k for k in self.ks if k <= fewest]
        baseline = {t: e.metrics for t, e in self.references.items() if e.metrics is not None}
        measured = [e for t, samples in self.evaluations.items() if t in baseline for _, e in samples]
        ppa = score(measured, baseline, ScoreMode.SAMPLES) if measured else None
        funnel = {name: _mean(c[key] / c["samples"] for c in counts.values()) for key, name in FUNNEL}
        tasks = {}
        for task, samples in self.evaluations.items():
            c = counts[task]
            reference = self.references[task]
            tasks[task] = {
                "samples": c["samples"], "counts": {name: c[key] for key, name in FUNNEL},
                "pass_at_k": {str(k): pass_at_k(c["samples"], c["functional"], k) for k in ks},
                "ppa": ppa.per_task[task].ppa if ppa and task in ppa.per_task else None,
                "reference": "measured" if task in baseline else reference.failure,
                "answers": [{"sample": label, "passed": e.functional, "failure": e.failure, "key": e.key}
                            for label, e in samples],
            }
        return {
            "name": self.name, "source": self.source, "tasks_scored": len(tasks),
            "samples": {"fewest": fewest, "most": max(c["samples"] for c in counts.values())},
            "funnel": funnel,
            "pass_at_k": {str(k): _mean(t["pass_at_k"][str(k)] for t in tasks.values()) for k in ks},
            "ppa": dict(ppa.objectives) if ppa and ppa.objectives else None,
            "ppa_tasks": sorted(t for t in tasks if t in baseline),
            "tasks": tasks,
        }


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def score_models(tasks: list[Task], models: list[tuple[str, str, list[Answer]]], recipe: Recipe | None = None,
                 cache: EvalCache | None = None, workers: int = 2, ks: tuple[int, ...] = DEFAULT_KS,
                 progress: Callable[[int], None] | None = None) -> list[ModelScore]:
    """Evaluate every model's answers (``models``: name, the folder or JSONL file they came from,
    and its answers, :func:`read_answers`) and the tasks' references under ``recipe``; return one
    ModelScore per model. ``progress(total)`` is called
    once with the number of evaluations, then with 0 after each one."""
    recipe = recipe or Recipe()
    if len({name for name, _, _ in models}) < len(models):
        raise RtlboError("two models have the same name; give each its own")
    by_name = {t.name: t for t in tasks}
    jobs = [(None, t.name, "", None) for t in tasks] + [
        (model, a.task, a.sample, a) for model, _, answers in models for a in answers]
    if progress:
        progress(len(jobs))

    def one(job: tuple) -> Evaluation:
        model, task, label, answer = job
        if answer is None:
            evaluation = evaluate_candidate(by_name[task], recipe, Candidate(0, by_name[task].reference_rtl),
                                            "reference", cache)
        else:
            evaluation = evaluate_candidate(by_name[task], recipe, _candidate(by_name[task], answer),
                                            f"{model} sample {label}", cache)
        if progress:
            progress(0)
        return evaluation

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, jobs))
    references = {job[1]: e for job, e in zip(jobs, results, strict=True) if job[0] is None}
    scores = []
    for model, source, _ in models:
        evaluations: dict[str, list[tuple[str, Evaluation]]] = {t.name: [] for t in tasks}
        for job, evaluation in zip(jobs, results, strict=True):
            if job[0] == model:
                evaluation.sample = len(evaluations[job[1]])
                evaluations[job[1]].append((job[2], evaluation))
        scores.append(ModelScore(model, source, evaluations, references, ks))
    return scores


def _candidate(task: Task, answer: Answer) -> Candidate:
    if answer.missing:
        return Candidate(0, None, f"no answer for this task in sample {answer.sample}")
    key = hashlib.sha256(answer.text.encode()).hexdigest()
    return candidate_from(task, 0, Completion(key, answer.text, finish_reason=answer.finish_reason))
