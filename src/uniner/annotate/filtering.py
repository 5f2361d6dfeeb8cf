"""From parsed teacher items to grounded mentions, counting why each item is dropped."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from uniner.annotate.parsing import parse_tuple_list
from uniner.corpus.passage import Passage
from uniner.grounding import find_spans
from uniner.types import AnnotatedText, Entity, unique

# Types the paper drops: "none", "NA", "MISC", "ELSE" and their usual spellings.
EXCLUDED_TYPES = frozenset(
    {"none", "na", "n/a", "misc", "miscellaneous", "else", "other", "others", "null", "unknown"}
)

# The prompt's own placeholders, copied back by weak teachers: "entity 1", "type of entity 2".
TEMPLATE_ECHO = re.compile(r"(type of )?entit(y|ies)( type)?( \d+)?|definition of entity type.*")

# Why a whole answer yields no annotation.
PASSAGE_REASONS = ("teacher_error", "unparseable", "no_entities", "no_valid_mentions")
# Why one (mention, type) item is dropped.
MENTION_REASONS = (
    "not_a_pair",
    "non_string",
    "empty_mention",
    "empty_type",
    "excluded_type",
    "template_echo",
    "non_english",
    "not_in_passage",
    "duplicate",
)


@dataclass
class FilterResult:
    """What one answer gave: the annotation (None when the passage is dropped) and counts."""

    record: AnnotatedText | None
    passage_drop: str | None = None
    mentions_proposed: int = 0
    mention_drops: Counter[str] = field(default_factory=Counter)
    repairs: tuple[str, ...] = ()


def normalize_type(value: str) -> str:
    """Trim, lower-case and collapse inner whitespace: ``" Person  Name "`` -> ``person name``."""
    return " ".join(value.split()).lower()


def is_english(mention: str) -> bool:
    """The paper drops non-English entities: here, mentions whose letters are mostly not
    Latin (ASCII or Latin-1 accented)."""
    letters = [c for c in mention if c.isalpha()]
    if not letters:
        return True
    latin = sum(1 for c in letters if ord(c) < 0x250)
    return latin / len(letters) >= 0.5


def find_mention(text: str, mention: str) -> list[tuple[int, int]]:
    """Every occurrence of ``mention`` in ``text``, by the rule every stage uses
    (:func:`uniner.grounding.find_spans`: word-bounded, case-insensitive if no exact one)."""
    return find_spans(text, mention)


def filter_answer(
    passage: Passage,
    answer: str | None,
    *,
    excluded_types: Iterable[str] = EXCLUDED_TYPES,
    drop_non_english: bool = True,
    keep_empty: bool = False,
) -> FilterResult:
    """Parse one teacher answer and keep the mentions that survive every check.

    Args:
        passage: the passage the teacher read.
        answer: the teacher's answer; None when the request failed.
        excluded_types: normalised types to drop.
        drop_non_english: drop mentions written mostly in non-Latin script.
        keep_empty: keep passages with no valid mention (as negatives) instead of dropping them.
    """
    if answer is None:
        return FilterResult(None, "teacher_error")
    parsed = parse_tuple_list(answer)
    if parsed.items is None:
        return FilterResult(None, "unparseable")
    excluded = frozenset(excluded_types)
    drops: Counter[str] = Counter()
    kept: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for item in parsed.items:
        reason, pair = _check(passage.text, item, excluded, drop_non_english)
        if reason is None and pair in kept:
            reason = "duplicate"
        if reason is not None or pair is None:
            drops[reason or "not_a_pair"] += 1
            continue
        kept[pair] = find_mention(passage.text, pair[0])
    result = FilterResult(None, None, len(parsed.items), drops, parsed.repairs)
    if not kept and not keep_empty:
        result.passage_drop = "no_entities" if not parsed.items else "no_valid_mentions"
        return result
    result.record = _record(passage, kept)
    return result


def _check(
    text: str, item: Any, excluded: frozenset[str], drop_non_english: bool
) -> tuple[str | None, tuple[str, str] | None]:
    """The drop reason of one item (None if kept) and its cleaned (mention, type)."""
    if isinstance(item, dict):
        item = _dict_pair(item)
    if not isinstance(item, (tuple, list)) or len(item) != 2:
        return "not_a_pair", None
    mention, entity_type = item
    if not isinstance(mention, str) or not isinstance(entity_type, str):
        return "non_string", None
    mention, entity_type = mention.strip(), normalize_type(entity_type)
    if not mention:
        return "empty_mention", None
    if not entity_type:
        return "empty_type", None
    if entity_type in excluded:
        return "excluded_type", None
    if TEMPLATE_ECHO.fullmatch(entity_type) or TEMPLATE_ECHO.fullmatch(mention.lower()):
        return "template_echo", None
    if drop_non_english and not is_english(mention):
        return "non_english", None
    if not find_mention(text, mention):
        return "not_in_passage", None
    return None, (mention, entity_type)


def _dict_pair(item: dict[Any, Any]) -> tuple[Any, Any] | None:
    """``{"entity": m, "type": t}`` (any two keys, the one naming a type last) as ``(m, t)``."""
    if len(item) != 2:
        return None
    (k1, v1), (_, v2) = item.items()
    return (v2, v1) if "type" in str(k1).lower() else (v1, v2)


def _record(passage: Passage, kept: dict[tuple[str, str], list[tuple[int, int]]]) -> AnnotatedText:
    entities = sorted(
        {
            Entity.from_span(passage.text, s, e, t)
            for (_, t), spans in kept.items()
            for s, e in spans
        }
    )
    return AnnotatedText(
        text=passage.text,
        entities=entities,
        types=unique(t for _, t in kept),
        id=passage.id,
        meta={
            "source": passage.source,
            "document": passage.document,
            "start": passage.start,
            "end": passage.end,
            "mentions": [[m, t] for m, t in kept],
        },
    )


def count_reasons(results: Sequence[FilterResult]) -> tuple[Counter[str], Counter[str]]:
    """Passage drop reasons and mention drop reasons summed over ``results``."""
    passages: Counter[str] = Counter(r.passage_drop for r in results if r.passage_drop)
    mentions: Counter[str] = Counter()
    for r in results:
        mentions.update(r.mention_drops)
    return passages, mentions
