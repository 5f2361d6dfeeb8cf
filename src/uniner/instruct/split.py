"""Fit a passage's questions into the maximum length without ever cutting one.

A conversation that would exceed the limit is first split by types (several conversations
about the same passage, each asking some of the types); a passage too long even for one
question is split at a space that is not inside any mention, and each piece is asked again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from uniner.instruct.conversation import Conversation, mentions_in_order
from uniner.types import AnnotatedText, Entity

# Does this conversation fit the length limit? (see builder.length_check)
Fits = Callable[[Conversation], bool]


def answers_for(record: AnnotatedText, types: Sequence[str]) -> list[tuple[str, list[str]]]:
    """The ``(type, mentions)`` answers of ``record`` for the asked ``types``."""
    return [(t, mentions_in_order(record, t)) for t in types]


def fit_conversations(
    record: AnnotatedText,
    types: Sequence[str],
    dataset: str | None,
    fits: Fits,
    descriptions: Mapping[str, str] | None = None,
) -> list[Conversation]:
    """Conversations asking every type in ``types`` about ``record``, each one fitting;
    ``descriptions``: the types whose question carries a description, and it.

    Raises:
        ValueError: when a passage cannot be split further (one mention longer than the limit).
    """
    described = dict(descriptions or {})

    def asking(asked: Sequence[str]) -> Conversation:
        chosen = {t: described[t] for t in asked if t in described}
        return Conversation(
            "", record.text, answers_for(record, asked), dataset, descriptions=chosen
        )

    whole = asking(types)
    if fits(whole):
        return [whole]
    result: list[Conversation] = []
    group: list[str] = []
    for entity_type in types:
        if not fits(asking([entity_type])):
            result.extend(_split_passage(record, [entity_type], dataset, fits, described))
            continue
        if group and not fits(asking([*group, entity_type])):
            result.append(asking(group))
            group = []
        group.append(entity_type)
    if group:
        result.append(asking(group))
    return result


def _split_passage(
    record: AnnotatedText,
    types: Sequence[str],
    dataset: str | None,
    fits: Fits,
    descriptions: Mapping[str, str],
) -> list[Conversation]:
    halves = split_text(record)
    if halves is None:
        raise ValueError(
            f"passage {record.id!r} ({len(record.text)} characters) cannot be split to fit the "
            "maximum length without cutting a mention; raise max_length"
        )
    return [
        c for half in halves for c in fit_conversations(half, types, dataset, fits, descriptions)
    ]


def split_text(record: AnnotatedText) -> tuple[AnnotatedText, AnnotatedText] | None:
    """Split at the space nearest the middle that no mention spans; None if there is none."""
    text = record.text
    inside = [False] * (len(text) + 1)
    for e in record.entities:
        for i in range(e.start + 1, e.end):
            inside[i] = True
    # A cut must leave text on both sides: between the first and last non-space characters.
    first = len(text) - len(text.lstrip())
    last = len(text.rstrip()) - 1
    cuts = [i for i in range(first + 1, last) if text[i].isspace() and not inside[i]]
    if not cuts:
        return None
    cut = min(cuts, key=lambda i: abs(i - len(text) // 2))
    return _piece(record, 0, cut), _piece(record, cut, len(text))


def _piece(record: AnnotatedText, start: int, end: int) -> AnnotatedText:
    # Strip surrounding whitespace; the mentions move with the offset.
    raw = record.text[start:end]
    start += len(raw) - len(raw.lstrip())
    end -= len(raw) - len(raw.rstrip())
    entities = [
        Entity(e.start - start, e.end - start, e.text, e.type)
        for e in record.entities
        if start <= e.start and e.end <= end
    ]
    return AnnotatedText(
        record.text[start:end], entities, list(record.types), record.id, record.dataset
    )
