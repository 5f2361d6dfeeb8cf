"""Merging the records of one passage that several inputs hold."""

from __future__ import annotations

from uniner.instruct.merge import merge_duplicates
from uniner.types import AnnotatedText, Entity


def _record(
    text: str, spans: list[tuple[str, str]], types: list[str], **meta: object
) -> AnnotatedText:
    entities = [Entity.from_span(text, text.index(m), text.index(m) + len(m), t) for m, t in spans]
    return AnnotatedText(text, entities, types, id=text[:5], meta=dict(meta))


def test_duplicates_merge_onto_the_original_text() -> None:
    original = _record(
        "Ada Lovelace (1815-1852) met\nBabbage.", [("Babbage", "person")], ["person", "city"]
    )
    tagged = _record(
        "Ada Lovelace ( 1815 - 1852 ) met Babbage .",
        [("Ada Lovelace", "person"), ("1815 - 1852", "date")],
        ["person", "date"],
        detokenized=True,
    )
    other = _record("Rome is old.", [], ["city"])
    merged = merge_duplicates([tagged, other, original])
    assert [r.text for r in merged] == [original.text, "Rome is old."]
    first = merged[0]
    assert [(e.start, e.end, e.text, e.type) for e in first.entities] == [
        (0, 12, "Ada Lovelace", "person"),
        (14, 23, "1815-1852", "date"),
        (29, 36, "Babbage", "person"),
    ]
    assert first.types == ["person", "city", "date"]
    assert first.meta["merged_from"] == [tagged.id]
    assert merged[1] is other


def test_distinct_passages_are_left_alone() -> None:
    records = [_record("Ada met Bob.", [], ["person"]), _record("Ada met Bill.", [], ["person"])]
    assert merge_duplicates(records) == records
