"""The records of the corpus stage: a raw document and a passage cut from it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def content_id(text: str) -> str:
    """A stable id for a text: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Document:
    """One unlabeled document as read from a corpus.

    Attributes:
        text: the document's text.
        source: the file (or dataset directory) it was read from.
        document: where in the source it sits: a line number, row index or ``"0"`` for a
            whole file.
    """

    text: str
    source: str
    document: str


@dataclass(frozen=True)
class Passage:
    """A passage to annotate, with where it came from.

    ``text == document_text[start:end]`` for the document named by ``source`` and
    ``document``. The id is a hash of the text alone, so the same passage has the same id in
    every run and in every corpus.

    >>> p = Passage("Ada Lovelace wrote notes.", source="a.txt", document="0", start=0, end=25)
    >>> p.id
    '2d6b862b8928bcae'
    """

    text: str
    source: str
    document: str
    start: int
    end: int
    id: str = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text:
            raise ValueError(f"a passage needs a non-empty text, got {self.text!r}")
        if self.end - self.start != len(self.text):
            raise ValueError(
                f"passage range ({self.start}, {self.end}) does not match its text length "
                f"{len(self.text)}"
            )
        object.__setattr__(self, "id", content_id(self.text))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "source": self.source,
            "document": self.document,
            "start": self.start,
            "end": self.end,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Passage:
        passage = cls(d["text"], d["source"], str(d["document"]), int(d["start"]), int(d["end"]))
        if "id" in d and d["id"] != passage.id:
            raise ValueError(f"passage id {d['id']!r} does not match its text ({passage.id})")
        return passage
