"""The Pile-NER instruction format (``../shared/data/distill/pile-ner-subset.jsonl``).

One JSON line per (passage, type) query::

    {"doc_question_pairID": "42805:1", "tagName": "court", "input": "<passage>",
     "instruction": "...", "output": "[\\"...\\"]"}

Lines are grouped by passage (the id before ``:``); the type is ``tagName`` lower-cased; the
mentions are the ``output`` JSON list, grounded in the passage. Mentions the teacher wrote but
that do not occur in the passage are kept in ``meta["ungrounded"]`` and counted, not dropped
silently. ``output`` must be a JSON list of strings: anything else is a format error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from uniner.data._io import read_jsonl, require
from uniner.data.grounding import ground
from uniner.errors import DataFormatError
from uniner.types import AnnotatedText, unique

_EXPECTED = "a JSON object with doc_question_pairID, tagName, input and output"


def read_pile_ner(path: Path) -> tuple[list[AnnotatedText], list[str]]:
    """Read Pile-NER lines into one annotated text per passage: ``(records, types)``."""
    passages: dict[str, AnnotatedText] = {}
    for lineno, obj in read_jsonl(path, _EXPECTED):
        doc_id, text, type, mentions, raw = _parse_line(path, lineno, obj)
        record = passages.get(doc_id)
        if record is None:
            record = AnnotatedText(text, id=doc_id, meta={"ids": {}})
            passages[doc_id] = record
        elif record.text != text:
            raise DataFormatError(path, lineno, f"the same passage text for document {doc_id!r}")
        if type in record.answers:
            raise DataFormatError(
                path, lineno, f"one query per type per passage ({type!r} repeats)"
            )
        _add_query(record, type, mentions, raw, str(obj["doc_question_pairID"]))
    records = list(passages.values())
    return records, unique(t for r in records for t in r.types)


def _parse_line(
    path: Path, lineno: int, obj: dict[str, Any]
) -> tuple[str, str, str, list[str], str]:
    pair_id = require(obj, "doc_question_pairID", str, path, lineno, _EXPECTED)
    tag = require(obj, "tagName", str, path, lineno, _EXPECTED)
    text = require(obj, "input", str, path, lineno, _EXPECTED)
    raw = require(obj, "output", str, path, lineno, _EXPECTED)
    try:
        mentions = json.loads(raw)
    except json.JSONDecodeError:
        mentions = None
    if not (isinstance(mentions, list) and all(isinstance(m, str) for m in mentions)):
        raise DataFormatError(path, lineno, f"'output' as a JSON list of strings, got {raw[:60]!r}")
    if not tag.strip():
        raise DataFormatError(path, lineno, "a non-empty 'tagName'")
    return pair_id.split(":", 1)[0], text, " ".join(tag.lower().split()), mentions, raw


def _add_query(
    record: AnnotatedText, type: str, mentions: list[str], raw: str, pair_id: str
) -> None:
    found, missing = ground(record.text, mentions, type)
    record.entities = sorted(set(record.entities) | set(found))
    record.types.append(type)
    record.answers[type] = raw
    record.meta["ids"][type] = pair_id
    if missing:
        record.meta.setdefault("ungrounded", {})[type] = missing
