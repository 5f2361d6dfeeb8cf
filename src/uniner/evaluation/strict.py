"""The strict span metric: a prediction counts only with the exact span and type.

Only the types asked of a record are scored: a predicted mention of a type nobody asked about
is neither right nor wrong.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from uniner.types import Entity


@dataclass(frozen=True)
class TypeScore:
    """Precision, recall and F1 of one type; ``support`` is its number of gold mentions."""

    precision: float
    recall: float
    f1: float
    correct: int
    predicted: int
    support: int


@dataclass(frozen=True)
class SpanError:
    """One false positive or false negative, with where it happened."""

    record: int
    text: str
    start: int
    end: int
    type: str
    record_id: str | None = None


@dataclass(frozen=True)
class StrictScore:
    """Micro P/R/F1 over all spans, per-type scores, and the errors for analysis."""

    precision: float
    recall: float
    f1: float
    correct: int
    predicted: int
    gold: int
    records: int
    per_type: dict[str, TypeScore] = field(default_factory=dict)
    false_positives: list[SpanError] = field(default_factory=list)
    false_negatives: list[SpanError] = field(default_factory=list)

    metric = "strict"

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, **asdict(self)}


@dataclass(frozen=True)
class SpanPair:
    """The gold and predicted mentions of one record, and the types that were asked."""

    gold: Sequence[Entity]
    predicted: Sequence[Entity]
    types: Sequence[str]
    record_id: str | None = None


def prf(correct: int, predicted: int, gold: int) -> tuple[float, float, float]:
    """Precision, recall and F1, each 0.0 where its denominator is 0."""
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def strict_score(pairs: Iterable[SpanPair]) -> StrictScore:
    """Score predicted spans against gold spans over many records.

    >>> text = "Ada met Bob."
    >>> ada, bob = Entity.from_span(text, 0, 3, "person"), Entity.from_span(text, 8, 11, "person")
    >>> s = strict_score([SpanPair(gold=[ada, bob], predicted=[ada], types=["person"])])
    >>> s.precision, s.recall, s.false_negatives[0].text
    (1.0, 0.5, 'Bob')
    """
    correct: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    gold: Counter[str] = Counter()
    fps: list[SpanError] = []
    fns: list[SpanError] = []
    n = 0
    for n, pair in enumerate(pairs, start=1):
        asked = set(pair.types)
        gold_spans = {e.span: e for e in pair.gold if e.type in asked}
        pred_spans = {e.span: e for e in pair.predicted if e.type in asked}
        gold.update(t for _, _, t in gold_spans)
        predicted.update(t for _, _, t in pred_spans)
        correct.update(t for (_, _, t) in gold_spans.keys() & pred_spans.keys())
        fps += [
            _error(n - 1, e, pair) for s, e in sorted(pred_spans.items()) if s not in gold_spans
        ]
        fns += [
            _error(n - 1, e, pair) for s, e in sorted(gold_spans.items()) if s not in pred_spans
        ]
    per_type = {
        t: TypeScore(*prf(correct[t], predicted[t], gold[t]), correct[t], predicted[t], gold[t])
        for t in sorted(gold.keys() | predicted.keys())
    }
    totals = (sum(correct.values()), sum(predicted.values()), sum(gold.values()))
    return StrictScore(*prf(*totals), *totals, n, per_type, fps, fns)


def _error(record: int, entity: Entity, pair: SpanPair) -> SpanError:
    return SpanError(record, entity.text, entity.start, entity.end, entity.type, pair.record_id)
