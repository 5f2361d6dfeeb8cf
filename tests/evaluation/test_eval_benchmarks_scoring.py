from __future__ import annotations

from pathlib import Path

import pytest

from uniner.data import load_dataset
from uniner.errors import DatasetNotFoundError
from uniner.evaluation import DatasetSpec, align, get_benchmark, load_registry, score_files
from uniner.paths import resources

EXAMPLES = resources() / "examples"
FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"


def test_zero_shot_is_the_papers_seven_sets() -> None:
    bench = get_benchmark("zero-shot")
    assert [(d.name, d.domain, d.format) for d in bench.datasets] == [
        ("mit-movie", "movie", "spans"),
        ("mit-restaurant", "restaurant", "uniner"),
        ("crossner_ai", "ai", "uniner"),
        ("crossner_literature", "literature", "uniner"),
        ("crossner_music", "music", "uniner"),
        ("crossner_politics", "politics", "uniner"),
        ("crossner_science", "science", "uniner"),
    ]
    assert bench.datasets[0].resolve("/data") == Path("/data/ner/mit-movie/test.json")


def test_a_dataset_name_is_a_one_dataset_benchmark() -> None:
    assert [d.name for d in get_benchmark("crossner_ai").datasets] == ["crossner_ai"]


def test_unknown_names_and_bad_configs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown benchmark 'nope'; known: .*zero-shot"):
        get_benchmark("nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("datasets:\n  x: {path: a.json, colour: red}\n")
    with pytest.raises(ValueError, match=r"dataset 'x'.*colour"):
        load_registry(bad)
    bad.write_text("benchmarks:\n  b: [undefined]\n")
    with pytest.raises(ValueError, match="undefined datasets: \\['undefined'\\]"):
        load_registry(bad).benchmark("b")
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        DatasetSpec("x", "a.xml", format="xml")
    with pytest.raises(DatasetNotFoundError, match="'x' not found"):
        DatasetSpec("x", "a.json").load(tmp_path)


def test_score_files_on_the_bundled_example() -> None:
    official = score_files(EXAMPLES / "gold.json", EXAMPLES / "predictions.json")
    assert (official.correct, official.predicted, official.gold) == (8, 10, 9)
    p, r = 8 / (10 + 1e-10), 8 / (9 + 1e-10)
    assert official.f1 == pytest.approx(2 * p * r / (p + r + 1e-10), abs=1e-12)
    strict = score_files(EXAMPLES / "gold.json", EXAMPLES / "predictions.json", metric="strict")
    # `Sure! ["Danube"]` is read by the one lenient answer parser (as the engine reads its own
    # answers): its mention counts for the strict metric; the official parser still scores [].
    assert (strict.correct, strict.predicted, strict.gold) == (6, 10, 9)
    assert [e.text for e in strict.false_positives] == [
        "the University of Paris",
        "Paris",
        "Danube",
        "Harvard",
    ]


def test_score_across_formats(tmp_path: Path) -> None:
    # gold in conversation form, predictions as JSON lines: the answers are rebuilt from spans
    pred = tmp_path / "pred.jsonl"
    pred.write_text(
        '{"text": "Ada met Bob in Paris.", '
        '"entities": [{"start": 0, "end": 3, "type": "person"}]}\n'
        '{"text": "Rome is old.", "entities": [{"start": 0, "end": 4, "type": "city"}]}\n'
        '{"text": "Rome is old.", "entities": []}\n'
    )
    score = score_files(FIXTURES / "official.json", pred)
    # gold items: ada, bob, paris, atlantis, rome; predicted: ada, rome
    assert (score.correct, score.predicted, score.gold) == (2, 2, 5)


def test_align_reports_missing_and_extra_passages() -> None:
    gold = load_dataset(FIXTURES / "official.json")
    pred = load_dataset(FIXTURES / "official.json")
    pred.records = pred.records[:2]
    with pytest.raises(ValueError, match="1 gold passages lack a prediction and 0 predictions"):
        align(gold, pred)
    assert [g.types for g, _ in align(gold, gold)] == [["person", "city"]] * 2 + [["person"]]
