"""The engine's mentions: located by the one rule of :mod:`uniner.grounding` (re-exported
here as :func:`ground`), then merged across windows and types, optionally flattened."""

from __future__ import annotations

from collections.abc import Iterable

from uniner.grounding import find_spans, ground
from uniner.types import Entity

__all__ = ["find_occurrences", "flatten", "ground", "merge"]


def find_occurrences(text: str, mention: str, *, ignore_case: bool = False) -> list[int]:
    """Start offsets of ``mention`` in ``text`` by the one rule of :mod:`uniner.grounding`:
    exact matches, or case-insensitive ones with ``ignore_case``.

    >>> find_occurrences("AI and MAIN and AI.", "AI")
    [0, 16]
    """
    spans = find_spans(text, mention, case="ignore" if ignore_case else "exact")
    return [start for start, _ in spans]


def merge(entities: Iterable[Entity]) -> list[Entity]:
    """Drop duplicate (start, end, type) spans, keeping the highest score; sort by position."""
    best: dict[tuple[int, int, str], Entity] = {}  # span -> its best-scored entity
    for entity in entities:
        kept = best.get(entity.span)
        if kept is None or (entity.score or 0.0) > (kept.score or 0.0):
            best[entity.span] = entity
    return sorted(best.values())


def flatten(entities: Iterable[Entity]) -> list[Entity]:
    """Resolve overlaps to non-overlapping spans: higher score first, then the longer span.

    >>> a = Entity(0, 3, "Ada", "person", 0.9)
    >>> b = Entity(0, 12, "Ada Lovelace", "person", 0.5)
    >>> flatten([a, b])
    [Entity(start=0, end=3, text='Ada', type='person', score=0.9)]
    """
    ranked = sorted(entities, key=lambda e: (-(e.score or 0.0), -(e.end - e.start), e.start))
    chosen: list[Entity] = []
    for entity in ranked:
        if all(entity.end <= c.start or entity.start >= c.end for c in chosen):
            chosen.append(entity)
    return sorted(chosen)
