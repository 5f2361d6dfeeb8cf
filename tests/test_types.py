from __future__ import annotations

import pytest

from uniner.types import AnnotatedText, Dataset, Entity, clean_types


def test_entity_from_span_slices_the_source() -> None:
    e = Entity.from_span("Ada Lovelace met Babbage.", 17, 24, "person", 0.5)
    assert (e.start, e.end, e.text, e.type, e.score) == (17, 24, "Babbage", "person", 0.5)
    assert e.span == (17, 24, "person")


@pytest.mark.parametrize(
    ("start", "end", "text", "error"),
    [(3, 1, "", ValueError), (-1, 2, "abc", ValueError), (0, 2, "abc", ValueError)],
)
def test_entity_rejects_inconsistent_offsets(start: int, end: int, text: str, error: type) -> None:
    with pytest.raises(error):
        Entity(start, end, text, "x")


def test_entity_rejects_empty_type_and_float_offsets() -> None:
    with pytest.raises(ValueError, match="type"):
        Entity(0, 1, "a", "")
    with pytest.raises(TypeError, match="int"):
        Entity(0.0, 1, "a", "x")  # type: ignore[arg-type]


def test_from_span_past_the_end() -> None:
    with pytest.raises(ValueError, match="past the end"):
        Entity.from_span("abc", 1, 5, "x")


def test_annotated_text_checks_every_mention() -> None:
    with pytest.raises(ValueError, match="does not match"):
        AnnotatedText("Paris is big", [Entity(0, 5, "Rome!", "city")])
    r = AnnotatedText(
        "Paris and Rome", [Entity(10, 14, "Rome", "city"), Entity(0, 5, "Paris", "city")], ["city"]
    )
    assert [e.text for e in r.mentions_of("city")] == ["Paris", "Rome"]
    assert r.to_dict()["entities"][0] == {"start": 0, "end": 5, "text": "Paris", "type": "city"}


def test_dataset_infers_types_in_first_seen_order() -> None:
    recs = [
        AnnotatedText("a b", [Entity(0, 1, "a", "x"), Entity(2, 3, "b", "y")]),
        AnnotatedText("b", [Entity(0, 1, "b", "x")]),
    ]
    ds = Dataset("toy", recs)
    assert ds.types == ["x", "y"] and len(ds) == 2 and ds.split == "test"


def test_clean_types() -> None:
    assert clean_types([" person ", "person", "programming  language", ""]) == [
        "person",
        "programming language",
    ]
    assert clean_types("city") == ["city"]
    with pytest.raises(ValueError, match="no entity types"):
        clean_types([" ", ""])
    with pytest.raises(TypeError, match="strings"):
        clean_types(["a", 3])  # type: ignore[list-item]
