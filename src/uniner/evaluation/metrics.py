"""Scoring a predictions dataset against a gold dataset, with either metric."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Literal, Union

from uniner.data.answers import answer_for
from uniner.data.io import load_dataset
from uniner.data.labels import LabelMapSource
from uniner.evaluation.official import OfficialScore, official_score
from uniner.evaluation.strict import SpanPair, StrictScore, strict_score
from uniner.types import AnnotatedText, Dataset

Metric = Literal["official", "strict"]
METRICS: tuple[Metric, ...] = ("official", "strict")
Score = Union[OfficialScore, StrictScore]  # noqa: UP007 - runtime alias on Python 3.10


def align(gold: Dataset, predicted: Dataset) -> list[tuple[AnnotatedText, AnnotatedText]]:
    """Pair each gold record with the predicted record of the same passage text.

    A passage that occurs several times pairs in order of occurrence.

    Raises:
        ValueError: a gold passage has no prediction, or a prediction has no gold passage.
    """
    by_text: dict[str, list[AnnotatedText]] = defaultdict(list)
    for record in predicted.records:
        by_text[record.text].append(record)
    pairs, missing = [], []
    for record in gold.records:
        candidates = by_text.get(record.text)
        if candidates:
            pairs.append((record, candidates.pop(0)))
        else:
            missing.append(record)
    extra = sum(len(v) for v in by_text.values())
    if missing or extra:
        first = missing[0].text if missing else next(r for v in by_text.values() for r in v).text
        raise ValueError(
            f"predictions {predicted.name!r} do not match gold {gold.name!r}: {len(missing)} gold "
            f"passages lack a prediction and {extra} predictions have no gold passage "
            f"(first: {first[:80]!r})"
        )
    return pairs


def score_datasets(gold: Dataset, predicted: Dataset, metric: Metric = "official") -> Score:
    """Score ``predicted`` against ``gold`` on the types each gold record asks.

    ``official`` compares answer strings (the stored ones, else the mentions as a JSON list);
    ``strict`` compares (start, end, type) spans.
    """
    pairs = align(gold, predicted)
    if metric == "official":
        golds = [answer_for(g, t) for g, _ in pairs for t in g.types]
        preds = [answer_for(p, t) for g, p in pairs for t in g.types]
        return official_score(preds, golds)
    if metric == "strict":
        return strict_score(SpanPair(g.entities, p.entities, g.types, g.id) for g, p in pairs)
    raise ValueError(f"unknown metric {metric!r}; choose one of {METRICS}")


def score_files(
    gold: str | Path,
    predictions: str | Path,
    *,
    metric: Metric = "official",
    gold_format: str | None = None,
    pred_format: str | None = None,
    label_map: LabelMapSource = None,
) -> Score:
    """Load a gold file and a predictions file (any supported formats) and score them.

    The predictions are read under the gold dataset's name, so the same label map applies.

    >>> from uniner.paths import resources
    >>> ex = resources() / "examples"
    >>> round(score_files(ex / "gold.json", ex / "gold.json").f1, 9)
    1.0
    """
    gold_data = load_dataset(gold, format=gold_format, label_map=label_map)
    predicted = load_dataset(
        predictions, format=pred_format, name=gold_data.name, label_map=label_map
    )
    return score_datasets(gold_data, predicted, metric)
