"""Read annotated passages for the builder; write conversations in the official JSONL form."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from uniner.errors import DataFormatError
from uniner.instruct.conversation import Conversation
from uniner.types import AnnotatedText, Entity


def read_records(
    path: str | Path, *, format: str | None = None, name: str | None = None
) -> list[AnnotatedText]:
    """Annotated passages from any format :func:`uniner.data.load_dataset` reads.

    Teacher annotations (``annotations.jsonl`` of :class:`AnnotatedText` dicts) are read
    directly, so the builder works even where the data readers are not installed.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file not found: {path}")
    if path.stat().st_size == 0:  # e.g. a teacher run that kept no passage
        return []
    if format in (None, "annotations") and _looks_like_annotations(path):
        records = list(_read_annotations(path))
        for record in records:
            record.dataset = record.dataset or name
        return records
    import uniner.data

    # The readers of every other format (uniner.data.load_dataset); looked up at call time.
    load_dataset = getattr(uniner.data, "load_dataset", None)
    if load_dataset is None:
        raise DataFormatError(path, None, "an annotations JSONL file (no other reader available)")
    return list(load_dataset(path, format=format, name=name).records)


def _looks_like_annotations(path: Path) -> bool:
    if path.suffix != ".jsonl":
        return False
    with path.open(encoding="utf-8") as handle:
        first = next((line for line in handle if line.strip()), "")
    try:
        record = json.loads(first)
    except json.JSONDecodeError:
        return False
    return isinstance(record, dict) and "text" in record and "entities" in record


def _read_annotations(path: Path) -> Iterator[AnnotatedText]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield _annotation(path, number, line)


def _annotation(path: Path, number: int, line: str) -> AnnotatedText:
    try:
        raw: dict[str, Any] = json.loads(line)
        text = raw["text"]
        entities = [
            Entity.from_span(text, int(e["start"]), int(e["end"]), e["type"])
            for e in raw["entities"]
        ]
        return AnnotatedText(
            text,
            entities,
            list(raw.get("types") or []),
            raw.get("id"),
            raw.get("dataset"),
            raw.get("meta") or {},
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise DataFormatError(
            path,
            number,
            'expected {"text", "entities": [{"start", "end", "type"}], "types"?, "id"?}'
            f" ({err})",
        ) from err


def write_conversations(conversations: Iterable[Conversation], path: str | Path) -> int:
    """Write official training records, one JSON object a line; returns how many."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for conversation in conversations:
            handle.write(json.dumps(conversation.to_official(), ensure_ascii=False) + "\n")
            count += 1
    return count


def read_conversations(path: str | Path) -> list[Conversation]:
    """Read official training records from JSONL, or from a JSON list (the released files)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"conversation file not found: {path}")
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        return [Conversation.from_official(r, path=str(path)) for r in _json_list(path, text)]
    result = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataFormatError(path, number, f"invalid JSON ({err})") from err
            result.append(Conversation.from_official(record, path=str(path), line=number))
    return result


def _json_list(path: Path, text: str) -> list[dict[str, Any]]:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataFormatError(path, err.lineno, f"invalid JSON ({err.msg})") from err
    if not isinstance(records, list):
        raise DataFormatError(path, None, "expected a JSON list of conversation records")
    return records
