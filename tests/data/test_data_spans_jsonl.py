from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.data import load_dataset, write_dataset
from uniner.errors import DataFormatError

FIXTURES = Path(__file__).parent / "fixtures"


def test_span_json_uses_labels_json_and_drops_else() -> None:
    data = load_dataset(FIXTURES / "spans" / "test.json")
    assert data.name == "spans" and data.split == "test"
    assert data.types == ["person", "city"]
    first, second = data.records
    assert [(e.text, e.type) for e in first.entities] == [
        ("Ada Lovelace", "person"),
        ("Bob", "person"),
    ]
    assert first.types == second.types == ["person", "city"]


def test_span_json_roundtrip(tmp_path: Path) -> None:
    data = load_dataset(FIXTURES / "spans" / "test.json")
    out = write_dataset(data, tmp_path / "s.json", format="spans")
    rows = json.loads(out.read_text())
    assert rows[0]["entities"][1] == {"name": "Bob", "type": "person", "pos": [17, 20]}


def test_jsonl_types_default_to_the_dataset_types() -> None:
    data = load_dataset(FIXTURES / "tiny.jsonl")
    assert [r.types for r in data] == [["person", "city"], ["city", "person"]]
    assert data.records[0].id == "j1"


def test_jsonl_roundtrip_keeps_answers(tmp_path: Path) -> None:
    data = load_dataset(FIXTURES / "tiny.jsonl")
    data.records[0].answers = {"person": 'Sure ["Ada"]'}
    again = load_dataset(write_dataset(data, tmp_path / "j.jsonl", format="jsonl"))
    assert again.records[0].answers == {"person": 'Sure ["Ada"]'}
    assert again.records[1].entities == data.records[1].entities


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[{"sentence": "Ada", "entities": [{"name": "Ada", "type": "p"}]}]', "needs 'pos'"),
        ('[{"sentence": "Ada", "entities": [{"name": "Bo", "type": "p", "pos": [0, 3]}]}]', "name"),
        ('[{"sentence": "Ada", "entities": [{"type": "p", "pos": [0, 9]}]}]', r"\(0, 9\)"),
        ('[{"text": "Ada", "entities": []}]', "field 'sentence' must be str"),
    ],
)
def test_malformed_span_json(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(DataFormatError, match=expected):
        load_dataset(path, format="spans")


@pytest.mark.parametrize(
    ("line2", "expected"),
    [
        ('{"text": "Bob", "entities": [{"start": 0, "type": "p"}]}', "integer 'start' and 'end'"),
        ('{"text": "Bob", "entities": [{"start": 0, "end": 3}]}', "entity type string"),
        ('{"text": "Bob", "entities": []', "a JSON object"),
        ('["Bob"]', "got list"),
    ],
)
def test_malformed_jsonl_names_the_line(tmp_path: Path, line2: str, expected: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "Ada", "entities": []}\n' + line2 + "\n")
    with pytest.raises(DataFormatError, match=expected) as info:
        load_dataset(path, format="jsonl")
    assert info.value.line == 2
