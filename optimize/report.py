"""``rtlbo report``: a self-contained HTML page (and PNGs) about one campaign.

The page embeds plotly.js, so it opens without network access: the Pareto front as three 2-D
projections and an interactive 3-D view (baseline flow and PAMA pick marked, infeasible trials
greyed with their reason on hover), hypervolume and feasibility over trials, per-knob effects, the
Pareto table with links to each trial's artifacts, and for generation campaigns the funnel per
template and temperature. Matplotlib PNGs of the main plots are written beside it.
"""

from __future__ import annotations

import contextlib
import html
import math
import time
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import matplotlib

FONT_LOCK_AGE_S = 60.0


def _drop_stale_font_lock() -> None:
    """Remove a matplotlib cache lock left by a killed process.

    Matplotlib writes its font list under a lock file that records no owner and is held for well
    under a second; one left behind makes every later import of pyplot fail after 5 s, so a lock
    older than ``FONT_LOCK_AGE_S`` is taken as its holder's death."""
    for lock in Path(matplotlib.get_cachedir()).glob("*.matplotlib-lock"):
        with contextlib.suppress(FileNotFoundError):
            if time.time() - lock.stat().st_mtime > FONT_LOCK_AGE_S:
                lock.unlink()


matplotlib.use("Agg")
_drop_stale_font_lock()
import matplotlib.pyplot as plt  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
from plotly.subplots import make_subplots  # noqa: E402

from optimize.console import changed_knobs, netlist_repeats, value_text  # noqa: E402
from optimize.runs import Run, TaskFlows, compare_flows  # noqa: E402
from optimize.screening import Screening  # noqa: E402
from optimize.store import Trial, TrialKind, TrialStatus  # noqa: E402

COLORS = {"feasible": "#1f77b4", "pareto": "#d62728", "infeasible": "#b0b0b0", "baseline": "#2ca02c",
          "pama": "#ff7f0e"}


@dataclass
class Points:
    """The campaign's trials sorted into what the plots draw."""

    measured: list[Trial]
    front: list[Trial]
    baseline: Trial
    pama: Trial | None

    def group(self, name: str) -> list[Trial]:
        front = {t.id for t in self.front}
        if name == "pareto":
            return [t for t in self.front if t.kind != TrialKind.BASELINE]
        if name == "feasible":
            return [t for t in self.measured if t.feasible and t.id not in front and t.kind != TrialKind.BASELINE]
        return [t for t in self.measured if not t.feasible]


def _points(run: Run) -> Points:
    measured = [t for t in run.trials if t.status == TrialStatus.COMPLETED and t.objectives]
    ranked = run.ranked()
    return Points(measured, run.front(), run.baseline, ranked[0].trial if ranked else None)


def _hover(t: Trial, names: list[str]) -> str:
    ratios = "<br>".join(f"{n}: ×{t.objectives[n]:.3f}" for n in names)
    reason = f"<br><b>infeasible</b>: {html.escape(t.reason[:160])}" if not t.feasible else ""
    return f"trial {t.id}<br>{ratios}{reason}"


def _figure_3d(run: Run, p: Points) -> go.Figure:
    names = run.objectives
    fig = go.Figure()
    for group in ("infeasible", "feasible", "pareto"):
        trials = p.group(group)
        if len(names) < 3 or not trials:
            continue
        fig.add_trace(go.Scatter3d(
            x=[t.objectives[names[0]] for t in trials], y=[t.objectives[names[1]] for t in trials],
            z=[t.objectives[names[2]] for t in trials], mode="markers", name=group,
            marker={"size": 5, "color": COLORS[group]}, text=[_hover(t, names) for t in trials],
            hoverinfo="text"))
    for label, trial, symbol in (("baseline", p.baseline, "diamond"), ("pama", p.pama, "x")):
        if trial is not None and len(names) >= 3:
            fig.add_trace(go.Scatter3d(x=[trial.objectives[names[0]]], y=[trial.objectives[names[1]]],
                                       z=[trial.objectives[names[2]]], mode="markers", name=label,
                                       marker={"size": 9, "color": COLORS[label], "symbol": symbol},
                                       text=[_hover(trial, names)], hoverinfo="text"))
    fig.update_layout(height=560, margin={"l": 0, "r": 0, "t": 30, "b": 0},
                      scene={"xaxis_title": f"{names[0]} ×", "yaxis_title": f"{names[1]} ×",
                             "zaxis_title": f"{names[-1]} ×"})
    return fig


