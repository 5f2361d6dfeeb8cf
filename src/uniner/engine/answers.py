"""Read the student's raw answer: a JSON list of mention strings, parsed leniently.

The student is asked for ``["mention", ...]`` but a small model may stop early, add prose, or
use odd escapes. :func:`parse_answer` takes the first ``[``, then every complete JSON string
literal up to the matching ``]``; it never raises. Each mention keeps its character span in the
answer so that a score can be computed from the tokens that produced it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# A JSON string literal: quote, (non-quote-non-backslash | escape)*, quote.
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)


@dataclass(frozen=True)
class ParsedMention:
    """One mention string and the ``[start, end)`` span of its literal in the answer."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ParsedAnswer:
    """The mentions of one answer; ``complete`` is False when the list was never closed."""

    mentions: list[ParsedMention]
    complete: bool


def _unescape(body: str) -> str:
    try:
        value = json.loads(f'"{body}"')
    except json.JSONDecodeError:
        # A stray backslash: keep the characters as written.
        return body.replace('\\"', '"')
    return value if isinstance(value, str) else body


def parse_answer(answer: str) -> ParsedAnswer:
    """Parse the first JSON list of strings in ``answer``.

    Non-string items are skipped; an unterminated list yields the complete strings before the
    cut. Text with no ``[`` yields no mentions.

    >>> [m.text for m in parse_answer('["Ada", "Bob"]').mentions]
    ['Ada', 'Bob']
    """
    open_at = answer.find("[")
    if open_at < 0:
        return ParsedAnswer([], complete=False)
    mentions: list[ParsedMention] = []
    pos = open_at + 1
    while pos < len(answer):
        next_quote = answer.find('"', pos)
        next_close = answer.find("]", pos)
        if next_close >= 0 and (next_quote < 0 or next_close < next_quote):
            return ParsedAnswer(mentions, complete=True)
        if next_quote < 0:
            break
        match = _STRING.match(answer, next_quote)
        if match is None:  # unterminated string: the answer was cut off
            break
        text = _unescape(match.group(1)).strip()
        if text:
            mentions.append(ParsedMention(text, match.start(), match.end()))
        pos = match.end()
    return ParsedAnswer(mentions, complete=False)


def list_end(answer: str) -> int | None:
    """The index just past the ``]`` that closes the first JSON list, or None if still open.

    Used as a stopping rule while decoding: once the list is closed the answer is complete.
    """
    open_at = answer.find("[")
    if open_at < 0:
        return None
    in_string = escaped = False
    depth = 0
    for i in range(open_at, len(answer)):
        ch = answer[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
    return None
