from __future__ import annotations

import pytest

from uniner.evaluation import SpanPair, strict_score
from uniner.types import Entity

TEXT = "Ada met Bob in Paris."
ADA = Entity.from_span(TEXT, 0, 3, "person")
BOB = Entity.from_span(TEXT, 8, 11, "person")
PARIS = Entity.from_span(TEXT, 15, 20, "city")
PARIS_AS_PERSON = Entity.from_span(TEXT, 15, 20, "person")
AD = Entity.from_span(TEXT, 0, 2, "person")


def test_micro_and_per_type_scores_by_hand() -> None:
    pairs = [
        SpanPair([ADA, BOB, PARIS], [ADA, AD, PARIS_AS_PERSON, PARIS], ["person", "city"], "r0"),
        SpanPair([BOB], [BOB], ["person"], "r1"),
    ]
    score = strict_score(pairs)
    # correct: ADA, PARIS, BOB(r1) = 3; predicted 5; gold 4
    assert (score.correct, score.predicted, score.gold, score.records) == (3, 5, 4, 2)
    assert score.precision == pytest.approx(3 / 5)
    assert score.recall == pytest.approx(3 / 4)
    assert score.f1 == pytest.approx(2 / 3)
    person = score.per_type["person"]
    assert (person.correct, person.predicted, person.support) == (2, 4, 3)
    assert person.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert score.per_type["city"].f1 == 1.0
    assert [(e.text, e.type, e.record_id) for e in score.false_positives] == [
        ("Ad", "person", "r0"),
        ("Paris", "person", "r0"),
    ]
    assert [(e.text, e.record) for e in score.false_negatives] == [("Bob", 0)]


def test_types_not_asked_are_not_scored() -> None:
    score = strict_score([SpanPair([ADA], [ADA, PARIS], ["person"])])
    assert (score.correct, score.predicted, score.gold) == (1, 1, 1)
    assert score.false_positives == []


def test_empty_is_zero() -> None:
    score = strict_score([SpanPair([], [], ["person"])])
    assert (score.precision, score.recall, score.f1, score.records) == (0.0, 0.0, 0.0, 1)