def _figure_2d(run: Run, p: Points) -> go.Figure:
    pairs = list(combinations(run.objectives, 2))
    fig = make_subplots(rows=1, cols=len(pairs), subplot_titles=[f"{a} – {b}" for a, b in pairs])
    for col, (a, b) in enumerate(pairs, start=1):
        for group in ("infeasible", "feasible", "pareto"):
            trials = p.group(group)
            fig.add_trace(go.Scatter(x=[t.objectives[a] for t in trials], y=[t.objectives[b] for t in trials],
                                     mode="markers", name=group, legendgroup=group, showlegend=col == 1,
                                     marker={"color": COLORS[group], "size": 8},
                                     text=[_hover(t, run.objectives) for t in trials], hoverinfo="text"),
                          row=1, col=col)
        for label, trial in (("baseline", p.baseline), ("pama", p.pama)):
            if trial is not None:
                fig.add_trace(go.Scatter(x=[trial.objectives[a]], y=[trial.objectives[b]], mode="markers",
                                         name=label, legendgroup=label, showlegend=col == 1,
                                         marker={"color": COLORS[label], "size": 14, "symbol": "star"},
                                         text=[_hover(trial, run.objectives)], hoverinfo="text"), row=1, col=col)
        fig.update_xaxes(title_text=f"{a} ×", row=1, col=col)
        fig.update_yaxes(title_text=f"{b} ×", row=1, col=col)
    fig.update_layout(height=420, margin={"t": 40})
    return fig


def _history(run: Run) -> tuple[list[int], list[float], list[float]]:
    ordered = sorted(run.trials, key=lambda t: t.id)
    hv = run.hypervolume_history()
    feasible = [sum(t.feasible for t in ordered[: i + 1]) / (i + 1) for i in range(len(ordered))]
    return [t.id for t in ordered], hv, feasible


def _figure_history(run: Run) -> go.Figure:
    ids, hv, feasible = _history(run)
    fig = make_subplots(rows=1, cols=3, subplot_titles=["hypervolume", "feasible share of trials",
                                                        "distinct netlists (a repeat adds none)"])
    fig.add_trace(go.Scatter(x=ids, y=hv, mode="lines+markers", name="hypervolume"), row=1, col=1)
    fig.add_trace(go.Scatter(x=ids, y=feasible, mode="lines+markers", name="feasible"), row=1, col=2)
    fig.add_trace(go.Scatter(x=ids, y=run.distinct_netlists_history(), mode="lines+markers", name="distinct"),
                  row=1, col=3)
    fig.add_trace(go.Scatter(x=ids, y=list(range(1, len(ids) + 1)), mode="lines", name="trials",
                             line={"dash": "dot", "color": "#999"}), row=1, col=3)
    fig.update_xaxes(title_text="trial")
    fig.update_layout(height=360, showlegend=False, margin={"t": 40})
    return fig


