"""Turning bare mention strings into character spans.

The official conversation format and teacher output give mentions as strings, not offsets.
Grounding finds every occurrence of each string in the passage so that the strict span metric
and the instruction builder can use them. Word boundaries are respected where the mention
itself starts or ends with a word character (``"s"`` must not match inside ``"classifiers"``),
with fall-backs to a raw and then a case-insensitive match, because teacher output does not
always copy the passage exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from uniner.types import Entity

# The official parser's pattern: the first [...] at the very start of an answer.
ANSWER_LIST = re.compile(r"\[(.*?)\]")


def answer_mentions(answer: str) -> list[str]:
    """The mention strings of an answer such as ``'["Ada", "Bob"]'``, or ``[]``.

    The whole (stripped) answer is tried as a JSON list first; failing that, the official
    scorer's rule (``re.match(r'\\[(.*?)\\]')`` then ``json.loads``). Non-string items are
    ignored. Nothing raises: a model's answer may be any text.

    >>> answer_mentions('["Ada", "Bob"] and more')
    ['Ada', 'Bob']
    """
    for candidate in _answer_candidates(answer.strip()):
        try:
            items = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(items, list):
            return [item for item in items if isinstance(item, str)]
    return []


def _answer_candidates(answer: str) -> Iterable[str]:
    yield answer
    match = ANSWER_LIST.match(answer)
    if match:
        yield match.group()


def find_occurrences(text: str, mention: str) -> list[tuple[int, int]]:
    """Every ``(start, end)`` where ``mention`` occurs in ``text``, boundary-aware first.

    >>> find_occurrences("a cat and a catalogue", "cat")
    [(2, 5)]
    """
    if not mention.strip():
        return []
    pattern = re.escape(mention)
    bounded = (r"(?<!\w)" if mention[0].isalnum() else "") + pattern
    bounded += r"(?!\w)" if mention[-1].isalnum() else ""
    for regex, flags in ((bounded, 0), (pattern, 0), (bounded, re.IGNORECASE)):
        spans = [m.span() for m in re.finditer(regex, text, flags)]
        if spans:
            return spans
    return []


def ground(text: str, mentions: Iterable[str], type: str) -> tuple[list[Entity], list[str]]:
    """Ground each mention string of one type: ``(entities, mentions not found)``.

    Every occurrence becomes an entity; duplicates (same span) are kept once.

    >>> ground("Ada met Ada.", ["Ada", "Bob"], "person")[1]
    ['Bob']
    """
    entities: dict[tuple[int, int], Entity] = {}
    missing: list[str] = []
    for mention in mentions:
        spans = find_occurrences(text, mention)
        if not spans:
            missing.append(mention)
        for start, end in spans:
            entities.setdefault((start, end), Entity.from_span(text, start, end, type))
    return sorted(entities.values()), missing
