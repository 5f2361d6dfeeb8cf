"""Split a long text into overlapping windows that fit the model, on sentence boundaries.

Windows are measured in tokens of the model's own tokenizer. Each window ends at the last
sentence boundary that fits (or, for a sentence longer than a window, at a token boundary),
and the next one starts far enough back to overlap it by about ``overlap`` tokens, so that a
mention cut by one window is whole in the next. Offsets found in a window are shifted by its
``start``; the engine then merges duplicates found in two windows.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

# A sentence ends after . ! ? (optionally closed by quotes/brackets) and white space, or at a
# blank line.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*\n")


@dataclass(frozen=True)
class Window:
    """The text ``source[start:end]``, one unit of work for the model."""

    start: int
    end: int


def _token_spans(text: str, tokenizer: Any) -> list[tuple[int, int]]:
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return [(int(s), int(e)) for s, e in encoded["offset_mapping"] if e > s]


def sentence_starts(text: str) -> list[int]:
    """Offsets where a sentence starts (0 excluded)."""
    return [m.end() for m in _SENTENCE_END.finditer(text) if 0 < m.end() < len(text)]


def split_windows(text: str, tokenizer: Any, max_tokens: int, overlap: int) -> list[Window]:
    """Windows covering ``text``, each at most ``max_tokens`` tokens long.

    Args:
        text: the whole document.
        tokenizer: the model's tokenizer (fast, with offset mappings).
        max_tokens: the most passage tokens one prompt may hold.
        overlap: about how many tokens consecutive windows share.
    """
    if max_tokens < 1 or not 0 <= overlap < max_tokens:
        raise ValueError(
            f"need max_tokens >= 1 and 0 <= overlap < max_tokens, got {max_tokens}, {overlap}"
        )
    spans = _token_spans(text, tokenizer)
    if len(spans) <= max_tokens:
        return [Window(0, len(text))]
    token_ends = [e for _, e in spans]
    breaks = sentence_starts(text)
    windows: list[Window] = []
    first = 0  # index of the window's first token
    while True:
        last = min(first + max_tokens, len(spans))  # one past the last token that fits
        start = spans[first][0]
        if last == len(spans):
            windows.append(Window(start, len(text)))
            return windows
        limit = spans[last][0]  # the window must end by the next token's start
        end = _last_break(breaks, start, limit) or token_ends[last - 1]
        windows.append(Window(start, end))
        first = _next_first(spans, breaks, first, end, overlap)


def _last_break(breaks: list[int], start: int, limit: int) -> int | None:
    i = bisect.bisect_right(breaks, limit) - 1
    return breaks[i] if i >= 0 and breaks[i] > start else None


def _next_first(
    spans: list[tuple[int, int]], breaks: list[int], first: int, end: int, overlap: int
) -> int:
    """The first token of the next window: ``overlap`` tokens back, moved to a sentence start."""
    token_starts = [s for s, _ in spans]
    end_token = bisect.bisect_left(token_starts, end)  # first token not in this window
    back = max(end_token - overlap, first + 1)
    # Prefer the first sentence start inside the overlap, so windows begin on sentences.
    i = bisect.bisect_left(breaks, token_starts[back])
    if i < len(breaks) and breaks[i] < end:
        back = max(bisect.bisect_left(token_starts, breaks[i]), first + 1)
    return back
