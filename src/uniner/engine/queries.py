"""Token ids of the student's prompts, split into the part all type queries share and the rest.

The naive reference tokenizes one full prompt per (passage, type). The fast path must feed the
model exactly the same ids, so it tokenizes the same full prompts and splits them at their
longest common prefix: no assumption that ``tokenize(prefix) + tokenize(suffix)`` equals
``tokenize(prefix + suffix)`` is needed, and the split is exact whatever the tokenizer does at
the boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from uniner.entity_types import EntityType
from uniner.prompts import Style, conversation, render
from uniner.tokenization import encode_turns


@dataclass(frozen=True)
class EncodedPassage:
    """One passage's prompts: ``prefix + suffixes[i]`` is the full prompt for ``types[i]``
    (its name; a description lengthens that type's suffix only, never the shared prefix)."""

    prefix: list[int]
    suffixes: list[list[int]]
    types: list[str]

    def full(self, index: int) -> list[int]:
        """The full prompt ids for the ``index``-th type (what the naive path feeds)."""
        return self.prefix + self.suffixes[index]


def prompt_text(
    tokenizer: Any,
    style: Style,
    text: str,
    entity_type: str | EntityType,
    dataset: str | None = None,
) -> str:
    """The full prompt string asking for one type in one passage, ready for generation."""
    turns = conversation(text, [(entity_type, None)], dataset)
    segments = render(style, turns, tokenizer=tokenizer, add_generation_prompt=True)
    return "".join(segment for segment, _ in segments)


def encode_query(
    tokenizer: Any,
    style: Style,
    text: str,
    entity_type: str | EntityType,
    dataset: str | None = None,
) -> list[int]:
    """Token ids of the full prompt asking for one type in one passage, the user's strings
    (passage, type, dataset) tokenized as plain text (:mod:`uniner.tokenization`)."""
    turns = conversation(text, [(entity_type, None)], dataset)
    return encode_turns(tokenizer, style, turns, add_generation_prompt=True).ids


def common_prefix_length(sequences: Sequence[Sequence[int]]) -> int:
    """Length of the longest prefix shared by every sequence."""
    first = sequences[0]
    n = min(len(s) for s in sequences)
    for i in range(n):
        if any(s[i] != first[i] for s in sequences[1:]):
            return i
    return n


def encode_passage(
    tokenizer: Any,
    style: Style,
    text: str,
    types: Sequence[str | EntityType],
    dataset: str | None = None,
) -> EncodedPassage:
    """Tokenize one full prompt per type and split them at their shared prefix.

    The shared part runs past the passage into the query's fixed words (``What describes``),
    so each type's suffix is only what differs.
    """
    fulls = [encode_query(tokenizer, style, text, t, dataset) for t in types]
    # Leave at least one token per suffix: the query's last position yields the first answer.
    shared = min(common_prefix_length(fulls), min(len(f) for f in fulls) - 1)
    names = [t.name if isinstance(t, EntityType) else t for t in types]
    return EncodedPassage(fulls[0][:shared], [f[shared:] for f in fulls], names)


def empty_answer_start(tokenizer: Any, style: Style) -> int | None:
    """The first token of the answer ``[]`` as the student was trained to write it.

    Most type queries are answered ``[]``; the fast path checks this token as a free guess
    (see :mod:`uniner.engine.tree`). None when the rendering does not extend the prompt's ids.
    """
    asked = encode_query(tokenizer, style, "x", "y")
    given = encode_turns(tokenizer, style, conversation("x", [("y", [])])).ids
    if len(given) <= len(asked) or given[: len(asked)] != asked:
        return None
    return given[len(asked)]
