"""Several evaluation runs side by side, beside the published numbers: a Markdown table and a chart.

A run is the ``results.json`` that ``uniner eval --out DIR`` writes. Published rows come from
``resources/benchmarks/published.yaml``: the paper's Table 2 for ``zero-shot`` (per dataset),
and its domain-averaged F1 over 43 datasets in 9 domains for ``universal``.

Runs are compared per dataset, or per domain (each domain the mean of its datasets, the
average the mean of the domains: the paper's figure for its 43-dataset benchmark).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from uniner.paths import resources

Grouping = Literal["dataset", "domain"]
GROUPINGS: tuple[Grouping, ...] = ("dataset", "domain")


@dataclass(frozen=True)
class Row:
    """One system's F1 (in %) per column (dataset or domain) and on average.

    ``measured`` tells ours from theirs; ``covers`` says what the average is over
    (e.g. ``43 datasets in 9 domains``).
    """

    name: str
    f1: dict[str, float]
    average: float
    measured: bool = True
    covers: str = ""


def load_run(
    path: str | Path,
    name: str | None = None,
    metric: str = "official",
    by: Grouping = "dataset",
) -> Row:
    """The F1 of one ``results.json`` (or the folder holding it) under ``metric``, per dataset
    or per domain (``by``)."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, got {by!r}")
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
    # a run written before datasets carried their domain counts each dataset as its own
    domain_of = {ds: str(scores.get("domain", ds)) for ds, scores in detail.items()}
    grouped: dict[str, list[float]] = {}
    for ds, value in f1.items():
        grouped.setdefault(domain_of[ds], []).append(value)
    columns = f1 if by == "dataset" else {d: sum(v) / len(v) for d, v in grouped.items()}
    covers = f"{len(f1)} datasets in {len(grouped)} domains"
    if data.get("missing"):
        covers += f" (partial: {', '.join(data['missing'])} missing)"
    average = sum(columns.values()) / len(columns)
    return Row(name or path.parent.name, columns, average, covers=covers)


def grouping_of(path: str | Path) -> Grouping:
    """``domain`` when some domain of the run holds several datasets, else ``dataset``."""
    path = Path(path)
    path = path / "results.json" if path.is_dir() else path
    data = json.loads(path.read_text(encoding="utf-8"))
    domains = [scores.get("domain") for scores in data.get("detail", {}).values()]
    known = [d for d in domains if d is not None]
    return "domain" if known and 1 < len(set(known)) < len(known) else "dataset"


def published(benchmark: str = "zero-shot") -> list[Row]:
    """The published rows for ``benchmark`` (empty when none are recorded)."""
    import yaml

    table = yaml.safe_load((resources() / "benchmarks" / "published.yaml").read_text())
    rows = []
    for name, scores in (table.get(benchmark) or {}).items():
        f1 = {k: float(v) for k, v in scores.items() if k not in ("average", "covers")}
        covers = str(scores.get("covers", ""))
        rows.append(Row(name, f1, float(scores["average"]), measured=False, covers=covers))
    return rows


def markdown(rows: list[Row], by: Grouping = "dataset") -> str:
    """One line per system, one column per dataset or domain (the first measured row's order)
    and the average; a note says what each average covers when the rows differ."""
    columns = list(next((r for r in rows if r.measured), rows[0]).f1)
    average = "avg" if by == "dataset" else "domain avg"
    lines = ["| system | " + " | ".join(columns) + f" | {average} |"]
    lines.append("|---|" + "---|" * (len(columns) + 1))
    for row in rows:
        cells = [f"{row.f1[c]:.1f}" if c in row.f1 else "—" for c in columns]
        name = f"**{row.name}**" if row.measured else row.name
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {row.average:.1f} |")
    notes = _coverage_notes(rows)
    return "\n".join(lines + notes) + "\n"


def _coverage_notes(rows: list[Row]) -> list[str]:
    """``Averages cover: ...`` lines, when the rows' averages are not over the same data."""
    published_covers = {r.covers for r in rows if not r.measured and r.covers}
    if not published_covers:
        return []
    notes = ["", "Averages cover:"]
    notes += [f"- published ({', '.join(_names(rows, c))}): {c}" for c in sorted(published_covers)]
    notes += [f"- {r.name}: {r.covers}, those we hold" for r in rows if r.measured and r.covers]
    return notes


def _names(rows: list[Row], covers: str) -> list[str]:
    return [r.name for r in rows if not r.measured and r.covers == covers]


def plot(
    rows: list[Row], path: str | Path, title: str = "zero-shot F1", by: Grouping = "dataset"
) -> Path:
    """Grouped bars: each system's F1 per column and on average (published rows hatched; a
    published row without a column's figure has no bar there)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    average = "average" if by == "dataset" else "domain average"
    columns = [*next((r for r in rows if r.measured), rows[0]).f1, average]
    width = 0.85 / len(rows)
    fig, ax = plt.subplots(figsize=(max(7.0, 1.3 * len(columns)), 4.5))
    for k, row in enumerate(rows):
        values = [row.f1.get(c, math.nan) for c in columns[:-1]] + [row.average]
        xs = [i + (k - (len(rows) - 1) / 2) * width for i in range(len(columns))]
        ax.bar(xs, values, width, label=row.name, hatch=None if row.measured else "//", alpha=0.9)
    ax.set_xticks(range(len(columns)), columns, rotation=30, ha="right")
    ax.set_ylabel("F1 (%)")
    ax.set_ylim(0, 100)
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
