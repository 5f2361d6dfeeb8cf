"""Turn answer strings into mentions with offsets: locate, merge, and optionally flatten.

Every string the student names is looked up in the passage; each occurrence that starts and
ends on a word boundary becomes an :class:`~uniner.types.Entity`. Strings that do not occur
are not mentions (the student may not invent text); the caller counts them.
"""

from __future__ import annotations

from collections.abc import Iterable

from uniner.types import Entity


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def find_occurrences(text: str, mention: str, *, ignore_case: bool = False) -> list[int]:
    """Start offsets of every occurrence of ``mention`` in ``text`` on word boundaries.

    A boundary is only required where the mention itself starts or ends with a word
    character: "AI" does not match inside "MAIN", but "(AI)" matches wherever it is written.

    >>> find_occurrences("AI and MAIN and AI.", "AI")
    [0, 16]
    """
    if not mention:
        return []
    haystack, needle = (text.lower(), mention.lower()) if ignore_case else (text, mention)
    starts = []
    pos = haystack.find(needle)
    while pos >= 0:
        end = pos + len(needle)
        left_ok = not _is_word(needle[0]) or pos == 0 or not _is_word(haystack[pos - 1])
        right_ok = not _is_word(needle[-1]) or end == len(text) or not _is_word(haystack[end])
        if left_ok and right_ok:
            starts.append(pos)
        pos = haystack.find(needle, pos + 1)
    return starts


def ground(
    text: str,
    mention: str,
    entity_type: str,
    score: float | None = None,
    *,
    all_occurrences: bool = True,
) -> list[Entity]:
    """The entities for one answer string: exact matches first, else case-insensitive ones.

    Returns an empty list when the string does not occur in ``text``.
    """
    starts = find_occurrences(text, mention) or find_occurrences(text, mention, ignore_case=True)
    if not all_occurrences:
        starts = starts[:1]
    return [Entity.from_span(text, s, s + len(mention), entity_type, score) for s in starts]


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
