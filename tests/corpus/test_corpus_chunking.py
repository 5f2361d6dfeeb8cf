from __future__ import annotations

from pathlib import Path

import pytest

from uniner.corpus import Document, TokenCounter, chunk_document, load_tokenizer, sentence_segments


@pytest.fixture(scope="module")
def counter(smollm2_dir: Path) -> TokenCounter:
    return load_tokenizer(smollm2_dir)


def test_sentence_segments_cover_the_text_exactly() -> None:
    text = 'He said "Stop." Then left!  Really? Yes\n\nNew para'
    spans = sentence_segments(text)
    assert [text[s:e] for s, e in spans] == [
        'He said "Stop."',
        " Then left!",
        "  Really?",
        " Yes",
        "\n\nNew para",
    ]
    assert "".join(text[s:e] for s, e in spans) == text


def test_short_document_is_one_passage_with_trimmed_range(counter: TokenCounter) -> None:
    doc = Document("  Ada Lovelace wrote notes.\n", "a.txt", "0")
    [passage] = chunk_document(doc, counter, max_tokens=256)
    assert (passage.text, passage.start, passage.end) == ("Ada Lovelace wrote notes.", 2, 27)
    assert doc.text[passage.start : passage.end] == passage.text


def test_passages_cut_at_sentence_boundaries_within_limit(counter: TokenCounter) -> None:
    sentence = "The quick brown fox jumps over the lazy dog near Paris. "
    doc = Document(sentence * 40, "a.txt", "0")
    passages = list(chunk_document(doc, counter, max_tokens=40))
    assert all(p.text.endswith("Paris.") for p in passages)
    assert all(n <= 40 for n in counter.counts([p.text for p in passages]))
    assert sum(p.text.count("fox") for p in passages) == 40
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
    # 12 tokens a sentence: three fit in 40 tokens, so 40 sentences make 14 passages.
    assert counter.counts([sentence.strip()]) == [12]
    assert len(passages) == 14


def test_a_sentence_longer_than_the_limit_is_cut_at_tokens(counter: TokenCounter) -> None:
    text = " ".join(f"word{i}" for i in range(100))
    doc = Document(text, "a.txt", "0")
    passages = list(chunk_document(doc, counter, max_tokens=16))
    counts = counter.counts([p.text for p in passages])
    assert max(counts) <= 16
    assert " ".join(p.text for p in passages) == text


def test_max_tokens_must_be_positive(counter: TokenCounter) -> None:
    with pytest.raises(ValueError, match="max_tokens must be at least 1, got 0"):
        list(chunk_document(Document("x", "a", "0"), counter, max_tokens=0))


def test_unknown_tokenizer_is_a_model_load_error(tmp_path: Path) -> None:
    from uniner.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="could not load tokenizer"):
        load_tokenizer(tmp_path / "nothing-here")
