"""Token ids of a rendered conversation, where the user's strings are data, never control.

A tokenizer turns the *string* ``<|im_end|>`` into the end-of-turn token wherever it appears, so
a passage (or an entity type, a dataset name, a mention in training data) that contains it would
close the user turn and could write the assistant's answer. Here every user string is tokenized
as plain text, while the control tokens the template itself writes stay real:

1. each control string in a turn's content (the tokenizer's special added tokens: chat markers,
   BOS/EOS such as ``</s>`` where it is special) is swapped for a placeholder before rendering;
2. the conversation is rendered as usual (:func:`uniner.prompts.render`), so the template's
   own markers are the only control strings left in the text;
3. the text is tokenized as before, piece by piece between placeholders, and each placeholder's
   original string is tokenized with ``split_special_tokens=True``: as the characters it is.

With no control string in any user string there are no placeholders and the ids are exactly
the ordinary tokenization of the rendered text (what uniner always fed and trained on).
The engine, its vLLM path and the trainer all encode through :func:`encode_turns`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from uniner.prompts import Style, Turn, render

# Placeholders are built from two private-use characters around a number; a content that
# already holds them is handled by picking another pair.
_PRIVATE = [chr(c) for c in range(0xE000, 0xE100)]


@dataclass(frozen=True)
class Encoding:
    """A rendered conversation's ids; ``offsets[i]`` is token i's span in ``text``, the rendering
    with every user string as the user wrote it; ``segments`` are the rendering's
    ``(text, carries_loss)`` pieces, in the same text."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    text: str
    segments: list[tuple[str, bool]]


def control_strings(tokenizer: Any) -> list[str]:
    """The strings this tokenizer turns into special tokens, longest first."""
    found = {str(t) for t in getattr(tokenizer, "all_special_tokens", [])}
    decoder = getattr(tokenizer, "added_tokens_decoder", {}) or {}
    found |= {str(t.content) for t in decoder.values() if getattr(t, "special", False)}
    return sorted((s for s in found if s), key=len, reverse=True)


def encode_turns(
    tokenizer: Any,
    style: Style,
    turns: Sequence[Turn],
    *,
    add_generation_prompt: bool = False,
) -> Encoding:
    """Render ``turns`` in ``style`` and tokenize them with every user string as plain text.

    The uniner style is plain text, so the tokenizer adds its BOS as the released checkpoints
    expect; a chat template writes its own special tokens, so nothing is added.
    """
    controls = control_strings(tokenizer)
    contents = "".join(t.content for t in turns)
    left, right = _delimiters(contents)
    pattern = re.compile("|".join(map(re.escape, controls))) if controls else None
    originals: list[str] = []  # placeholder number -> the control string it stands for

    def protect(text: str) -> str:
        if pattern is None:
            return text

        def swap(match: re.Match[str]) -> str:
            originals.append(match.group())
            return f"{left}{len(originals) - 1}{right}"

        return pattern.sub(swap, text)

    safe = [replace(t, content=protect(t.content)) for t in turns]
    segments = render(style, safe, tokenizer=tokenizer, add_generation_prompt=add_generation_prompt)
    placeholder = re.compile(f"{re.escape(left)}(\\d+){re.escape(right)}")
    restore = _restorer(placeholder, originals)
    real_segments = [(restore(text), loss) for text, loss in segments]
    ids, offsets, text = _tokenize(
        tokenizer, "".join(s for s, _ in segments), placeholder, originals, style
    )
    return Encoding(ids, offsets, text, real_segments)


def _delimiters(contents: str) -> tuple[str, str]:
    for left, right in zip(_PRIVATE[::2], _PRIVATE[1::2], strict=False):
        if left not in contents and right not in contents:
            return left, right
    raise ValueError("the conversation uses every private-use character uniner needs")


def _restorer(placeholder: re.Pattern[str], originals: list[str]) -> Any:
    return lambda text: placeholder.sub(lambda m: originals[int(m.group(1))], text)


def _tokenize(
    tokenizer: Any,
    escaped: str,
    placeholder: re.Pattern[str],
    originals: list[str],
    style: Style,
) -> tuple[list[int], list[tuple[int, int]], str]:
    """Ids and offsets (in the restored text) of the escaped rendering, piece by piece."""
    ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    text = ""
    position = 0
    pieces: list[tuple[str, bool]] = []  # (text, is a protected control string)
    for match in placeholder.finditer(escaped):
        pieces.append((escaped[position : match.start()], False))
        pieces.append((originals[int(match.group(1))], True))
        position = match.end()
    pieces.append((escaped[position:], False))
    first = True
    for piece, protected in pieces:
        if not piece:
            continue
        encoded = tokenizer(
            piece,
            add_special_tokens=first and style == "uniner",
            split_special_tokens=protected,
            return_offsets_mapping=True,
        )
        ids.extend(int(i) for i in encoded["input_ids"])
        offsets.extend(
            (len(text) + int(s), len(text) + int(e)) for s, e in encoded["offset_mapping"]
        )
        text += piece
        first = False
    return ids, offsets, text
