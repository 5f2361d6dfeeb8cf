"""The stop rule: where an answer ends, and the cut of a list that starts repeating itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from uniner.engine.stopping import StopRule, repeat_cut


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ('["water", "soil", "water"', '["water", "soil"]'),
        ('["Lion", "Lioness", "Lion", "Lioness", "Li', '["Lion", "Lioness"]'),
        ('["a", "a"', '["a"]'),
        ('["x", "y", "x", "z"', '["x", "y"]'),
        ('  ["only", "once', None),  # the open string is not an item yet
        ('["a", "b"', None),
        ("no list at all", None),
    ],
)
def test_repeat_cut(text: str, cut: str | None) -> None:
    end = repeat_cut(text)
    assert (None if end is None else text[:end] + "]") == cut


def test_a_looping_answer_stops_at_the_first_repeat_and_is_closed(tokenizer: Any) -> None:
    looping = '["soil", "saturated", "water", "water", "water", "water"'
    ids = tokenizer(looping, add_special_tokens=False)["input_ids"]
    stop = StopRule(tokenizer, stop_repeats=True)
    done_at = next(k for k in range(1, len(ids) + 1) if stop.is_done(ids[:k]))
    assert stop.answer(ids[:done_at]) == '["soil", "saturated", "water"]'
    # It stops at the token that closes the repeated item, not one later.
    assert repeat_cut(tokenizer.decode(ids[: done_at - 1])) is None
    plain = StopRule(tokenizer)
    assert not any(plain.is_done(ids[:k]) for k in range(1, len(ids) + 1))
    assert plain.answer(ids) == looping


def test_a_closed_list_ends_as_before_whatever_it_holds(tokenizer: Any) -> None:
    closed = '["a", "a"] trailing'
    ids = tokenizer(closed, add_special_tokens=False)["input_ids"]
    for rule in (StopRule(tokenizer), StopRule(tokenizer, stop_repeats=True)):
        assert rule.answer(ids) == '["a", "a"]'
        assert rule.is_done(ids)
