"""Precision and recall against a score threshold, so a user can choose one.

Each mention the engine returns carries a score: exp of the mean log-probability of the
tokens that wrote it (:mod:`uniner.engine.confidence`). :func:`threshold_curve` scores one set
of predictions with the strict span metric (:mod:`uniner.evaluation.strict`) as if every
mention below each threshold had been dropped — exactly what ``threshold=`` does in the engine
— so one run of the model gives the whole curve. :func:`plot_threshold_curve` draws it.

>>> from uniner.types import AnnotatedText, Dataset, Entity
>>> text = "Ada met Bob."
>>> ada, bob = Entity.from_span(text, 0, 3, "person"), Entity.from_span(text, 8, 11, "person")
>>> gold = Dataset("d", [AnnotatedText(text, [ada, bob], ["person"])])
>>> sure = Entity.from_span(text, 0, 3, "person", 0.9)
>>> guess = Entity.from_span(text, 4, 7, "person", 0.3)
>>> predicted = Dataset("d", [AnnotatedText(text, [sure, guess], ["person"])])
>>> [(p.threshold, p.precision, p.recall) for p in threshold_curve(gold, predicted, [0, 0.5])]
[(0.0, 0.5, 0.5), (0.5, 1.0, 0.5)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from uniner.evaluation.metrics import align
from uniner.evaluation.strict import SpanPair, strict_score
from uniner.types import AnnotatedText, Dataset, Entity

# The thresholds a curve is drawn at unless others are given: 0, 0.05, ..., 0.9, then finer
# steps up to 0.99, where a small student's scores crowd.
DEFAULT_THRESHOLDS: tuple[float, ...] = (
    *(i / 20 for i in range(19)),
    *(0.92, 0.94, 0.96, 0.98, 0.99),
)


@dataclass(frozen=True)
class ThresholdPoint:
    """The strict micro scores of the mentions scored at least ``threshold``.

    ``kept`` is the share of the predicted mentions (of the asked types) that pass.
    """

    threshold: float
    precision: float
    recall: float
    f1: float
    correct: int
    predicted: int
    gold: int
    kept: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _passes(entity: Entity, threshold: float) -> bool:
    # As the engine does: a mention without a score is never dropped.
    return entity.score is None or entity.score >= threshold


def threshold_curve(
    gold: Dataset | Sequence[Dataset],
    predicted: Dataset | Sequence[Dataset],
    thresholds: Iterable[float] = DEFAULT_THRESHOLDS,
) -> list[ThresholdPoint]:
    """Strict P/R/F1 of ``predicted`` against ``gold`` at each threshold.

    Args:
        gold: the gold records (or several datasets, pooled: micro scores over all).
        predicted: the predictions, with scored mentions, one dataset per gold dataset; each
            record is paired with the gold record of the same passage
            (:func:`uniner.evaluation.metrics.align`).
        thresholds: the thresholds, each in [0, 1].

    Raises:
        ValueError: a threshold outside [0, 1], or predictions that do not match the gold.
    """
    golds = [gold] if isinstance(gold, Dataset) else list(gold)
    predictions = [predicted] if isinstance(predicted, Dataset) else list(predicted)
    if len(golds) != len(predictions):
        raise ValueError(f"{len(golds)} gold datasets but {len(predictions)} prediction sets")
    pairs = [pair for g, p in zip(golds, predictions, strict=True) for pair in align(g, p)]
    cuts = [float(t) for t in thresholds]
    bad = [t for t in cuts if not 0 <= t <= 1]
    if bad or not cuts:
        raise ValueError(f"thresholds must be a non-empty list of numbers in [0, 1], got {bad}")
    asked = sum(len([e for e in p.entities if e.type in g.types]) for g, p in pairs)
    points = []
    for cut in cuts:
        score = strict_score(
            SpanPair(g.entities, [e for e in p.entities if _passes(e, cut)], g.types, g.id)
            for g, p in pairs
        )
        points.append(
            ThresholdPoint(
                cut,
                score.precision,
                score.recall,
                score.f1,
                score.correct,
                score.predicted,
                score.gold,
                score.predicted / asked if asked else 0.0,
            )
        )
    return points


def best_threshold(points: Sequence[ThresholdPoint]) -> ThresholdPoint:
    """The point of highest F1 (the lowest threshold among equals)."""
    if not points:
        raise ValueError("no threshold points")
    return max(points, key=lambda p: (p.f1, -p.threshold))


def threshold_table(points: Sequence[ThresholdPoint]) -> str:
    """A Markdown table: threshold, precision, recall, F1 (%) and mentions kept."""
    lines = [
        "| threshold | precision | recall | F1 | mentions kept |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {p.threshold:.2f} | {100 * p.precision:.1f} | {100 * p.recall:.1f} | "
        f"{100 * p.f1:.1f} | {p.predicted} ({100 * p.kept:.0f}%) |"
        for p in points
    ]
    return "\n".join(lines) + "\n"


def plot_threshold_curve(
    points: Sequence[ThresholdPoint], path: str | Path, *, title: str | None = None
) -> Path:
    """Draw precision, recall and F1 (%) against the threshold as a PNG; returns its path.

    The best-F1 threshold is marked, and the share of mentions kept is drawn dashed.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not points:
        raise ValueError("no threshold points to draw")
    xs = [p.threshold for p in points]
    # Precision of no mention at all is undefined, not 0: leave a gap.
    precision = [100 * p.precision if p.predicted else float("nan") for p in points]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.plot(xs, precision, marker="o", ms=3, label="precision")
    ax.plot(xs, [100 * p.recall for p in points], marker="o", ms=3, label="recall")
    ax.plot(xs, [100 * p.f1 for p in points], marker="o", ms=3, label="F1", color="black")
    ax.plot(xs, [100 * p.kept for p in points], ls="--", color="grey", label="mentions kept")
    best = best_threshold(points)
    ax.axvline(best.threshold, color="black", lw=0.8, ls=":")
    ax.annotate(
        f"best F1 {100 * best.f1:.1f} at {best.threshold:.2f}",
        (best.threshold, 100 * best.f1),
        xytext=(6, 8),
        textcoords="offset points",
        fontsize=8,
    )
    ax.set_xlabel("score threshold (mentions scored below it are dropped)")
    ax.set_ylabel("strict span score (%)")
    ax.set_xlim(min(xs), max(xs))
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    gold = points[0].gold
    ax.set_title(title or f"precision and recall against the threshold ({gold} gold mentions)")
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def benchmark_predictions(
    predictions_dir: str | Path,
    benchmark: str,
    *,
    data_root: str | Path | None = None,
    config: str | Path | None = None,
    only: Collection[str] | None = None,
) -> tuple[list[Dataset], list[Dataset]]:
    """The gold datasets of a benchmark and their saved predictions (``<dir>/<dataset>.*``,
    as ``uniner eval --out`` writes under ``predictions/``), ready for :func:`threshold_curve`.

    Each gold dataset keeps the passages that were predicted (each as often as it was), so the
    predictions of a run with ``--limit`` or ``--sample`` pair with the passages it scored.
    ``only`` names the datasets to take (e.g. those a partial run scored); default: all.

    Raises:
        DatasetNotFoundError: a dataset, or its prediction file, is missing.
    """
    from uniner.data.io import load_dataset
    from uniner.errors import DatasetNotFoundError
    from uniner.evaluation.benchmarks import get_benchmark

    folder = Path(predictions_dir)
    golds, predictions = [], []
    for spec in get_benchmark(benchmark, config=config).datasets:
        if only is not None and spec.name not in only:
            continue
        files = sorted(p for p in folder.glob(f"{spec.name}.*") if p.is_file())
        if not files:
            raise DatasetNotFoundError(f"no predictions for {spec.name!r} in {folder}")
        gold = spec.load(None if data_root is None else str(data_root))
        predicted = load_dataset(files[0], name=spec.name, label_map=spec.label_map)
        gold.records = _predicted_passages(gold, predicted)
        golds.append(gold)
        predictions.append(predicted)
    return golds, predictions


def _predicted_passages(gold: Dataset, predicted: Dataset) -> list[AnnotatedText]:
    wanted = Counter(r.text for r in predicted.records)
    kept = []
    for record in gold.records:
        if wanted[record.text] > 0:
            wanted[record.text] -= 1
            kept.append(record)
    return kept
