from __future__ import annotations

import pytest

from uniner.data import answer_mentions, find_occurrences, ground


@pytest.mark.parametrize(
    ("text", "mention", "expected"),
    [
        ("a cat and a catalogue", "cat", [(2, 5)]),  # not inside "catalogue"
        ("naive Bayes classifier s", "classifier", [(12, 22)]),
        ("C++ and C", "C++", [(0, 3)]),  # ends in punctuation: no boundary needed after
        # One rule for every stage: never inside a word (the readers once fell back to a raw
        # match here, which the engine and annotation never did).
        ("Bayesian", "Bayes", []),
        ("PARIS and paris", "Paris", [(0, 5), (10, 15)]),  # case-insensitive fall-back
        ("nothing", "Rome", []),
        ("text", "  ", []),
    ],
)
def test_find_occurrences(text: str, mention: str, expected: list[tuple[int, int]]) -> None:
    assert find_occurrences(text, mention) == expected


def test_ground_every_occurrence_and_reports_missing() -> None:
    entities, missing = ground("Ada met Ada and Bob.", ["Ada", "Ada", "Zed"], "person")
    assert [(e.start, e.end, e.text) for e in entities] == [(0, 3, "Ada"), (8, 11, "Ada")]
    assert missing == ["Zed"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('["Ada", "Bob"]', ["Ada", "Bob"]),
        (' ["Ada"] ', ["Ada"]),
        ('["a]b"]', ["a]b"]),  # whole answer parses first
        ('["Ada"] and more', ["Ada"]),
        ('["Ada", 3, null]', ["Ada"]),
        ("no list", []),
        ('{"a": 1}', []),
    ],
)
def test_answer_mentions(answer: str, expected: list[str]) -> None:
    assert answer_mentions(answer) == expected
