"""The answer string a record gives for one entity type.

The official metric compares answer *strings* (``'["Ada Lovelace"]'``), the strict metric
compares spans. Readers of the conversation format keep the exact answer strings in
``record.answers``; every other record's answer is rebuilt from its mentions.
"""

from __future__ import annotations

from uniner.prompts import format_answer
from uniner.types import AnnotatedText, unique


def answer_for(record: AnnotatedText, type: str) -> str:
    """The record's answer for ``type``: the stored string if any, else its mentions as JSON.

    >>> from uniner.types import Entity
    >>> text = "Ada met Ada."
    >>> record = AnnotatedText(text, [Entity.from_span(text, 0, 3, "person")], ["person"])
    >>> answer_for(record, "person")
    '["Ada"]'
    """
    if type in record.answers:
        return record.answers[type]
    return format_answer(unique(e.text for e in record.mentions_of(type)))
