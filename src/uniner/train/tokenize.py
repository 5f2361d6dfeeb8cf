"""Conversations to token ids and labels, with loss only on the assistant answers.

The rendering comes from :func:`uniner.prompts.render`, the one the engine prompts with. The
whole conversation is tokenized at once (so token boundaries are those inference sees) and
a token carries loss when any of its characters belongs to a segment that carries loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from uniner.instruct.conversation import Conversation
from uniner.prompts import Style
from uniner.tokenization import encode_turns

IGNORE_INDEX = -100  # label of a token that carries no loss (PyTorch's cross-entropy default)


@dataclass
class Encoded:
    """One tokenized conversation: ``labels[i]`` is ``input_ids[i]`` or ``IGNORE_INDEX``."""

    input_ids: list[int]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.input_ids)


def encode(
    conversation: Conversation,
    tokenizer: Any,
    style: Style,
    *,
    loss_on_acknowledgement: bool = False,
) -> Encoded:
    """Tokenize one conversation and mark the tokens the student learns."""
    turns = conversation.turns(loss_on_acknowledgement=loss_on_acknowledgement)
    # The engine's encoding: the passage, types and mentions as plain text, the template's
    # control tokens real (a scraped passage holding "<|im_end|>" cannot end its turn).
    encoding = encode_turns(tokenizer, style, turns)
    loss_chars = _loss_characters(encoding.segments)
    labels = [
        token if end > start and any(loss_chars[start:end]) else IGNORE_INDEX
        for token, (start, end) in zip(encoding.ids, encoding.offsets, strict=True)
    ]
    return Encoded(list(encoding.ids), labels)


def _loss_characters(segments: Sequence[tuple[str, bool]]) -> bytearray:
    marks = bytearray()
    for segment, carries_loss in segments:
        marks.extend((b"\x01" if carries_loss else b"\x00") * len(segment))
    return marks


def encode_all(
    conversations: Sequence[Conversation],
    tokenizer: Any,
    style: Style,
    *,
    max_length: int,
    loss_on_acknowledgement: bool = False,
) -> tuple[list[Encoded], int]:
    """Encode every conversation; those longer than ``max_length`` are dropped, not cut.

    Returns:
        The encoded conversations and how many were dropped.
    """
    kept: list[Encoded] = []
    for conversation in conversations:
        encoded = encode(
            conversation, tokenizer, style, loss_on_acknowledgement=loss_on_acknowledgement
        )
        if len(encoded) <= max_length:
            kept.append(encoded)
    return kept, len(conversations) - len(kept)
