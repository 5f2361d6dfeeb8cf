"""Mention strings of the data files to spans, by the one rule of :mod:`uniner.grounding`.

The official conversation format and teacher output give mentions as strings, not offsets;
the readers ground every occurrence so that the strict span metric and the instruction builder
can use them, exactly as the engine grounds its answers. Answers are read by the one lenient
parser, :func:`uniner.prompts.parse_answer`.
"""

from __future__ import annotations

from collections.abc import Iterable

from uniner.grounding import find_spans, ground_all
from uniner.prompts import parse_answer
from uniner.types import Entity


def answer_mentions(answer: str) -> list[str]:
    """The mention strings of an answer such as ``'["Ada", "Bob"]'``, or ``[]``; never raises.

    >>> answer_mentions('["Ada", "Bob"] and more')
    ['Ada', 'Bob']
    """
    return [mention.text for mention in parse_answer(answer).mentions]


def find_occurrences(text: str, mention: str) -> list[tuple[int, int]]:
    """Every ``(start, end)`` of ``mention`` in ``text`` (:func:`uniner.grounding.find_spans`).

    >>> find_occurrences("a cat and a catalogue", "cat")
    [(2, 5)]
    """
    return find_spans(text, mention)


def ground(text: str, mentions: Iterable[str], type: str) -> tuple[list[Entity], list[str]]:
    """Ground each mention string of one type: ``(entities, mentions not found)``
    (:func:`uniner.grounding.ground_all`).

    >>> ground("Ada met Ada.", ["Ada", "Bob"], "person")[1]
    ['Bob']
    """
    return ground_all(text, mentions, type)
