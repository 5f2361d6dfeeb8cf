"""Span JSON (``../shared/data/ner``) and JSON-lines span files.

Span JSON is one list per split::

    [{"sentence": "...", "entities": [{"name": "ELRA", "type": "conference", "pos": [29, 33]}]}]

with a ``labels.json`` beside it listing the dataset's types. JSON lines hold one record per
line: ``{"text": ..., "entities": [{"start", "end", "type"}], "types"?: [...], "id"?: ...,
"answers"?: {type: answer string}}`` (``answers`` keeps a model's exact answers for the
official metric, so a predictions file in this form scores the same under both metrics).
A record of either form is asked about every type of its dataset unless it lists ``types``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from uniner.data._io import read_json, read_jsonl, require, write_json, write_jsonl
from uniner.errors import DataFormatError
from uniner.types import AnnotatedText, Dataset, Entity, unique


def read_spans(path: Path) -> tuple[list[AnnotatedText], list[str]]:
    """Read span JSON: ``(records, types)``; types from ``labels.json`` when present."""
    data = read_json(path, "a JSON list of {sentence, entities} records")
    if not isinstance(data, list):
        raise DataFormatError(path, 1, "a JSON list of {sentence, entities} records")
    records = [_span_record(path, i, item) for i, item in enumerate(data, start=1)]
    # labels.json first, then any type it forgot, so no mention goes unasked
    types = unique([*_labels_beside(path), *(e.type for r in records for e in r.entities)])
    for record in records:
        record.types = list(types)
    return records, types


def _span_record(path: Path, index: int, item: Any) -> AnnotatedText:
    where = f"record {index}"
    if not isinstance(item, dict):
        raise DataFormatError(path, None, f"{where}: an object with 'sentence' and 'entities'")
    text = require(item, "sentence", str, path, None, where)
    entities = []
    for raw in require(item, "entities", list, path, None, where):
        pos = raw.get("pos") if isinstance(raw, dict) else None
        if not (isinstance(pos, list) and len(pos) == 2 and all(isinstance(p, int) for p in pos)):
            raise DataFormatError(path, None, f"{where}: entity {raw!r} needs 'pos': [start, end]")
        entity = _entity(path, None, where, text, pos[0], pos[1], raw.get("type"))
        if raw.get("name") is not None and raw["name"] != entity.text:
            raise DataFormatError(
                path,
                None,
                f"{where}: entity name {raw['name']!r} but text at {pos} is {entity.text!r}",
            )
        entities.append(entity)
    return AnnotatedText(text, sorted(set(entities)))


def _entity(
    path: Path, line: int | None, where: str, text: str, start: int, end: int, type: Any
) -> Entity:
    if not isinstance(type, str) or not type:
        raise DataFormatError(path, line, f"{where}: an entity type string, got {type!r}")
    if not 0 <= start <= end <= len(text):
        raise DataFormatError(
            path, line, f"{where}: offsets within the text (0..{len(text)}), got ({start}, {end})"
        )
    return Entity.from_span(text, start, end, type)


def _labels_beside(path: Path) -> list[str]:
    labels = path.parent / "labels.json"
    if not labels.is_file():
        return []
    found = read_json(labels, "a JSON list of label strings")
    if not (isinstance(found, list) and all(isinstance(t, str) for t in found)):
        raise DataFormatError(labels, 1, "a JSON list of label strings")
    return list(found)


def write_spans(dataset: Dataset, path: Path) -> None:
    """Write span JSON (``sentence``/``entities[{name, type, pos}]``)."""
    rows = [
        {
            "sentence": r.text,
            "entities": [
                {"name": e.text, "type": e.type, "pos": [e.start, e.end]}
                for e in sorted(r.entities)
            ],
        }
        for r in dataset.records
    ]
    write_json(path, rows)


def read_jsonl_spans(path: Path) -> tuple[list[AnnotatedText], list[str]]:
    """Read JSON lines ``{"text", "entities": [{"start", "end", "type"}]}``."""
    records = [
        _jsonl_record(path, lineno, obj) for lineno, obj in read_jsonl(path, "a JSON object")
    ]
    types = unique(t for r in records for t in (r.types or [e.type for e in r.entities]))
    for record in records:
        if not record.types:
            record.types = list(types)
    return records, types


def _jsonl_record(path: Path, lineno: int, obj: dict[str, Any]) -> AnnotatedText:
    try:
        return AnnotatedText.from_dict(obj)
    except (TypeError, ValueError) as err:
        raise DataFormatError(path, lineno, f"record: {err}") from err


def write_jsonl_spans(dataset: Dataset, path: Path) -> None:
    """Write JSON lines with text, entities (start, end, text, type), types and id."""
    rows = []
    for r in dataset.records:
        row: dict[str, Any] = {
            "text": r.text,
            "entities": [e.to_dict() for e in sorted(r.entities)],
            "types": list(r.types),
        }
        if r.id is not None:
            row["id"] = r.id
        if r.answers:
            row["answers"] = dict(r.answers)
        rows.append(row)
    write_jsonl(path, rows)
