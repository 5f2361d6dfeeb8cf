"""Ray Data on a local cluster (2 CPUs, 2 actors): the rows ``Extractor`` adds are those the
corpus job writes for the same input, with the tiny random model (loaded once per actor) and
with a stand-in student whose mentions are exact."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from uniner.engine.options import ExtractOptions
from uniner.engine.results import Prediction
from uniner.extract import ExtractConfig, extract_corpus
from uniner.extract.parts import read_part
from uniner.types import Entity

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from uniner.integrations.ray import (  # noqa: E402  (after the skips: Ray is an extra)
    COLUMNS,
    Extractor,
    ExtractorConfig,
    extract_dataset,
    local_cluster,
)

TYPES = ["person", "city"]
OPTIONS = ExtractOptions(max_new_tokens=6)
DOCUMENTS = 300
CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")


class Capitalised:
    """Answers every type with the text's capitalised words (pickled by value to the actors)."""

    def predict(
        self, texts: Sequence[str], types: Sequence[str], **options: Any
    ) -> list[Prediction]:
        return [
            Prediction(
                text,
                sorted(
                    Entity(m.start(), m.end(), m.group(), t, round(1 / (1 + m.start()), 6))
                    for t in types
                    for m in CAPITALISED.finditer(text)
                ),
            )
            for text in texts
        ]

    def info(self) -> dict[str, Any]:
        return {"name": "capitalised"}


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with local_cluster(num_cpus=2):
        yield
    assert not ray.is_initialized()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Short documents with ids, some of them empty or missing."""
    texts: list[str | None] = [f"Doc {i}: Ada met Bob in Paris." for i in range(DOCUMENTS)]
    texts[17], texts[123], texts[250] = "", None, "   "
    path = tmp_path_factory.mktemp("ray") / "corpus.parquet"
    table = pa.table({"doc": [f"d{i}" for i in range(DOCUMENTS)], "text": texts})
    pq.write_table(table, path, row_group_size=64)
    return path


def corpus_job(model: Any, source: Path, out: Path) -> dict[str, Any]:
    """id -> entities (or problem) as ``extract_corpus`` writes them."""
    config = ExtractConfig(
        [str(source)],
        str(out),
        TYPES,
        fmt="parquet",
        id_field="doc",
        include_text=False,
        options=OPTIONS,
    )
    extract_corpus(model, config, progress=False)
    found: dict[str, Any] = {}
    for part in sorted(out.glob("part-*.parquet")):
        found.update((row["id"], row["entities"]) for row in read_part(part))
    for line in (out / "bad.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        found[record["id"]] = record["problem"]
    return found


def read(corpus: Path) -> Any:
    """The corpus in 6 blocks (so both actors get some), read before the actors start: with 2
    CPUs and an actor on each, no read task could be scheduled while they live."""
    return ray.data.read_parquet(str(corpus)).repartition(6).materialize()


def ray_rows(dataset: Any) -> dict[str, Any]:
    rows = dataset.take_all()
    assert len(rows) == DOCUMENTS
    assert all(set(COLUMNS) <= set(row) for row in rows)
    return {r["id"]: r["problem"] or [dict(e) for e in r["entities"]] for r in rows}


@pytest.mark.slow  # minutes: a Ray cluster, and two actors that load torch
def test_two_actors_with_the_tiny_model_equal_the_corpus_job(
    cluster: None, corpus: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    from uniner.engine import NERModel

    config = ExtractorConfig(
        TYPES,
        model=str(tiny_model_dir),
        device="cpu",
        id_column="doc",
        options=OPTIONS,
    )
    dataset = read(corpus)
    got = ray_rows(extract_dataset(dataset, config, actors=2, documents_per_batch=32))

    expected = corpus_job(NERModel.from_pretrained(str(tiny_model_dir)), corpus, tmp_path / "o")
    assert got == expected
    assert (got["d17"], got["d123"], got["d250"]) == ("empty", "not text", "empty")


@pytest.mark.slow
def test_two_actors_write_the_mentions_of_the_corpus_job(
    cluster: None, corpus: Path, tmp_path: Path
) -> None:
    config = ExtractorConfig(TYPES, id_column="doc", options=OPTIONS)
    dataset = read(corpus).map_batches(
        Extractor,
        fn_constructor_kwargs={"config": config, "model": Capitalised()},
        batch_size=32,
        batch_format="pyarrow",
        concurrency=2,
    )
    got = ray_rows(dataset)
    assert got == corpus_job(Capitalised(), corpus, tmp_path / "o")
    ada = {"start": 7, "end": 10, "text": "Ada", "score": round(1 / 8, 6)}  # "Doc 0: Ada"
    assert [{**ada, "type": t} for t in sorted(TYPES)] == [
        e for e in got["d0"] if e["text"] == "Ada"
    ]
    assert len(got["d0"]) == 8  # Doc, Ada, Bob, Paris for each type
