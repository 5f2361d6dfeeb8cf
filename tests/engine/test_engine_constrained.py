from __future__ import annotations

import pytest

from uniner.engine.constrained import valid_prefix

PASSAGE = "Ada Lovelace met Babbage."


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("", True),
        ("[", True),
        ('["Ada', True),
        ('["Ada Lovelace", "Bab', True),
        ('["Ada"]', True),
        ("[]", True),
        ('["Bob', False),
        ('["Ada"] tail', False),
        ('[""', False),
        ("[,", False),
        ("The answer", False),
        ('["Ada" "met"', False),
        ('["A\\"', False),
        (" [", True),
        ("\n\n", False),
        ('[  "Ada"', False),
    ],
)
def test_valid_prefix(answer: str, ok: bool) -> None:
    assert valid_prefix(answer, PASSAGE) is ok
