from __future__ import annotations

from pathlib import Path

import pytest

from uniner.data import load_dataset
from uniner.errors import DataFormatError

FIXTURES = Path(__file__).parent / "fixtures"


def test_groups_by_passage_lowercases_types_and_grounds() -> None:
    data = load_dataset(FIXTURES / "pile.jsonl")
    assert data.types == ["person", "city"]
    first, second = data.records
    assert (first.id, first.types) == ("7", ["person", "city"])
    # every occurrence of "Ada"; "paris" found case-insensitively; "Zed" is not in the text
    assert [(e.start, e.end, e.type) for e in first.entities] == [
        (0, 3, "person"),
        (15, 20, "city"),
        (22, 25, "person"),
    ]
    assert first.meta["ungrounded"] == {"person": ["Zed"]}
    assert first.answers["city"] == '["paris"]'
    assert (second.text, second.types, second.entities) == ("Rome is old.", ["city"], [])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '{"doc_question_pairID": "1:0", "tagName": "x", "input": "a", "output": "oops"}',
            "JSON list",
        ),
        ('{"doc_question_pairID": "1:0", "tagName": "x", "input": "a"}', "'output' must be str"),
        (
            '{"doc_question_pairID": "1:0", "tagName": "x", "input": "a", "output": "[1]"}',
            "strings",
        ),
    ],
)
def test_malformed_pile_ner_line(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(DataFormatError, match=expected) as info:
        load_dataset(path, format="pile-ner")
    assert info.value.line == 1
