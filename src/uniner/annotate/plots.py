"""The run's figures: drop reasons, the most frequent types, and the types' long tail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PAPER_SHARES = (0.74, 0.19, 0.07)  # top 1% / 1-10% / rest of types on Pile-NER (paper)


def write_plots(stats: dict[str, Any], out: Path, *, prefix: str = "") -> list[Path]:
    """Draw three PNG files into ``out`` and return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in (("drops", _drops), ("types", _types), ("shares", _shares)):
        fig = draw(plt, stats)
        path = out / f"{prefix}{name}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths


def _drops(plt: Any, stats: dict[str, Any]) -> Any:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    passages = {"kept": stats["passages"]["kept"], **stats["passages"]["dropped"]}
    mentions = {"kept": stats["mentions"]["kept"], **stats["mentions"]["dropped"]}
    for ax, counts, title in ((left, passages, "passages"), (right, mentions, "mentions")):
        names = list(counts)
        ax.barh(names, [counts[n] for n in names], color=["#2a7"] + ["#c44"] * (len(names) - 1))
        ax.invert_yaxis()
        ax.set_title(f"{title}: kept and dropped by reason")
        for y, name in enumerate(names):
            ax.annotate(str(counts[name]), (counts[name], y), va="center", fontsize=8)
    fig.tight_layout()
    return fig


def _types(plt: Any, stats: dict[str, Any]) -> Any:
    top = stats["types"]["top"]
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.25 * len(top) + 1)))
    ax.barh([t for t, _ in top], [n for _, n in top], color="#37a")
    ax.invert_yaxis()
    ax.set_xlabel("mentions")
    ax.set_title(f"{len(top)} most frequent of {stats['types']['distinct']} types")
    fig.tight_layout()
    return fig


def _shares(plt: Any, stats: dict[str, Any]) -> Any:
    shares = stats["types"]["shares"]
    ours = (shares["top_1pct"], shares["top_1_10pct"], shares["rest"])
    fig, ax = plt.subplots(figsize=(6, 3))
    labels = ("top 1%", "1–10%", "rest")
    colors = ("#37a", "#7ad", "#ccc")
    for row, values in enumerate((ours, PAPER_SHARES)):
        left = 0.0
        for value, label, color in zip(values, labels, colors, strict=True):
            ax.barh(row, value, left=left, color=color, label=label if row == 0 else None)
            if value > 0.04:
                ax.text(left + value / 2, row, f"{value:.0%}", ha="center", va="center")
            left += value
    ax.set_yticks([0, 1], ["this run", "paper"])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of mentions")
    ax.set_title("mentions carried by the most frequent types")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.6), ncol=3, frameon=False)
    fig.tight_layout()
    return fig
