"""Turn a teacher's answer into (mention, type) pairs, repairing common breakage.

The teacher is asked for ``[("entity 1", "type of entity 1"), ...]``. Answers come back as
Python literals or JSON, wrapped in prose or code fences, with smart quotes, cut off by the
token limit, or as bare tuples without the list. ``parse_tuple_list`` tries the answer as it
is, then a series of repairs, and reports which one worked.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

MAX_CHARS = 200_000  # longer answers are not parsed (literal_eval on them is slow)
FENCE = re.compile(r"```[a-zA-Z]*\n?")
SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "`": "'"})
CLOSERS = {"[": "]", "(": ")", "{": "}"}


@dataclass(frozen=True)
class ParsedAnswer:
    """The items of a parsed answer (None when unparseable) and the repairs applied."""

    items: list[Any] | None
    repairs: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.items is not None


def parse_tuple_list(answer: str) -> ParsedAnswer:
    """Parse a teacher's list of tuples.

    >>> parse_tuple_list('Sure! [("Ada", "person"), ("London", "city")] Hope it helps.')
    ParsedAnswer(items=[('Ada', 'person'), ('London', 'city')], repairs=('trailing_text',))
    >>> parse_tuple_list('[("Ada", "person"), ("Lon').items
    [('Ada', 'person')]
    """
    if not isinstance(answer, str) or len(answer) > MAX_CHARS:
        return ParsedAnswer(None)
    body = FENCE.sub("", answer).strip()
    start = body.find("[")
    repairs: list[str] = []
    if start < 0:
        start = body.find("(")
        if start < 0:
            return ParsedAnswer(None)
        body, repairs = "[" + body[start:], ["added_brackets"]
    else:
        body = body[start:]
    for text, repair in _candidates(body):
        items = _literal(text)
        if items is not None:
            return ParsedAnswer(items, tuple(repairs + ([repair] if repair else [])))
    return ParsedAnswer(None)


def _candidates(body: str) -> list[tuple[str, str | None]]:
    """Texts to try in order, each with the name of the repair that made it."""
    candidates: list[tuple[str, str | None]] = [(body, None)]
    end = _matching_close(body)
    if end is not None and body[end + 1 :].lstrip().startswith(","):
        # "[a, b], [c, d]": items without the outer list
        last = max(body.rfind("]"), body.rfind(")"))
        candidates.append(("[" + body[: last + 1] + "]", "added_brackets"))
    if end is not None and end + 1 < len(body):
        candidates.append((body[: end + 1], "trailing_text"))
    smart = body.translate(SMART_QUOTES)
    if smart != body:
        smart_end = _matching_close(smart)
        candidates.append((smart[: smart_end + 1] if smart_end else smart, "smart_quotes"))
    for text in (body, smart):
        if _matching_close(text) is None:
            # Cut off by the token limit. Closing the brackets is right when the cut fell
            # after a complete string; inside a string the last item is broken: drop it.
            closed = (_close(text), "closed_brackets")
            whole = _last_complete_item(text)
            dropped = (_close(whole), "dropped_cut_item")
            if whole == text.rstrip().rstrip(",") or whole == "[":
                dropped = closed  # nothing was cut, or nothing whole is left to keep
            ends_clean = _scan(text)[1] is None and text.rstrip()[-1:] in ("'", '"', ")", "]")
            candidates.extend([closed, dropped] if ends_clean else [dropped, closed])
    return candidates


def _literal(text: str) -> list[Any] | None:
    """``text`` as a list, read as a Python literal or JSON; None if neither works."""
    for reader in (ast.literal_eval, json.loads):
        try:
            value = reader(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(value, list):
            # "[("a", "b"), ("c", "d")]" is a list; "[('a', 'b')]" too; a tuple of tuples
            # arrives from the bare-tuple repair as a one-item list.
            if len(value) == 1 and isinstance(value[0], tuple) and _all_pairs(value[0]):
                return list(value[0])
            return value
    return None


def _all_pairs(value: tuple[Any, ...]) -> bool:
    return bool(value) and all(isinstance(v, (tuple, list)) for v in value)


def _scan(text: str) -> tuple[list[str], str | None, int | None]:
    """Walk ``text`` outside strings: the open brackets left, the open quote (if the text ends
    inside a string), and where the outermost bracket closes (None if it never does)."""
    stack: list[str] = []
    quote: str | None = None
    escaped = False
    for i, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in CLOSERS:
            stack.append(CLOSERS[char])
        elif stack and char == stack[-1]:
            stack.pop()
            if not stack:
                return [], None, i
    return stack, quote, None


def _matching_close(text: str) -> int | None:
    return _scan(text)[2]


def _close(text: str) -> str:
    """``text`` with an open string and open brackets closed."""
    stack, quote, _ = _scan(text)
    text = text.rstrip().rstrip(",")
    return text + (quote or "") + "".join(reversed(stack))


def _last_complete_item(text: str) -> str:
    """``text`` cut after its last item that closed at depth one (a whole tuple)."""
    depth, quote, escaped, last = 0, None, False, 1
    for i, char in enumerate(text):
        if quote:
            escaped = not escaped and char == "\\"
            if char == quote and not escaped:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in CLOSERS:
            depth += 1
        elif char in CLOSERS.values():
            depth -= 1
            if depth == 1:
                last = i + 1
    return text[:last]
