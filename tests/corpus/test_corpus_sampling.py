from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

import pytest

from uniner.corpus import CorpusConfig, Passage, ReservoirSampler, load_tokenizer, sample_passages


def make(text: str) -> Passage:
    return Passage(text, "s", "0", 0, len(text))


def test_passage_id_is_a_content_hash_and_stable() -> None:
    assert make("Ada Lovelace wrote notes.").id == "2d6b862b8928bcae"
    assert Passage("Ada Lovelace wrote notes.", "other", "9", 5, 30).id == "2d6b862b8928bcae"
    with pytest.raises(ValueError, match="does not match its text length"):
        Passage("abc", "s", "0", 0, 5)


def test_sample_is_seeded_distinct_and_order_independent() -> None:
    texts = [f"passage {i}" for i in range(200)]
    first = ReservoirSampler(10, seed=3)
    first.extend(make(t) for t in texts + texts[:50])
    shuffled = texts[:]
    random.Random(1).shuffle(shuffled)
    second = ReservoirSampler(10, seed=3)
    second.extend(make(t) for t in shuffled)
    assert {p.text for p in first.sample()} == {p.text for p in second.sample()}
    assert len({p.id for p in first.sample()}) == 10
    other_seed = ReservoirSampler(10, seed=4)
    other_seed.extend(make(t) for t in texts)
    assert {p.text for p in other_seed.sample()} != {p.text for p in first.sample()}


def test_sample_keeps_corpus_order_and_counts_duplicates() -> None:
    sampler = ReservoirSampler(None)
    sampler.extend(make(t) for t in ["b", "a", "b", "c", "a"])
    assert [p.text for p in sampler.sample()] == ["b", "a", "c"]
    assert (sampler.seen, sampler.duplicates) == (5, 2)


def test_sample_is_roughly_uniform() -> None:
    hits = [0] * 20
    for seed in range(400):
        sampler = ReservoirSampler(5, seed=seed)
        sampler.extend(make(f"item {i}") for i in range(20))
        for p in sampler.sample():
            hits[int(p.text.split()[1])] += 1
    # each item is drawn with probability 5/20: 100 of 400 times expected
    assert min(hits) > 60 and max(hits) < 140


def test_memory_stays_bounded_on_a_large_stream() -> None:
    sampler = ReservoirSampler(50, seed=0)
    tracemalloc.start()
    sampler.extend(make(f"document number {i} " * 20) for i in range(30_000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(sampler.sample()) == 50
    assert peak < 2_000_000  # 30,000 passages of ~400 chars would be > 12 MB


def test_sample_passages_end_to_end(tmp_path: Path, smollm2_dir: Path) -> None:
    rows = [{"input": f"Sentence {i} is about Rome. Another one about Oslo."} for i in range(30)]
    rows += rows[:10]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = CorpusConfig(str(corpus), n=12, text_field="input", seed=7)
    counter = load_tokenizer(smollm2_dir)
    passages, report = sample_passages(config, counter=counter)
    assert (report.documents, report.passages, report.sampled) == (40, 40, 12)
    assert len({p.id for p in passages}) == 12
    assert [int(p.document) for p in passages] == sorted(int(p.document) for p in passages)
    again, _ = sample_passages(config, counter=counter)
    assert again == passages


def test_corpus_config_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="n must be a positive int or None, got 0"):
        CorpusConfig("x", n=0)
    with pytest.raises(ValueError, match="max_tokens must be an int >= 8, got 2"):
        CorpusConfig("x", max_tokens=2)