def _figure_knobs(run: Run, p: Points) -> go.Figure:
    """Per knob (per position of a sequence), the mean log2 ratio of each objective over trials
    with each value (numeric knobs binned into thirds): how moving the knob moved power, delay and
    area."""
    values = {t.id: run.space.by_coordinate(t.config) for t in p.measured}  # a sequence by position
    knobs = [k for k in run.space.coordinates if len({str(values[t.id][k.name]) for t in p.measured}) > 1]
    fig = make_subplots(rows=max(1, math.ceil(len(knobs) / 3)), cols=3, subplot_titles=[k.name for k in knobs])
    for i, knob in enumerate(knobs):
        groups: dict[str, list[Trial]] = {}
        for t in p.measured:
            value = values[t.id][knob.name]
            if knob.type in ("float", "int"):
                third = min(int(knob.encode(value) * 3), 2)
                label = ("low", "mid", "high")[third]
            else:
                label = str(value)
            groups.setdefault(label, []).append(t)
        labels = sorted(groups) if knob.type not in ("float", "int") else [x for x in ("low", "mid", "high")
                                                                             if x in groups]
        for j, name in enumerate(run.objectives):
            means = [sum(math.log2(t.objectives[name]) for t in groups[g]) / len(groups[g]) for g in labels]
            fig.add_trace(go.Bar(x=labels, y=means, name=name, legendgroup=name, showlegend=i == 0,
                                 marker_color=("#1f77b4", "#ff7f0e", "#2ca02c")[j % 3]),
                          row=i // 3 + 1, col=i % 3 + 1)
    fig.update_layout(height=260 * max(1, math.ceil(len(knobs) / 3)), barmode="group", margin={"t": 40},
                      title_text="mean log2(ratio to baseline) per knob value (below 0 = better)")
    return fig


def _figure_funnel(run: Run, p: Points) -> go.Figure | None:
    with_funnel = [t for t in p.measured if "syntax_rate" in t.extra]
    if not with_funnel:
        return None
    fig = make_subplots(rows=1, cols=2, subplot_titles=["by template", "by temperature"])
    stages = ("syntax_rate", "functional_rate", "synthesis_rate")
    for col, key in ((1, "template"), (2, "temperature")):
        groups: dict[str, list[Trial]] = {}
        for t in with_funnel:
            value = t.config.get(key)
            label = f"{round(value * 4) / 4:.2f}" if isinstance(value, float) else str(value)
            groups.setdefault(label, []).append(t)
        labels = sorted(groups)
        for j, stage in enumerate(stages):
            fig.add_trace(go.Bar(x=labels, y=[sum(t.extra[stage] for t in groups[g]) / len(groups[g]) for g in labels],
                                 name=stage.replace("_rate", ""), legendgroup=stage, showlegend=col == 1,
                                 marker_color=("#9467bd", "#17becf", "#bcbd22")[j]), row=1, col=col)
    fig.update_layout(height=380, barmode="group", margin={"t": 40})
    return fig


def _pngs(run: Run, p: Points, folder: Path) -> list[str]:
    """Write matplotlib versions of the main plots; return their file names."""
    pairs = list(combinations(run.objectives, 2))
    fig, axes = plt.subplots(1, max(1, len(pairs)), figsize=(5 * max(1, len(pairs)), 4.2), squeeze=False)
    for ax, (a, b) in zip(axes[0], pairs, strict=False):
        for group, marker in (("infeasible", "x"), ("feasible", "o"), ("pareto", "o")):
            trials = p.group(group)
            ax.scatter([t.objectives[a] for t in trials], [t.objectives[b] for t in trials], c=COLORS[group],
                       marker=marker, label=group, s=28)
        for label, trial in (("baseline", p.baseline), ("PAMA pick", p.pama)):
            if trial is not None:
                ax.scatter([trial.objectives[a]], [trial.objectives[b]], marker="*", s=220, label=label,
                           c=COLORS["baseline" if label == "baseline" else "pama"], edgecolors="black")
        ax.set_xlabel(f"{a} (× baseline)")
        ax.set_ylabel(f"{b} (× baseline)")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"{run.campaign.name}: Pareto front projections")
    fig.tight_layout()
    fig.savefig(folder / "pareto.png", dpi=120)
    plt.close(fig)
    ids, hv, feasible = _history(run)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.plot(ids, hv, marker="o")
    left.set_title("hypervolume")
    right.plot(ids, feasible, marker="o", color="#2ca02c")
    right.set_title("feasible share of trials")
    for ax in (left, right):
        ax.set_xlabel("trial")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(folder / "hypervolume.png", dpi=120)
    plt.close(fig)
    return ["pareto.png", "hypervolume.png"]


def _pareto_table(run: Run, p: Points) -> str:
    baseline = run.space.baseline()
    knobs = [k.name for k in run.space.tunable]
    head = "".join(f"<th>{n} ×</th>" for n in run.objectives) + "<th>s*</th>" + "".join(f"<th>{k}</th>" for k in knobs)
    rows = []
    for score in run.ranked():
        t = score.trial
        changed = changed_knobs(t.config, baseline)
        cells = "".join(f"<td>{t.objectives[n]:.4f}</td>" for n in run.objectives)
        values = "".join(f"<td class='{'changed' if k in changed else ''}'>{html.escape(value_text(t.config.get(k)))}"
                         "</td>" for k in knobs)
        link = f"<a href='../trials/{t.measured_by:06d}/'>trial {t.id}</a>"
        tag = " (PAMA pick)" if p.pama is not None and t.id == p.pama.id else ""
        rows.append(f"<tr><td>{link}{tag}</td>{cells}<td>{score.s:+.4f}</td>{values}</tr>")
    return f"<table><tr><th>trial</th>{head}</tr>{''.join(rows)}</table>"


def _flows_table(rows: list[TaskFlows], objectives: list[str]) -> str:
    """The per-task comparison of the shared configuration and each task's own (ratios to the
    task's baseline flow; the own one's gain in the last columns, below 1 where it is better)."""
    def cells(ratios: dict[str, float] | None) -> str:
        return "".join(f"<td>{ratios[n]:.4f}</td>" if ratios else "<td>–</td>" for n in objectives)

    def gains(row: TaskFlows) -> str:
        if not (row.shared and row.own):
            return "".join("<td>–</td>" for _ in objectives)
        return "".join(f"<td>{row.own[n] / row.shared[n]:.3f}</td>" for n in objectives)

    head = "".join(f"<th>{kind} {n} ×</th>" for kind in ("shared", "own", "own / shared") for n in objectives)
    body = "".join(f"<tr><td>{html.escape(r.task)}</td>{cells(r.shared)}{cells(r.own)}{gains(r)}"
                   f"<td style='text-align:left'>{html.escape(r.own_source)}</td></tr>" for r in rows)
    return f"<table><tr><th>task</th>{head}<th>own configuration</th></tr>{body}</table>"


