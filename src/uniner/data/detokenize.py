"""Put word-split tokens back into text a person would write.

Token-tagged files (CoNLL/BIO) split punctuation and hyphens off words:
``cocaine self - administration in rats ( PND ) 21 .``. A student trained on that spacing learns
text no user writes, so the readers that rebuild passages from such tokens decide, between each
pair of tokens, whether the original had a space. The rules below were read off the 868 Pile
passages that exist both token-split and as their original text; on those passages they put
96.5% of the spaces right (``tests/data/test_data_detokenize.py``; the misses are mostly in code
and LaTeX).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Attach to the token before them: "word ," -> "word,".
_CLOSERS = frozenset(".,;:!?%)]}’”…") | {"'s", "n't"}
# Attach to the token after them: "( word" -> "(word".
_OPENERS = frozenset("([{$#@“‘¿¡")
# Join both sides when they sit between two word characters: "self - administration".
_JOINERS = frozenset("-/'’_")
_STRAIGHT_QUOTES = frozenset('"`')
_WORD = re.compile(r"\w", re.UNICODE)
# Runs of these symbols are operators, markup and URLs ("==", "://", "/*"): written together.
_SYMBOLS = frozenset("=-/*\\<>+|~^&:@")


def detokenize(tokens: Sequence[str]) -> tuple[str, list[int]]:
    """Join ``tokens`` with the spacing the original text most likely had.

    Returns ``(text, starts)``: ``text[starts[i]:starts[i] + len(tokens[i])] == tokens[i]``.

    >>> detokenize(["cocaine", "self", "-", "administration", "(", "PND", ")", "21", "."])[0]
    'cocaine self-administration (PND) 21.'
    >>> detokenize(['He', 'said', '"', 'no', '"', '.'])[0]
    'He said "no".'
    """
    pieces: list[str] = []
    starts: list[int] = []
    length = 0
    quote_open = False  # inside a straight double quote ("...")
    for i, token in enumerate(tokens):
        if i > 0 and _space_before(tokens, i, quote_open):
            pieces.append(" ")
            length += 1
        starts.append(length)
        pieces.append(token)
        length += len(token)
        if token in _STRAIGHT_QUOTES:
            quote_open = not quote_open
    return "".join(pieces), starts


def _space_before(tokens: Sequence[str], i: int, quote_open: bool) -> bool:
    """Did the original have a space between ``tokens[i - 1]`` and ``tokens[i]``?"""
    prev, token = tokens[i - 1], tokens[i]
    if prev in _OPENERS:
        return False
    if token in _STRAIGHT_QUOTES:
        return not quote_open  # an opening quote has a space before it, a closing one not
    if prev in _STRAIGHT_QUOTES and quote_open:
        return False  # just after an opening quote
    if prev in _SYMBOLS and token in _SYMBOLS:
        return False
    if prev == "." and _inside_dotted_word(tokens, i):
        return False  # e.g., www.example.com, U.S.
    if token in _JOINERS or prev in _JOINERS:
        return not _between_words(tokens, i)
    if token in ".," and _is_number_part(tokens, i):
        return False  # 1 , 020 . 00 -> 1,020.00
    if prev in ".," and _is_number_part(tokens, i - 1):
        return False
    return token not in _CLOSERS


def _between_words(tokens: Sequence[str], i: int) -> bool:
    """Is the joiner at ``i`` or ``i - 1`` flanked by word characters on both sides?"""
    at = i if tokens[i] in _JOINERS else i - 1
    if at == 0 or at + 1 >= len(tokens):
        return False
    return bool(_WORD.search(tokens[at - 1][-1:]) and _WORD.match(tokens[at + 1]))


def _is_number_part(tokens: Sequence[str], i: int) -> bool:
    """Is the ``.`` or ``,`` at ``i`` inside a number (digits on both sides)?"""
    if i == 0 or i + 1 >= len(tokens):
        return False
    return tokens[i - 1][-1:].isdigit() and tokens[i + 1][:1].isdigit()


def _inside_dotted_word(tokens: Sequence[str], i: int) -> bool:
    """Does the ``.`` at ``i - 1`` join two words (``example . com``, ``U . S``)?

    After a one-letter word it joins only another letter (``U.S``), else it ends the
    abbreviation (``U.S. economy``, ``e.g. the``).
    """
    before, token = tokens[i - 2] if i >= 2 else "", tokens[i]
    if not before[-1:].isalnum():
        return False
    if len(before) == 1 and before.isalpha():
        return len(token) == 1 and token.isalpha()
    return token[:1].islower()
