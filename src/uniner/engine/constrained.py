"""Constrained decoding: the answer is always a JSON list of substrings of the passage.

At each step the row's candidates are tried from the most to the least likely; the first one
that keeps the answer a valid *prefix* of ``["s1", "s2", ...]`` — where every string is a piece
of the passage — is taken. Any prefix of a substring is a substring, so the check is exact and
the list can always be closed. Strings with escapes (quotes, backslashes) are not generated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

_WS = " \t\n"


def valid_prefix(answer: str, passage: str) -> bool:
    """True when ``answer`` can still grow into a JSON list of substrings of ``passage``.

    >>> valid_prefix('["Ada", "Lo', "Ada Lovelace")
    True
    >>> valid_prefix('["Bob"', "Ada Lovelace")
    False
    """
    # One leading space at most (uniner-style answers follow "ASSISTANT:"), and no runs of
    # white space between items: otherwise a model could pad forever without answering.
    i = 1 if answer[:1] == " " else 0
    if i == len(answer):
        return True
    if answer[i] != "[":
        return False
    state = "open"  # open: after '[' ; item: after a string ; comma: after ','
    i += 1
    while i < len(answer):
        ch = answer[i]
        if ch in _WS:
            if answer[i - 1] in _WS:
                return False
            i += 1
        elif ch == '"' and state in ("open", "comma"):
            close = answer.find('"', i + 1)
            content = answer[i + 1 :] if close < 0 else answer[i + 1 : close]
            if "\\" in content or content not in passage:
                return False
            if close < 0:
                return True
            if not content.strip():
                return False
            state, i = "item", close + 1
        elif ch == "," and state == "item":
            state, i = "comma", i + 1
        elif ch == "]" and state in ("open", "item"):
            return not answer[i + 1 :].strip()
        else:
            return False
    return True


class SubstringConstraint:
    """Chooses each next token so the answer stays a list of substrings of ``passage``.

    Args:
        tokenizer: the model's tokenizer (to read candidate tokens as text).
        passage: the text every answer string must be taken from.
        top_k: how many of the most likely tokens are tried before the list is forced shut.
    """

    def __init__(self, tokenizer: Any, passage: str, top_k: int = 64) -> None:
        self.tokenizer = tokenizer
        self.passage = passage
        self.top_k = top_k
        vocab = tokenizer.get_vocab()
        # Tried when no likely token fits, closing first: an open string, the list, then
        # opening a string or the list itself.
        self._fallback = [vocab[t] for t in ('"]', "]", '"', "[") if t in vocab]
        # Special tokens decode to nothing, so they would pass the text check: never allow.
        self._special = set(tokenizer.all_special_ids)

    def _text(self, tokens: Sequence[int]) -> str:
        return str(self.tokenizer.decode(list(tokens), skip_special_tokens=True))

    def choose(self, logprobs: torch.Tensor, tokens: Sequence[int]) -> int:
        """The most likely token that keeps the answer valid (a closing one if none is)."""
        candidates = torch.topk(logprobs, self.top_k).indices.tolist()
        for token in [*candidates, *self._fallback]:
            if token in self._special:
                continue
            text = self._text([*tokens, token])
            if "\ufffd" not in text and valid_prefix(text, self.passage):
                return int(token)
        return int(self._fallback[1])  # unreachable for a valid prefix: "]" or '"' fits
