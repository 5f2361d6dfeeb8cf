"""benchmarks/everyday.py: a mention counts when its exact text and type are found."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from uniner.types import Entity

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "everyday.py"


def _module() -> Any:
    spec = importlib.util.spec_from_file_location("everyday", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Names:
    """Finds only people, by the expected mentions' own text (and one wrong type)."""

    def __init__(self, gold: dict[str, list[tuple[str, str]]]) -> None:
        self.gold = gold

    def extract(self, text: str, types: list[str]) -> list[Entity]:
        found = [(m, t) for m, t in self.gold[text] if t == "person"] + [("1843", "number")]
        return [
            Entity.from_span(text, text.find(m), text.find(m) + len(m), t)
            for m, t in found
            if m in text
        ]


def test_counts_exact_text_and_type_per_kind() -> None:
    everyday = _module()
    everyday.SENTENCES = everyday.SENTENCES[:1]
    result = everyday.score(_Names(dict(everyday.SENTENCES)))
    assert result["by_kind"] == {"dates": [0, 1], "organizations": [0, 1], "people": [2, 2]}
    row = result["rows"][0]
    assert row["found"] == [("Ada Lovelace", "person"), ("Charles Babbage", "person")]
    assert row["extra"] == [("1843", "number")]
