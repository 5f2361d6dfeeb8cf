from __future__ import annotations

from uniner.engine.grounding import find_occurrences, flatten, ground, merge
from uniner.types import Entity


def test_every_occurrence_on_word_boundaries() -> None:
    text = "AI and MAIN and AI."
    assert find_occurrences(text, "AI") == [0, 16]
    assert [(e.start, e.end) for e in ground(text, "AI", "field")] == [(0, 2), (16, 18)]
    assert [(e.start, e.end) for e in ground(text, "AI", "field", all_occurrences=False)] == [
        (0, 2)
    ]


def test_punctuation_edges_need_no_boundary() -> None:
    assert find_occurrences("the (AI) lab", "(AI)") == [4]


def test_case_insensitive_only_as_fallback() -> None:
    text = "Paris and paris"
    assert [e.text for e in ground(text, "Paris", "city")] == ["Paris"]
    assert [e.text for e in ground("in PARIS", "Paris", "city")] == ["PARIS"]


def test_unicode_offsets_slice_back() -> None:
    text = "Zoë met Björk in Reykjavík; Björk sang."
    found = ground(text, "Björk", "person", 0.5)
    assert [(e.start, e.end) for e in found] == [(8, 13), (28, 33)]
    assert all(text[e.start : e.end] == e.text for e in found)


def test_missing_strings_give_nothing() -> None:
    assert ground("Ada Lovelace", "Bob", "person") == []


def test_merge_keeps_best_score_and_multi_label() -> None:
    a = Entity(0, 3, "Ada", "person", 0.2)
    b = Entity(0, 3, "Ada", "person", 0.7)
    c = Entity(0, 3, "Ada", "name", 0.1)
    assert merge([a, b, c]) == [c, b] or merge([a, b, c]) == [b, c]
    assert {e.score for e in merge([a, b, c])} == {0.7, 0.1}


def test_flatten_prefers_score_then_length() -> None:
    short = Entity(0, 3, "Ada", "person", 0.5)
    long = Entity(0, 12, "Ada Lovelace", "person", 0.5)
    other = Entity(4, 12, "Lovelace", "name", 0.9)
    later = Entity(20, 25, "Paris", "city", 0.1)
    assert flatten([short, long, later]) == [long, later]
    assert flatten([short, long, other]) == [short, other]
