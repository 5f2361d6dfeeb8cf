"""Where a mention string occurs in a text: the one rule every stage uses.

Teacher output, the official benchmark files and the student's answers all name mentions as
strings, not offsets. Annotation (``uniner.annotate``), the data readers (``uniner.data``) and
the engine (``uniner.engine``) turn them into spans with this module only, so that gold spans,
training spans and predicted spans are made by the same rule:

* an occurrence must start and end on a word boundary wherever the mention itself starts or
  ends with a word character: ``"AI"`` is not found inside ``"MAIN"``, ``"cat"`` not inside
  ``"catalogue"``, but ``"(AI)"`` or ``"C++"`` are found wherever they are written;
* exact matches first; only when there is none, case-insensitive ones (teacher output does not
  always copy the passage's case);
* every non-overlapping occurrence, left to right, or the first only.

A string found nowhere is not a mention of the text (a model may not invent text); callers
count those.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from uniner.types import Entity

CaseRule = Literal["fallback", "exact", "ignore"]
# The regex flags tried in turn, for each case rule; the first that finds anything wins.
_CASE_PASSES: dict[str, tuple[int, ...]] = {
    "fallback": (0, re.IGNORECASE),
    "exact": (0,),
    "ignore": (re.IGNORECASE,),
}


def find_spans(
    text: str, mention: str, *, case: CaseRule = "fallback", first_only: bool = False
) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each occurrence of ``mention`` in ``text``, by the rule above.

    ``case``: ``fallback`` (exact matches, else case-insensitive ones: the rule), ``exact``
    or ``ignore`` (one pass only).

    >>> find_spans("a cat and a catalogue", "cat")
    [(2, 5)]
    >>> find_spans("AI and MAIN and ai.", "AI")
    [(0, 2)]
    >>> find_spans("in PARIS", "Paris")
    [(3, 8)]
    """
    if not mention.strip():
        return []
    pattern = re.escape(mention)
    if _is_word(mention[0]):
        pattern = r"(?<!\w)" + pattern
    if _is_word(mention[-1]):
        pattern += r"(?!\w)"
    for flags in _CASE_PASSES[case]:
        matches = re.finditer(pattern, text, flags)
        spans = [m.span() for m in matches]
        if spans:
            return spans[:1] if first_only else spans
    return []


def _is_word(ch: str) -> bool:
    # What regex's \w means for one character: letters, digits and the underscore.
    return ch.isalnum() or ch == "_"


def ground(
    text: str,
    mention: str,
    entity_type: str,
    score: float | None = None,
    *,
    all_occurrences: bool = True,
) -> list[Entity]:
    """The entities one mention string gives in ``text`` (empty when it does not occur).

    >>> [(e.start, e.end) for e in ground("Ada met Ada.", "Ada", "person")]
    [(0, 3), (8, 11)]
    """
    spans = find_spans(text, mention, first_only=not all_occurrences)
    return [Entity.from_span(text, s, e, entity_type, score) for s, e in spans]


def ground_all(
    text: str, mentions: Iterable[str], entity_type: str
) -> tuple[list[Entity], list[str]]:
    """Ground several strings of one type: ``(entities, strings found nowhere)``; a span found
    for two strings is kept once.

    >>> ground_all("Ada met Ada.", ["Ada", "Bob"], "person")[1]
    ['Bob']
    """
    entities: dict[tuple[int, int], Entity] = {}  # span -> its entity
    missing: list[str] = []
    for mention in mentions:
        found = ground(text, mention, entity_type)
        if not found:
            missing.append(mention)
        for entity in found:
            entities.setdefault((entity.start, entity.end), entity)
    return sorted(entities.values()), missing
