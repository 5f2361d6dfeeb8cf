"""Pile-NER passages with all of the teacher's mentions, token-tagged
(``../shared/data/distill/pile-ner-391-bio.txt``).

One token and its BIO tag per line, a blank line between passages: the CoNLL reader decodes the
tags, then each passage's text is rebuilt with natural spacing (:mod:`uniner.data.detokenize`)
and its mentions moved onto it. Unlike a supervised set, the file's labels are not a closed
label set asked of every passage: a passage's ``types`` are the types it has mentions of (the
file does not say which absent types the teacher was asked about), so the instruction builder
samples its negatives. Records carry ``meta["detokenized"] = True``, so that a copy of the same
passage with its original text wins when the builder merges duplicates.
"""

from __future__ import annotations

from pathlib import Path

from uniner.data.conll import read_conll
from uniner.data.detokenize import detokenize
from uniner.types import AnnotatedText, Entity, unique


def read_pile_ner_bio(path: Path) -> tuple[list[AnnotatedText], list[str]]:
    """Read the token-tagged Pile-NER file: ``(records, types in first-seen order)``."""
    records, _, _ = read_conll(path)
    rebuilt = [detokenize_record(r, id=f"{path.stem}:{r.meta['line']}") for r in records]
    return rebuilt, unique(e.type for r in rebuilt for e in r.entities)


def detokenize_record(record: AnnotatedText, *, id: str | None = None) -> AnnotatedText:
    """``record`` (text = tokens joined by single spaces) with natural spacing, its mentions
    moved along; its ``types`` become the types it has mentions of."""
    tokens = record.text.split(" ")
    text, starts = detokenize(tokens)
    old_starts, offset = {}, 0
    for index, token in enumerate(tokens):
        old_starts[offset] = index
        offset += len(token) + 1
    old_ends = {s + len(tokens[i]) - 1: i for s, i in old_starts.items()}
    entities = []
    for e in record.entities:
        first, last = old_starts[e.start], old_ends[e.end - 1]
        end = starts[last] + len(tokens[last])
        entities.append(Entity.from_span(text, starts[first], end, e.type))
    return AnnotatedText(
        text,
        sorted(set(entities)),
        unique(e.type for e in sorted(entities)),
        id=id if id is not None else record.id,
        dataset=record.dataset,
        meta={**record.meta, "detokenized": True},
    )
