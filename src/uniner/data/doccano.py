"""doccano's JSON lines, as a sequence-labeling project exports and imports them.

One record per line, its mentions as ``[start, end, "TYPE"]`` character offsets (``end``
exclusive)::

    {"id": 1, "text": "Ada met Bob.", "label": [[0, 3, "PER"], [8, 11, "PER"]]}

Older exports name the list ``labels``; a project with relations exports ``entities``:
``[{"id": 4, "label": "PER", "start_offset": 0, "end_offset": 3}]``. All three are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from uniner.data._io import read_jsonl, require, write_jsonl
from uniner.errors import DataFormatError
from uniner.types import AnnotatedText, Entity, unique

SPAN_KEYS = ("label", "labels", "entities")  # where a record's mentions may be


def read_doccano(path: Path) -> tuple[list[AnnotatedText], list[str]]:
    """Read doccano JSON lines: ``(records, types)``; every record is asked every type.

    Raises:
        DataFormatError: a line is not an object with a ``text`` and a list of mentions in
            one of the shapes above, or a mention falls outside its text (names the line).
    """
    records = [
        _record(path, lineno, obj)
        for lineno, obj in read_jsonl(path, 'a JSON object {"text", "label"}')
    ]
    types = unique(e.type for r in records for e in r.entities)
    for record in records:
        record.types = list(types)
    return records, types


def _record(path: Path, lineno: int, obj: dict[str, Any]) -> AnnotatedText:
    text = require(obj, "text", str, path, lineno, "record")
    key = next((k for k in SPAN_KEYS if k in obj), None)
    if key is None:
        raise DataFormatError(
            path, lineno, 'record: a "label" list of [start, end, "TYPE"] (or "entities")'
        )
    raw = require(obj, key, list, path, lineno, "record")
    entities = [_mention(path, lineno, text, key, item) for item in raw]
    record_id = obj.get("id")
    return AnnotatedText(
        text, sorted(set(entities)), id=None if record_id is None else str(record_id)
    )


def _mention(path: Path, lineno: int, text: str, key: str, item: Any) -> Entity:
    if key == "entities":
        ok = isinstance(item, dict)
        start, end, label = (
            (item.get("start_offset"), item.get("end_offset"), item.get("label"))
            if ok
            else (None, None, None)
        )
        shape = '{"start_offset", "end_offset", "label"}'
    else:
        ok = isinstance(item, list) and len(item) == 3
        start, end, label = item if ok else (None, None, None)
        shape = '[start, end, "TYPE"]'
    if not (isinstance(start, int) and isinstance(end, int) and isinstance(label, str) and label):
        raise DataFormatError(path, lineno, f"record: each {key!r} item as {shape}, got {item!r}")
    if not 0 <= start <= end <= len(text):
        raise DataFormatError(
            path,
            lineno,
            f"record: offsets within the text (0..{len(text)}), got ({start}, {end}) in {item!r}",
        )
    return Entity.from_span(text, start, end, label)


def doccano_rows(records: Sequence[AnnotatedText]) -> list[dict[str, Any]]:
    """The JSON lines doccano imports into a sequence-labeling project.

    >>> from uniner.types import AnnotatedText, Entity
    >>> doccano_rows([AnnotatedText("Ada.", [Entity(0, 3, "Ada", "person")])])
    [{'text': 'Ada.', 'label': [[0, 3, 'person']]}]
    """
    return [
        {"text": r.text, "label": [[e.start, e.end, e.type] for e in sorted(r.entities)]}
        for r in records
    ]


def write_doccano(records: Sequence[AnnotatedText], path: Path) -> None:
    """Write :func:`doccano_rows` to ``path``."""
    write_jsonl(path, doccano_rows(records))
