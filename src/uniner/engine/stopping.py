"""When an answer is over, and what its text is.

An answer ends at the model's end-of-sequence token, at the end-of-turn marker of the prompt
style (``</s>`` written as text in the uniner format, ``<|im_end|>``-like tokens in chat
templates), or as soon as the JSON list it opened is closed. The fast path and the naive
reference share this rule, so they stop at the same token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from uniner.engine.answers import list_end
from uniner.prompts import UNINER_EOS


class StopRule:
    """Decides, from the tokens generated so far, whether an answer is complete.

    Args:
        tokenizer: the model's tokenizer.
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.eos_ids = self._end_token_ids(tokenizer)
        self.stop_strings = (UNINER_EOS,)

    @staticmethod
    def _end_token_ids(tokenizer: Any) -> frozenset[int]:
        ids = set()
        if tokenizer.eos_token_id is not None:
            ids.add(int(tokenizer.eos_token_id))
        vocab = tokenizer.get_vocab()
        for marker in ("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", UNINER_EOS):
            if marker in vocab:
                ids.add(int(vocab[marker]))
        return frozenset(ids)

    def text(self, tokens: Sequence[int]) -> str:
        """The decoded answer text, special tokens removed."""
        return str(self.tokenizer.decode(list(tokens), skip_special_tokens=True))

    def answer_end(self, text: str) -> int | None:
        """Where the answer in ``text`` ends (a stop string or a closed list), or None."""
        ends = [i for s in self.stop_strings if (i := text.find(s)) >= 0]
        closed = list_end(text)
        if closed is not None:
            ends.append(closed)
        return min(ends) if ends else None

    def is_done(self, tokens: Sequence[int]) -> bool:
        """True once the last token ends the turn or the answer text is complete."""
        if tokens and tokens[-1] in self.eos_ids:
            return True
        return self.answer_end(self.text(tokens)) is not None

    def answer(self, tokens: Sequence[int]) -> str:
        """The answer text, cut where the answer ends."""
        text = self.text(tokens)
        end = self.answer_end(text)
        return text[:end] if end is not None else text
