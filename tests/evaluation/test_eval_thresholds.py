"""Strict precision/recall against a score threshold, from one scored prediction set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.data.io import write_dataset
from uniner.evaluation.thresholds import (
    DEFAULT_THRESHOLDS,
    benchmark_predictions,
    best_threshold,
    plot_threshold_curve,
    threshold_curve,
    threshold_table,
)
from uniner.types import AnnotatedText, Dataset, Entity

TEXTS = ["Ada met Bob in Paris.", "Eve left Rome."]


def _gold() -> Dataset:
    a, b = TEXTS
    span = Entity.from_span
    types = ["person", "city"]
    return Dataset(
        "toy",
        [
            AnnotatedText(a, [span(a, 0, 3, "person"), span(a, 8, 11, "person"),
                              span(a, 15, 20, "city")], types),
            AnnotatedText(b, [span(b, 0, 3, "person"), span(b, 9, 13, "city")], types),
        ],
    )  # fmt: skip


def _predicted() -> Dataset:
    a, b = TEXTS
    return Dataset(
        "toy",
        [
            AnnotatedText(a, [Entity.from_span(a, 0, 3, "person", 0.95),    # right
                              Entity.from_span(a, 8, 11, "person", 0.40),   # right, unsure
                              Entity.from_span(a, 4, 7, "person", 0.30),    # wrong
                              Entity.from_span(a, 15, 20, "country", 0.99)  # type not asked
                              ], ["person", "city"]),
            AnnotatedText(b, [Entity.from_span(b, 9, 13, "city", 0.80),     # right
                              Entity.from_span(b, 4, 8, "city", 0.60),      # wrong
                              Entity.from_span(b, 0, 3, "person")],         # right, no score
                          ["person", "city"]),
        ],
    )  # fmt: skip


def test_each_threshold_scores_the_mentions_at_or_above_it() -> None:
    points = threshold_curve(_gold(), _predicted(), [0.0, 0.3, 0.35, 0.6, 0.9, 1.0])
    got = [(p.threshold, p.correct, p.predicted, p.gold) for p in points]
    # An unscored mention is never dropped (as in the engine); 5 gold mentions throughout.
    assert got == [(0.0, 4, 6, 5), (0.3, 4, 6, 5), (0.35, 4, 5, 5), (0.6, 3, 4, 5),
                   (0.9, 2, 2, 5), (1.0, 1, 1, 5)]  # fmt: skip
    assert points[2].precision == pytest.approx(4 / 5)
    assert points[2].recall == pytest.approx(4 / 5)
    assert points[3].f1 == pytest.approx(2 * 0.75 * 0.6 / (0.75 + 0.6))
    assert [p.kept for p in points] == pytest.approx([1, 1, 5 / 6, 4 / 6, 2 / 6, 1 / 6])


def test_several_datasets_pool_into_micro_scores() -> None:
    gold, predicted = _gold(), _predicted()
    first = Dataset("one", gold.records[:1], gold.types)
    second = Dataset("two", gold.records[1:], gold.types)
    parts = [Dataset("one", predicted.records[:1]), Dataset("two", predicted.records[1:])]
    split = threshold_curve([first, second], parts, [0.5])
    assert split == threshold_curve(gold, predicted, [0.5])


def test_best_threshold_and_table() -> None:
    points = threshold_curve(_gold(), _predicted(), [0.0, 0.35, 0.9])
    assert best_threshold(points).threshold == 0.35  # F1 0.8 beats 0.727 and 0.571
    table = threshold_table(points).splitlines()
    assert table[0] == "| threshold | precision | recall | F1 | mentions kept |"
    assert table[3] == "| 0.35 | 80.0 | 80.0 | 80.0 | 5 (83%) |"


def test_bad_thresholds_and_mismatched_predictions_are_refused() -> None:
    with pytest.raises(ValueError, match=r"numbers in \[0, 1\], got \[1.5\]"):
        threshold_curve(_gold(), _predicted(), [0.5, 1.5])
    with pytest.raises(ValueError, match="do not match gold"):
        threshold_curve(_gold(), Dataset("toy", _predicted().records[:1]))
    with pytest.raises(ValueError, match="1 gold datasets but 2 prediction sets"):
        threshold_curve([_gold()], [_predicted(), _predicted()])


def test_default_thresholds_rise_from_0_to_0_99() -> None:
    assert DEFAULT_THRESHOLDS[0] == 0.0 and DEFAULT_THRESHOLDS[-1] == 0.99
    assert list(DEFAULT_THRESHOLDS) == sorted(set(DEFAULT_THRESHOLDS))


def test_the_plot_is_written(tmp_path: Path) -> None:
    points = threshold_curve(_gold(), _predicted())
    path = plot_threshold_curve(points, tmp_path / "img" / "curve.png", title="toy")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_saved_predictions_of_a_benchmark_give_the_same_curve(tmp_path: Path) -> None:
    gold_file = tmp_path / "gold.jsonl"
    write_dataset(_gold(), gold_file, format="jsonl")
    config = tmp_path / "bench.yaml"
    config.write_text(json.dumps({
        "datasets": {"toy": {"path": str(gold_file), "format": "jsonl"}},
        "benchmarks": {"toys": {"datasets": ["toy"]}},
    }))  # fmt: skip
    write_dataset(_predicted(), tmp_path / "predictions" / "toy.jsonl", format="jsonl")
    golds, predictions = benchmark_predictions(tmp_path / "predictions", "toys", config=config)
    assert threshold_curve(golds, predictions) == threshold_curve(_gold(), _predicted())
    one = Dataset("toy", _predicted().records[1:])  # a run that scored the second passage
    write_dataset(one, tmp_path / "predictions" / "toy.jsonl", format="jsonl")
    golds, predictions = benchmark_predictions(tmp_path / "predictions", "toys", config=config)
    assert [r.text for r in golds[0].records] == [TEXTS[1]]
    assert threshold_curve(golds, predictions) == threshold_curve(
        Dataset("toy", _gold().records[1:]), one
    )
