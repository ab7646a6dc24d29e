"""``rtlbo score``: recorded completions of one or more models, scored side by side, as JSON data
or a self-contained HTML page (the console tables are in :mod:`optimize.console`)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from objectives.cache import EvalCache
from objectives.cascade import derive_periods
from objectives.errors import RtlboError
from objectives.recipe import Recipe
from objectives.samples import DEFAULT_KS, read_answers, score_models
from objectives.suites import load_suite
from optimize.console import PPA_NOTE, funnel_stages, ppa_text, rate


def model_names(paths: list[Path]) -> list[str]:
    """Return a name per answers path: the folder's name or the file's stem, the path where two clash."""
    names = [p.name if p.is_dir() else p.stem for p in paths]
    return [n if names.count(n) == 1 else str(p) for n, p in zip(names, paths, strict=True)]


def run_score(suite: str, samples: list[Path], tasks: list[str] | None = None, ks: list[int] | None = None,
              recipe: Path | None = None, cache: Callable[[], EvalCache | None] = lambda: None, workers: int = 2,
              console: Console | None = None) -> dict:
    """Return the JSON report of ``samples`` (one path per model) scored on ``suite``; ``cache``
    opens the evaluation cache, once every input has been read (a bad one writes nothing)."""
    if not samples:
        raise RtlboError("give at least one --samples folder or JSONL file")
    selected = load_suite(suite).select(tasks)
    if not selected:
        raise RtlboError(f"suite {suite} has no tasks; run 'rtlbo tasks list --suite {suite}'")
    names = [t.name for t in selected]
    models = [(name, str(path), read_answers(path, names))
              for name, path in zip(model_names(samples), samples, strict=True)]
    used = Recipe.load(recipe) if recipe else Recipe()
    opened = cache()
    chosen = derive_periods(selected, cache=opened)
    columns = (TextColumn("[bold]scoring"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console or Console(stderr=True), transient=True) as bar:
        job = bar.add_task("score", total=None)

        def progress(total: int) -> None:
            if total:
                bar.update(job, total=total)
            else:
                bar.advance(job)

        scores = score_models(chosen, models, used, opened, workers, tuple(ks or DEFAULT_KS), progress)
    return {"suite": suite, "recipe": used.model_dump(), "models": [s.summary() for s in scores]}


def write_html(report: dict, path: Path) -> Path:
    """Write ``report`` as a self-contained HTML page at ``path``; return the path."""
    e = html.escape
    models = report["models"]
    head = "".join(f"<th>{e(m['name'])}</th>" for m in models)
    funnel = ""
    for stage in funnel_stages(report):
        cells = ""
        for m in models:
            value = m["funnel"][stage]
            bar = f'<div class="bar" style="width:{value * 100:.1f}%"></div>'
            cells += f"<td>{bar}<span>{rate(value)}</span></td>"
        funnel += f"<tr><th>{e(stage)}</th>{cells}</tr>"
    for k in sorted({k for m in models for k in m["pass_at_k"]}, key=int):
        cells = "".join(f"<td>{rate(m['pass_at_k'][k]) if k in m['pass_at_k'] else '–'}</td>" for m in models)
        funnel += f"<tr><th>pass@{k} (function)</th>{cells}</tr>"
    ppa = "".join(f"<td>{ppa_text(m['ppa'])}</td>" for m in models)
    funnel += f"<tr><th>PPA × power / delay / area</th>{ppa}</tr>"
    per_task = ""
    for task in models[0]["tasks"]:
        cells = ""
        for m in models:
            row = m["tasks"][task]
            failures = "<br>".join(f"{e(a['sample'])}: {e(a['failure'])}" for a in row["answers"] if not a["passed"])
            cells += (f"<td>{row['counts']['function']}/{row['samples']}</td><td>{ppa_text(row['ppa'])}</td>"
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
