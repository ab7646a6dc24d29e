"""``rtlbo score``: recorded completions of one or more models, scored side by side, shown as rich
tables, JSON or a self-contained HTML page."""

from __future__ import annotations

import html
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from objectives.cache import EvalCache
from objectives.errors import RtlboError
from objectives.evaluate import derive_periods
from objectives.recipe import Recipe
from objectives.samples import DEFAULT_KS, FUNNEL, score_models
from objectives.scoring import OBJECTIVES
from objectives.suites import load_suite

STAGES = [name for _, name in FUNNEL]
PPA_NOTE = ("PPA: per task, the mean over passing samples of each ratio to the reference (capped at 2×; a task "
            "with no passing sample counts 2×), then the geometric mean over tasks; lower is better")


def model_names(paths: list[Path]) -> list[str]:
    """Return a name per answers path: the folder's name or the file's stem, the path where two clash."""
    names = [p.name if p.is_dir() else p.stem for p in paths]
    return [n if names.count(n) == 1 else str(p) for n, p in zip(names, paths, strict=True)]


def run_score(suite: str, samples: list[Path], tasks: list[str] | None = None, ks: list[int] | None = None,
              recipe: Path | None = None, cache: EvalCache | None = None, workers: int = 2,
              console: Console | None = None) -> dict:
    """Return the JSON report of ``samples`` (one path per model) scored on ``suite``."""
    if not samples:
        raise RtlboError("give at least one --samples folder or JSONL file")
    chosen = derive_periods(load_suite(suite).select(tasks), cache=cache)
    if not chosen:
        raise RtlboError(f"suite {suite} has no tasks; run 'rtlbo tasks list --suite {suite}'")
    used = Recipe.load(recipe) if recipe else Recipe()
    columns = (TextColumn("[bold]scoring"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console or Console(stderr=True), transient=True) as bar:
        job = bar.add_task("score", total=None)

        def progress(total: int) -> None:
            if total:
                bar.update(job, total=total)
            else:
                bar.advance(job)

        scores = score_models(chosen, list(zip(model_names(samples), samples, strict=True)), used, cache,
                              workers, tuple(ks or DEFAULT_KS), progress)
    return {"suite": suite, "recipe": used.model_dump(), "models": [s.summary() for s in scores]}


def _rate(value: float) -> str:
    return f"{value:.1%}"


def _ppa(ratios: dict | None) -> str:
    return " / ".join(f"{ratios[k]:.3f}" for k in OBJECTIVES) if ratios else "–"


def summary_table(report: dict) -> Table:
    """Return the funnel, pass@k and PPA of every model, one column per model."""
    models = report["models"]
    table = Table(title=f"scores on {report['suite']} (stages: mean over tasks of pass@1)", title_justify="left",
                  caption=PPA_NOTE, caption_justify="left")
    table.add_column("")
    for model in models:
        table.add_column(model["name"], justify="right")
    table.add_row("tasks", *(str(m["tasks_scored"]) for m in models))
    table.add_row("samples per task", *(_span(m["samples"]) for m in models))
    for stage in STAGES:
        table.add_row(stage, *(_rate(m["funnel"][stage]) for m in models))
    for k in sorted({k for m in models for k in m["pass_at_k"]}, key=int):
        table.add_row(f"pass@{k} (function)", *(_rate(m["pass_at_k"].get(k)) if k in m["pass_at_k"] else "–"
                                               for m in models))
    table.add_row("PPA × power / delay / area", *(_ppa(m["ppa"]) for m in models))
    return table


def _span(samples: dict) -> str:
    return str(samples["fewest"]) if samples["fewest"] == samples["most"] else f"{samples['fewest']}–{samples['most']}"


def task_table(report: dict) -> Table:
    """Return one row per task: each model's passing samples, pass@1 and PPA ratios."""
    models = report["models"]
    table = Table(title="per task (function: passing samples / samples; PPA × power / delay / area)",
                  title_justify="left")
    table.add_column("task", no_wrap=True)
    for model in models:
        table.add_column(f"{model['name']} function", justify="right")
        table.add_column(f"{model['name']} PPA ×", justify="right")
    table.add_column("reference")
    for task in models[0]["tasks"]:
        cells = []
        for model in models:
            row = model["tasks"][task]
            cells += [f"{row['counts']['function']}/{row['samples']}", _ppa(row["ppa"])]
        table.add_row(task, *cells, models[0]["tasks"][task]["reference"])
    return table


def failure_lines(report: dict) -> list[str]:
    """Return one line per failing answer: model, task, sample and the first failed stage."""
    return [f"[red]{model['name']}[/] {task} {answer['sample']}: {answer['failure']}"
            for model in report["models"] for task, row in model["tasks"].items()
            for answer in row["answers"] if not answer["passed"]]


def write_html(report: dict, path: Path) -> Path:
    """Write ``report`` as a self-contained HTML page at ``path``; return the path."""
    e = html.escape
    models = report["models"]
    head = "".join(f"<th>{e(m['name'])}</th>" for m in models)
    funnel = ""
    for stage in STAGES:
        cells = ""
        for m in models:
            value = m["funnel"][stage]
            bar = f'<div class="bar" style="width:{value * 100:.1f}%"></div>'
            cells += f"<td>{bar}<span>{_rate(value)}</span></td>"
        funnel += f"<tr><th>{e(stage)}</th>{cells}</tr>"
    for k in sorted({k for m in models for k in m["pass_at_k"]}, key=int):
        cells = "".join(f"<td>{_rate(m['pass_at_k'][k]) if k in m['pass_at_k'] else '–'}</td>" for m in models)
        funnel += f"<tr><th>pass@{k} (function)</th>{cells}</tr>"
    ppa = "".join(f"<td>{_ppa(m['ppa'])}</td>" for m in models)
    funnel += f"<tr><th>PPA × power / delay / area</th>{ppa}</tr>"
    per_task = ""
    for task in models[0]["tasks"]:
        cells = ""
        for m in models:
            row = m["tasks"][task]
            failures = "<br>".join(f"{e(a['sample'])}: {e(a['failure'])}" for a in row["answers"] if not a["passed"])
            cells += (f"<td>{row['counts']['function']}/{row['samples']}</td><td>{_ppa(row['ppa'])}</td>"
                      f"<td class='why'>{failures}</td>")
        per_task += f"<tr><th>{e(task)}</th>{cells}<td>{e(models[0]['tasks'][task]['reference'])}</td></tr>"
    sub = "".join(f"<th>{e(m['name'])} function</th><th>PPA ×</th><th>failing answers</th>" for m in models)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>rtlbo score: {e(report['suite'])}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }} table {{ border-collapse: collapse; margin-bottom: 2em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
td {{ position: relative; min-width: 8em; }} .bar {{ position: absolute; inset: 0 auto 0 0; background: #cfe3f7; }}
td span {{ position: relative; }} .why {{ font-size: 85%; color: #a00; }}
</style></head><body>
<h1>Scores on {e(report['suite'])}</h1>
<p>Stages: the mean over tasks of each stage's pass@1. {e(PPA_NOTE)}.</p>
<table><tr><th></th>{head}</tr>{funnel}</table>
<h2>Per task</h2>
<table><tr><th>task</th>{sub}<th>reference</th></tr>{per_task}</table>
</body></html>
""")
    return path
