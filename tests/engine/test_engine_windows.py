from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from uniner.engine.windows import Window, sentence_starts, split_windows


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    return AutoTokenizer.from_pretrained(tiny_model_dir)


def n_tokens(tokenizer, text: str) -> int:  # type: ignore[no-untyped-def]
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def test_short_text_is_one_window(tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert split_windows("Ada met Bob.", tokenizer, 32, 4) == [Window(0, 12)]


def test_sentence_starts() -> None:
    assert sentence_starts('One. "Two!" Three?\n\nFour') == [5, 12, 20]


def test_windows_fit_overlap_and_cover_the_text(tokenizer) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(f"Sentence {i} names Paris and Berlin." for i in range(12))
    windows = split_windows(text, tokenizer, 30, 8)
    assert windows[0].start == 0 and windows[-1].end == len(text)
    for a, b in itertools.pairwise(windows):
        assert b.start < a.end  # they overlap
        assert b.start > a.start  # and move on
    assert all(n_tokens(tokenizer, text[w.start : w.end]) <= 30 for w in windows)
    # A window ends on a sentence boundary whenever one fits.
    assert text[windows[0].start : windows[0].end].rstrip().endswith("Berlin.")


def test_a_sentence_longer_than_a_window_is_cut_at_tokens(tokenizer) -> None:  # type: ignore[no-untyped-def]
    text = "word " * 100
    windows = split_windows(text, tokenizer, 20, 4)
    assert len(windows) > 5
    assert all(n_tokens(tokenizer, text[w.start : w.end]) <= 20 for w in windows)
    assert windows[-1].end == len(text)


def test_bad_sizes_are_refused(tokenizer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="overlap"):
        split_windows("text", tokenizer, 10, 10)
