"""The detokenizer: exact spacing on small cases, and measured on the 868 Pile passages that
exist both token-split and as their original text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.data.detokenize import detokenize
from uniner.instruct.merge import passage_key


@pytest.mark.parametrize(
    ("tokens", "text"),
    [
        (
            "cocaine self - administration in rats ( PND ) 21 .",
            "cocaine self-administration in rats (PND) 21.",
        ),
        ("It cost $ 1 , 020 . 00 , or 4 % .", "It cost $1,020.00, or 4%."),
        ('He said " no way " , then left .', 'He said "no way", then left.'),
        ("the U . S . economy", "the U.S. economy"),
        ("see www . example . com / page", "see www.example.com/page"),
        ("Babbage ' s engine", "Babbage's engine"),
        ("years 2000 - 2005", "years 2000-2005"),
        ("a == b", "a == b"),
    ],
)
def test_spacing(tokens: str, text: str) -> None:
    assert detokenize(tokens.split(" "))[0] == text


def test_starts_point_at_each_token() -> None:
    tokens = ["(", "PND", ")", "21", "."]
    text, starts = detokenize(tokens)
    assert [text[s : s + len(t)] for s, t in zip(starts, tokens, strict=True)] == tokens
    assert starts == [0, 1, 4, 6, 8]


@pytest.mark.data
def test_spacing_matches_the_original_pile_passages(shared_data: Path) -> None:
    """Of the spaces between tokens of the 868 passages both files hold, the detokenizer gets
    at least 96% right (96.5% measured; the misses are mostly code and LaTeX)."""
    distill = shared_data / "distill"
    originals = {}
    for line in (distill / "pile-ner-subset.jsonl").read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["input"]
        originals[passage_key(text)] = " ".join(text.split())
    passages, tokens = [], []
    for line in (distill / "pile-ner-391-bio.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            tokens.append(line.split("\t")[0])
        elif tokens:
            passages.append(tokens)
            tokens = []
    right = gaps = shared = exact = 0
    for tokens in passages:
        original = originals.get(passage_key("".join(tokens)))
        if original is None:
            continue
        shared += 1
        text, starts = detokenize(tokens)
        exact += text == original
        spaced = _spaced_gaps(original, tokens)
        ours = [starts[i] > starts[i - 1] + len(tokens[i - 1]) for i in range(1, len(tokens))]
        right += sum(a == b for a, b in zip(spaced, ours, strict=True))
        gaps += len(ours)
    assert shared == 868
    assert right / gaps >= 0.96
    assert exact >= 250  # whole passages spaced exactly as the original (277 measured)


def _spaced_gaps(original: str, tokens: list[str]) -> list[bool]:
    """For each pair of neighbouring tokens, whether the original has a space between them."""
    gaps, position = [], 0
    for i, token in enumerate(tokens):
        found = original.index(token, position)
        if i:
            gaps.append(found > position)
        position = found + len(token)
    return gaps
