"""Draft tokens for an answer, copied from its passage and from the list format.

An answer is almost entirely a copy: ``["Charles Babbage", "University of London"]`` is JSON
punctuation around substrings of the passage. Once the student has written ``["Charles``, the
passage says what is likely to follow (`` Bab``, ``bage``), and once a mention is closed with
``",`` the format says `` "`` comes next. :class:`PassageDrafter` proposes those tokens; the
decoder (:mod:`uniner.engine.decoding`) feeds them after the answer's last token in one forward
pass and keeps the longest prefix the model's own choice agrees with, plus the model's next
token, so the answer is the one plain greedy decoding writes (prompt-lookup or n-gram
speculation, with the passage as the only source).

Matching is by text, not by token ids: the first word of a mention is written without its
leading space inside ``["…`` (``Charles``), while the passage holds it with one (`` Charles``),
so no token n-gram of the answer occurs in the passage there. The string being written is found
in the passage text instead, and the draft is the passage's own tokens from the end of that
occurrence, where a passage token ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from uniner.engine.results import Job, Prediction

# A passage token starting with one of these ends the mention before it: the draft closes the
# string there instead (a mention rarely runs on through a comma or a bracket).
_MENTION_ENDS = frozenset(",;:!?)]}")
# ... and a draft never runs through a token that a JSON string cannot hold as it is.
_NOT_IN_STRING = frozenset('"\\\n\r\t')
_BETWEEN = '", "'  # what separates two items of an answer list


class AnswerState:
    """Where a partial answer ``["a", "b…`` stands: inside a string or between items."""

    __slots__ = ("between", "mention")

    def __init__(self, mention: str | None, between: bool) -> None:
        self.mention = mention  # the text of the string being written, None outside a string
        self.between = between  # outside a string, just after the comma that ends an item

    @classmethod
    def of(cls, answer: str) -> AnswerState:
        """The state after ``answer`` (text before the list's ``[`` is ignored).

        >>> AnswerState.of('["Ada", "Charles Bab').mention
        'Charles Bab'
        >>> AnswerState.of('["Ada",').between
        True
        """
        start = answer.find("[")
        if start < 0:
            return cls(None, False)
        in_string = escaped = False
        opened = 0
        for i in range(start + 1, len(answer)):
            ch = answer[i]
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string, opened = True, i + 1
        if in_string:
            return cls(answer[opened:], False)
        return cls(None, answer.rstrip().endswith(","))


class PassageDrafter:
    """Proposes the next tokens of an answer about one passage (shared by its type queries).

    Args:
        tokenizer: the model's fast tokenizer (offsets are needed).
        passage: the passage text the prompt holds.
        max_tokens: the most draft tokens proposed at once.

    >>> drafter = PassageDrafter(tokenizer, "Charles Babbage was born in London.")  # doctest: +SKIP
    >>> drafter.propose_text('["Charles')  # doctest: +SKIP
    [' Bab', 'bage', '",', ' "']  # as token ids
    """

    def __init__(self, tokenizer: Any, passage: str, *, max_tokens: int = 8) -> None:
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {max_tokens!r}")
        self.tokenizer = tokenizer
        self.passage = passage
        self.max_tokens = max_tokens
        encoded = tokenizer(passage, add_special_tokens=False, return_offsets_mapping=True)
        self.ids: list[int] = list(encoded["input_ids"])
        # char offset where a passage token ends -> index of the token that follows it
        self.after: dict[int, int] = {}
        for index, (_, end) in enumerate(encoded["offset_mapping"]):
            self.after.setdefault(int(end), index + 1)
        self.pieces = [str(tokenizer.decode([i])) for i in self.ids]
        self.close, self.reopen = self._format_tokens(tokenizer)

    @staticmethod
    def _format_tokens(tokenizer: Any) -> tuple[list[int], list[int]]:
        """The tokens between two list items (``",`` and `` "`` in SmolLM2's vocabulary) as the
        tokenizer writes them inside a list, and those of them after the comma."""
        ids = tokenizer('["a", "b"]', add_special_tokens=False)["input_ids"]
        pieces = [str(tokenizer.decode([i])) for i in ids]
        for i in range(len(ids)):
            for j in range(i + 1, len(ids) + 1):
                joined = "".join(pieces[i:j])
                if joined == _BETWEEN:
                    comma = next(k for k in range(i, j) if "," in pieces[k])
                    return list(ids[i:j]), list(ids[comma + 1 : j])
                if not _BETWEEN.startswith(joined):
                    break
        return [], []

    def propose(self, tokens: Sequence[int], limit: int) -> list[int]:
        """At most ``limit`` draft tokens to follow the answer ``tokens`` so far."""
        if limit < 1:
            return []
        answer = str(self.tokenizer.decode(list(tokens), skip_special_tokens=True))
        return self.propose_text(answer)[:limit]

    def propose_text(self, answer: str) -> list[int]:
        """Draft tokens after the partial answer text ``answer``."""
        state = AnswerState.of(answer)
        if state.between:
            # `",` ends an item: the next one opens with ` "` (its first word is the model's).
            return list(self.reopen)
        if not state.mention or "\\" in state.mention:
            return []
        start = self._continuation(state.mention)
        return [] if start is None else self._copy(start)

    def _continuation(self, mention: str) -> int | None:
        """The index of the passage token that follows the first occurrence of ``mention`` that
        starts a word and ends where a passage token ends."""
        found = self.passage.find(mention)
        fallback = None
        while found >= 0:
            index = self.after.get(found + len(mention))
            if index is not None and index < len(self.ids):
                if found == 0 or not self.passage[found - 1].isalnum():
                    return index
                fallback = index if fallback is None else fallback
            found = self.passage.find(mention, found + 1)
        return fallback

    def _copy(self, start: int) -> list[int]:
        """Passage tokens from ``start``, up to the first that ends a mention (then the item is
        closed and the next opened) or cannot be copied into a JSON string."""
        draft: list[int] = []
        for index in range(start, min(start + self.max_tokens, len(self.ids))):
            piece = self.pieces[index]
            if _ends_mention(piece, self.passage, index, self.pieces):
                return (draft + self.close)[: self.max_tokens]
            if any(ch in _NOT_IN_STRING for ch in piece):
                break
            draft.append(self.ids[index])
        return draft


def _ends_mention(piece: str, passage: str, index: int, pieces: Sequence[str]) -> bool:
    """A passage token before which a mention most likely ends: a comma or closing bracket,
    or a full stop that ends a sentence (not the one inside ``U.S.``)."""
    if piece[:1] in _MENTION_ENDS:
        return True
    if piece == ".":
        following = pieces[index + 1] if index + 1 < len(pieces) else ""
        return not following or following[:1].isspace()
    return False


def add_decoding_meta(predictions: Sequence[Prediction], jobs: Sequence[Job]) -> None:
    """Put how each text's answers were decoded into its ``meta["decoding"]``: totals, and per
    (window, type) query the answer tokens, decode steps, the steps plain decoding takes, and
    draft tokens fed and accepted. Texts whose backend does not count them get nothing."""
    for index, prediction in enumerate(predictions):
        queries: list[dict[str, Any]] = [
            {"window": w, "type": answer.type, **answer.decoding}
            for w, job in enumerate(j for j in jobs if j.text_index == index)
            for answer in job.answers
            if answer.decoding is not None
        ]
        if not queries:
            continue
        keys = ("tokens", "steps", "steps_without_draft", "drafted", "accepted")
        totals = {key: sum(q[key] for q in queries) for key in keys}
        prediction.meta["decoding"] = {**totals, "queries": queries}
