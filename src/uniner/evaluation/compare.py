"""Several evaluation runs side by side, beside the published numbers: a Markdown table and a chart.

A run is the ``results.json`` that ``uniner eval --out DIR`` writes. Published rows come from
``resources/benchmarks/published.yaml`` (the paper's Table 2 for the zero-shot benchmark).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from uniner.paths import resources


@dataclass(frozen=True)
class Row:
    """One system's F1 (in %) per dataset and on average; ``measured`` tells ours from theirs."""

    name: str
    f1: dict[str, float]
    average: float
    measured: bool = True


def load_run(path: str | Path, name: str | None = None, metric: str = "official") -> Row:
    """The per-dataset F1 of one ``results.json`` (or the folder holding it) under ``metric``."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    detail = data.get("detail", {})
    try:
        f1 = {ds: 100 * float(scores[metric]["f1"]) for ds, scores in detail.items()}
    except KeyError as err:
        raise ValueError(f"{path}: no {metric!r} scores (evaluate with that metric)") from err
    if not f1:
        raise ValueError(f"{path}: no scored datasets")
    return Row(name or path.parent.name, f1, sum(f1.values()) / len(f1))


def published(benchmark: str = "zero-shot") -> list[Row]:
    """The published rows for ``benchmark`` (empty when none are recorded)."""
    import yaml

    table = yaml.safe_load((resources() / "benchmarks" / "published.yaml").read_text())
    rows = []
    for name, scores in (table.get(benchmark) or {}).items():
        f1 = {k: float(v) for k, v in scores.items() if k != "average"}
        rows.append(Row(name, f1, float(scores["average"]), measured=False))
    return rows


def markdown(rows: list[Row]) -> str:
    """One line per system, one column per dataset (the first measured row's order) + average."""
    datasets = list(next((r for r in rows if r.measured), rows[0]).f1)
    lines = ["| system | " + " | ".join(datasets) + " | avg |"]
    lines.append("|---|" + "---|" * (len(datasets) + 1))
    for row in rows:
        cells = [f"{row.f1[d]:.1f}" if d in row.f1 else "—" for d in datasets]
        name = f"**{row.name}**" if row.measured else row.name
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {row.average:.1f} |")
    return "\n".join(lines) + "\n"


def plot(rows: list[Row], path: str | Path, title: str = "zero-shot F1") -> Path:
    """Grouped bars: each system's F1 per dataset and on average (published rows hatched)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = [*next((r for r in rows if r.measured), rows[0]).f1, "average"]
    width = 0.85 / len(rows)
    fig, ax = plt.subplots(figsize=(max(7.0, 1.3 * len(datasets)), 4.5))
    for k, row in enumerate(rows):
        values = [row.f1.get(d, 0.0) for d in datasets[:-1]] + [row.average]
        xs = [i + (k - (len(rows) - 1) / 2) * width for i in range(len(datasets))]
        ax.bar(xs, values, width, label=row.name, hatch=None if row.measured else "//", alpha=0.9)
    ax.set_xticks(range(len(datasets)), datasets, rotation=30, ha="right")
    ax.set_ylabel("F1 (%)")
    ax.set_ylim(0, 100)
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
