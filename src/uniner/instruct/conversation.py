"""A passage's training conversation: :class:`Conversation` (the official form, owned by
:mod:`uniner.data.conversations`, re-exported here) and the mentions it asks for."""

from __future__ import annotations

from uniner.data.conversations import Conversation
from uniner.types import AnnotatedText, unique

__all__ = ["Conversation", "mentions_in_order"]


def mentions_in_order(record: AnnotatedText, entity_type: str) -> list[str]:
    """The distinct mention strings of one type, in order of first appearance in the text."""
    return unique(e.text for e in record.mentions_of(entity_type))
