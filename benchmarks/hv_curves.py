"""Hypervolume curves of finished campaigns, and their mean plotted per label (benchmark helpers)."""

from __future__ import annotations

import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from optimize.pareto import hypervolume_by_evaluation  # noqa: E402
from optimize.runs import Run  # noqa: E402

# The box of the hypervolume these benchmarks compare optimizers by (their campaigns set it, so that
# figures recorded before the campaign default became 2 stay comparable).
HV_REFERENCE = 1.1
HV_LABEL = f"hypervolume (reference: baseline × {HV_REFERENCE:g})"


def campaign_curve(run_dir: Path) -> list[float]:
    """Hypervolume after each of the campaign's own (proposed) evaluations; index 0 = before any."""
    result = Run.load(run_dir)
    return hypervolume_by_evaluation(result.trials, result.objectives, result.campaign.reference_point)


def mean_curve(curves: list[list[float]]) -> list[float]:
    """The mean over curves, as long as the shortest."""
    return [statistics.mean(c[i] for c in curves) for i in range(min(len(c) for c in curves))]


def plot_mean_curves(curves: dict[str, list[list[float]]], xlabel: str, title: str, path: Path,
                     bold: str | None = None) -> None:
    """Plot each label's mean curve into ``path`` (PNG); ``bold`` draws one label thicker."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, runs in curves.items():
        ax.plot(mean_curve(runs), label=label, linewidth=2.2 if label == bold else 1.3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(HV_LABEL)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    print(f"plot: {path}")
