"""When an answer is over, and what its text is.

An answer ends at the model's end-of-sequence token, at the end-of-turn marker of the prompt
style (``</s>`` written as text in the uniner format, ``<|im_end|>``-like tokens in chat
templates), or as soon as the JSON list it opened is closed. The fast path and the naive
reference share this rule, so they stop at the same token.

A small student sometimes loops (``["water", "soil", "water", "water", ...]``) until
``max_new_tokens``. Every repeated item is dropped later anyway (answers are de-duplicated,
and the student was trained on de-duplicated lists), so with ``stop_repeats`` the answer ends
as soon as an item repeats one already given: the list is closed after the last new item.
That saves the wasted decode steps and keeps a looping list parseable (the official metric
reads nothing from a list that was never closed). The naive reference never uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from uniner.engine.options import ExtractOptions
from uniner.prompts import UNINER_EOS, list_end, parse_answer


class StopRule:
    """Decides, from the tokens generated so far, whether an answer is complete.

    Args:
        tokenizer: the model's tokenizer.
        stop_repeats: also end a list at its first item that repeats an earlier one.
    """

    def __init__(self, tokenizer: Any, *, stop_repeats: bool = False) -> None:
        self.tokenizer = tokenizer
        self.eos_ids = self._end_token_ids(tokenizer)
        self.stop_strings = (UNINER_EOS,)
        self.stop_repeats = stop_repeats

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
        text = self.text(tokens)
        if self.answer_end(text) is not None:
            return True
        return self.stop_repeats and repeat_cut(text) is not None

    def answer(self, tokens: Sequence[int]) -> str:
        """The answer text, cut where the answer ends (a repeating list closed early)."""
        text = self.text(tokens)
        end = self.answer_end(text)
        if end is not None:
            return text[:end]
        cut = repeat_cut(text) if self.stop_repeats else None
        return text if cut is None else text[:cut] + "]"


def stop_rule(tokenizer: Any, opts: ExtractOptions) -> StopRule:
    """The stop rule of one call: loops cut as ``opts`` says, never for the naive reference."""
    return StopRule(tokenizer, stop_repeats=opts.stop_repeats and opts.decoder != "naive")


def repeat_cut(text: str) -> int | None:
    """Where a still-open list should have ended: just after the last item before the first
    one that repeats an earlier item (exact string), or None when no item repeats.

    >>> text = '["Lion", "Lioness", "Lion", "Li'
    >>> text[: repeat_cut(text)] + "]"
    '["Lion", "Lioness"]'
    """
    seen: set[str] = set()
    end = text.find("[") + 1
    for mention in parse_answer(text).mentions:
        if mention.text in seen:
            return end
        seen.add(mention.text)
        end = mention.end
    return None
