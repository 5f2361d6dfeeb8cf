"""One record per passage: merge the annotations of a passage that several inputs hold.

The same passage can come twice: the Pile-NER subset (original text, a few types asked) and the
token-tagged Pile-NER file (detokenized text, every mention). Trained twice, it would be
weighted twice, and a dev split could put one copy in dev and the other in train. Two records
are the same passage when their texts are equal once whitespace is removed; the merged record
keeps the original text (a record not marked ``meta["detokenized"]``), every mention of both
moved onto that text, and every type either asked.
"""

from __future__ import annotations

from collections.abc import Iterable

from uniner.types import AnnotatedText, Entity, unique


def passage_key(text: str) -> str:
    """The text without whitespace: equal for two spacings of the same passage."""
    return "".join(text.split())


def merge_duplicates(records: Iterable[AnnotatedText]) -> list[AnnotatedText]:
    """The records with each passage once (first-seen order), duplicates merged into it."""
    groups: dict[str, list[AnnotatedText]] = {}
    for record in records:
        groups.setdefault(passage_key(record.text), []).append(record)
    return [group[0] if len(group) == 1 else _merge(group) for group in groups.values()]


def _merge(group: list[AnnotatedText]) -> AnnotatedText:
    base = next((r for r in group if not r.meta.get("detokenized")), group[0])
    entities = {e for r in group for e in _moved(r, base.text)}
    return AnnotatedText(
        base.text,
        sorted(entities),
        unique(t for r in [base, *group] for t in r.types),
        id=base.id,
        dataset=base.dataset,
        # The answer strings of one source no longer hold every mention: not kept.
        meta={**base.meta, "merged_from": [r.id for r in group if r is not base]},
    )


def _moved(record: AnnotatedText, text: str) -> list[Entity]:
    """``record``'s mentions on ``text``, the same passage with other whitespace."""
    if record.text == text:
        return list(record.entities)
    source = _non_space_positions(record.text)
    target = _non_space_positions(text)
    index = {position: n for n, position in enumerate(source)}
    moved = []
    for e in record.entities:
        inside = [i for i in range(e.start, e.end) if not record.text[i].isspace()]
        if not inside:
            continue  # a mention of whitespace only says nothing
        first, last = index[inside[0]], index[inside[-1]]
        moved.append(Entity.from_span(text, target[first], target[last] + 1, e.type))
    return moved


def _non_space_positions(text: str) -> list[int]:
    return [i for i, c in enumerate(text) if not c.isspace()]
