"""Prodigy's JSON lines, as ``prodigy db-out`` exports manual NER annotations.

One example per line; its mentions are ``spans`` with character offsets (``end`` exclusive)
and the annotator's decision is ``answer``::

    {"text": "Ada met Bob.", "spans": [{"start": 0, "end": 3, "label": "PER",
     "token_start": 0, "token_end": 0}], "answer": "accept", "_input_hash": 1, "_task_hash": 2}

Only accepted examples are records: ``reject`` and ``ignore`` ones say the example is wrong
or was skipped (an example without ``answer``, as in a file of tasks to annotate, counts as
accepted). This is the reading of ``ner.manual`` / ``ner.correct`` data, where an answer
covers the whole example; binary ``ner.teach`` answers about one suggested span are not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from uniner.data._io import read_jsonl, require
from uniner.errors import DataFormatError
from uniner.types import AnnotatedText, Entity, unique

ANSWERS = ("accept", "reject", "ignore")


def read_prodigy(path: Path) -> tuple[list[AnnotatedText], list[str]]:
    """Read Prodigy JSON lines: ``(accepted records, types)``; each is asked every type.

    Raises:
        DataFormatError: a line is not an example with a ``text``, an ``answer`` of
            accept/reject/ignore and ``spans`` of ``{start, end, label}`` within the text
            (names the line).
    """
    records = []
    for lineno, obj in read_jsonl(path, 'a JSON object {"text", "spans", "answer"}'):
        answer = obj.get("answer", "accept")
        if answer not in ANSWERS:
            raise DataFormatError(
                path, lineno, f"example: 'answer' one of {', '.join(ANSWERS)}, got {answer!r}"
            )
        text = require(obj, "text", str, path, lineno, "example")
        spans = obj.get("spans", [])
        if not isinstance(spans, list):
            raise DataFormatError(path, lineno, f"example: 'spans' must be a list, got {spans!r}")
        entities = [_span(path, lineno, text, span) for span in spans]
        if answer == "accept":
            records.append(AnnotatedText(text, sorted(set(entities))))
    types = unique(e.type for r in records for e in r.entities)
    for record in records:
        record.types = list(types)
    return records, types


def _span(path: Path, lineno: int, text: str, span: Any) -> Entity:
    if not isinstance(span, dict):
        raise DataFormatError(path, lineno, f"example: a span object, got {span!r}")
    start, end, label = span.get("start"), span.get("end"), span.get("label")
    if not (isinstance(start, int) and isinstance(end, int) and isinstance(label, str) and label):
        raise DataFormatError(
            path, lineno, f"example: a span with integer 'start', 'end' and a 'label', got {span!r}"
        )
    if not 0 <= start <= end <= len(text):
        raise DataFormatError(
            path,
            lineno,
            f"example: offsets within the text (0..{len(text)}), got ({start}, {end})",
        )
    entity = Entity.from_span(text, start, end, label)
    if span.get("text") is not None and span["text"] != entity.text:
        raise DataFormatError(
            path,
            lineno,
            f"example: span text {span['text']!r} but the text at ({start}, {end}) is "
            f"{entity.text!r}",
        )
    return entity
