"""The builder's files: annotated passages in (any format the data readers take), training
conversations out, in the official form (:mod:`uniner.data.conversations` reads and writes
it)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from uniner.data.conversations import (
    Conversation,
    read_conversation_records,
    write_conversation_records,
)
from uniner.data.io import load_dataset
from uniner.types import AnnotatedText


def read_records(
    path: str | Path, *, format: str | None = None, name: str | None = None
) -> list[AnnotatedText]:
    """Annotated passages from any format :func:`uniner.data.load_dataset` reads (teacher
    annotations are its ``jsonl`` format); an empty file is no passages."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file not found: {path}")
    if path.stat().st_size == 0:  # e.g. a teacher run that kept no passage
        return []
    return list(load_dataset(path, format=format, name=name).records)


def write_conversations(conversations: Iterable[Conversation], path: str | Path) -> int:
    """Write official training records, one JSON object a line; returns how many."""
    return write_conversation_records(conversations, path)


def read_conversations(path: str | Path) -> list[Conversation]:
    """Read official training records from JSONL, or from a JSON list (the released files)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"conversation file not found: {path}")
    return read_conversation_records(path)
