"""A confidence per mention, from the log-probabilities of the tokens that wrote it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def token_char_ends(tokenizer: Any, tokens: Sequence[int]) -> list[int]:
    """For each generated token, the length of the decoded answer once it is written."""
    return [
        len(tokenizer.decode(list(tokens[: i + 1]), skip_special_tokens=True))
        for i in range(len(tokens))
    ]


def span_score(ends: Sequence[int], logprobs: Sequence[float], start: int, end: int) -> float:
    """exp(mean log-probability) of the tokens overlapping ``answer[start:end]``.

    The mean (a geometric mean of probabilities) keeps long mentions comparable to short
    ones; a mention the model was sure of token by token scores near 1.
    """
    chosen = []
    previous = 0
    for token_end, logprob in zip(ends, logprobs, strict=True):
        if token_end > start and previous < end:
            chosen.append(logprob)
        previous = token_end
    if not chosen:
        return 0.0
    return math.exp(sum(chosen) / len(chosen))