FLOWS_NOTE = ("Per task, the PAMA pick of one configuration shared by every task (a flow for a family of designs) "
              "against the task's own (a flow per block), as ratios to the task's baseline flow.")


def _screening_note(run: Run) -> str:
    """What screening pinned and merged before the search (nothing without a screening)."""
    lines = Screening.told(run.root)
    return "<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>" if lines else ""


def build_report(run: Run) -> Path:
    """Write ``report/index.html`` and its PNGs into the run's directory; return the page's path."""
    folder = run.root / "report"
    folder.mkdir(exist_ok=True)
    p = _points(run)
    pngs = _pngs(run, p, folder) if p.measured else []
    figures = [("Pareto front (3-D)", _figure_3d(run, p)), ("Pareto front projections", _figure_2d(run, p)),
               ("Hypervolume and feasibility over trials", _figure_history(run)),
               ("Per-knob effects", _figure_knobs(run, p))]
    if (funnel := _figure_funnel(run, p)) is not None:
        figures.append(("Generation funnel (TuRTLe-style)", funnel))
    sections = []
    for i, (title, fig) in enumerate(figures):
        body = fig.to_html(full_html=False, include_plotlyjs=i == 0, div_id=f"plot{i}")
        sections.append(f"<h2>{title}</h2>\n{body}")
    failed = [t for t in run.trials if t.status == TrialStatus.FAILED]
    proposed = [t for t in run.trials if t.kind == TrialKind.PROPOSED]
    failures = "".join(f"<li>trial {t.id}: {html.escape(t.reason[:300])}</li>" for t in failed)
    page = folder / "index.html"
    page.write_text(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>rtlbo report: {html.escape(run.campaign.name)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1400px}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}td.changed{{background:#fff3d6}}
.plot-png{{max-width:100%}}</style></head><body>
<h1>rtlbo campaign <code>{html.escape(run.campaign.name)}</code></h1>
<p>{len(run.trials)} trials ({len(proposed)} proposed by {run.campaign.optimizer}),
{len(p.measured)} measured, {sum(t.feasible for t in p.measured)} feasible, {len(failed)} failed;
{len(p.front)} configurations on the Pareto front; {netlist_repeats(run)}.
Objectives are ratios to the baseline flow (lower is better);
the hypervolume's reference point is the baseline × {run.campaign.reference_point:g}.</p>
{_screening_note(run)}
{''.join(sections)}
<h2>Pareto table</h2>{_pareto_table(run, p)}
<h2>One configuration per task</h2><p>{FLOWS_NOTE} Each task's own is picked from this campaign's trials on
that task alone; a per-task campaign (<code>configuration: per_task</code>) searches it, and
<code>rtlbo report</code> of that campaign with <code>--against</code> this one compares the two.</p>
{_flows_table(compare_flows(run) if p.front else [], run.objectives)}
<h2>Failed trials</h2><ul>{failures or '<li>none</li>'}</ul>
<h2>Images</h2>{''.join(f'<img class="plot-png" src="{name}" alt="{name}">' for name in pngs)}
</body></html>
""")
    return page


def build_per_task_report(root: Path, runs: list[Run], shared: Run | None) -> Path:
    """Write the report of each task's run of a per-task campaign in ``root`` and ``root/report/
    index.html``, which links them and compares each task's own configuration with the ``shared``
    run's (None: no shared run to compare); return the page's path."""
    pages = {run.campaign.tasks.select[0]: build_report(run) for run in runs}
    folder = root / "report"
    folder.mkdir(exist_ok=True)
    links = "".join(f"<li><a href='../{page.relative_to(root)}'>{html.escape(task)}</a></li>"
                    for task, page in pages.items())
    against = (f"the shared configuration of <code>{html.escape(str(shared.root))}</code>" if shared is not None
               else "no shared campaign (give one with <code>rtlbo report RUN --against SHARED_RUN</code>)")
    page = folder / "index.html"
    page.write_text(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>rtlbo report: per-task configurations</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1400px}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}</style></head><body>
<h1>rtlbo campaign <code>{html.escape(root.name)}</code>: one configuration per task</h1>
<p>{FLOWS_NOTE} Compared with {against}.</p>
{_flows_table(compare_flows(shared, runs), runs[0].objectives)}
<h2>Each task's campaign</h2><ul>{links}</ul>
</body></html>
""")
    return page
