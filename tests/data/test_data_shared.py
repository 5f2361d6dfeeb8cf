"""Every file of ../shared/data loads, with the counts its README gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from uniner.data import load_dataset
from uniner.evaluation import score_datasets

pytestmark = pytest.mark.data

# file -> (passages, (passage, type) queries); the README's table
OFFICIAL = {
    "CrossNER_AI.json": (431, 5603),
    "CrossNER_literature.json": (416, 4576),
    "CrossNER_music.json": (465, 5580),
    "CrossNER_politics.json": (650, 5200),
    "CrossNER_science.json": (543, 8688),
    "mit-restaurant.json": (1520, 12160),
}


@pytest.mark.parametrize("name", sorted(OFFICIAL))
def test_official_file_loads_and_self_scores_one(shared_data: Path, name: str) -> None:
    data = load_dataset(shared_data / "zero-shot-uniner" / name)
    passages, queries = OFFICIAL[name]
    assert (len(data), sum(len(r.types) for r in data)) == (passages, queries)
    official = score_datasets(data, data, "official")
    assert official.records == queries
    assert official.f1 == pytest.approx(1.0, abs=1e-9)
    assert score_datasets(data, data, "strict").f1 == 1.0


def test_every_span_file_loads(shared_data: Path) -> None:
    files = sorted(p for p in (shared_data / "ner").glob("*/*.json") if p.name != "labels.json")
    assert len(files) == 22
    for path in files:
        data = load_dataset(path)
        assert len(data) > 0, path
        asked = {t for r in data for t in r.types}
        assert {e.type for r in data for e in r.entities} <= asked, path
        assert "else" not in asked, path
    movie = load_dataset(shared_data / "ner" / "mit-movie" / "test.json")
    assert (len(movie), len(movie.types)) == (2442, 12)


def test_pile_ner_subset_loads(shared_data: Path) -> None:
    data = load_dataset(shared_data / "distill" / "pile-ner-subset.jsonl")
    assert len(data) == 882
    assert sum(len(r.types) for r in data) == 1320
    assert len(data.types) == 384
