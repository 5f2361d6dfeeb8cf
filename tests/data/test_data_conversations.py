from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.data import load_dataset, write_dataset
from uniner.errors import DataFormatError

FIXTURES = Path(__file__).parent / "fixtures"


def test_single_turn_records_group_by_consecutive_passage() -> None:
    data = load_dataset(FIXTURES / "official.json")
    assert data.name == "official" and data.split == "test"
    assert [(r.text, r.types) for r in data] == [
        ("Ada met Bob in Paris.", ["person", "city"]),
        ("Rome is old.", ["person", "city"]),
        ("Rome is old.", ["person"]),  # a repeated type starts a new passage
    ]
    first = data.records[0]
    assert first.answers == {"person": '["Ada", "Bob"]', "city": '["Paris", "Atlantis"]'}
    assert first.meta["ids"] == {"person": "s0", "city": "s1"}
    assert first.meta["ungrounded"] == {"city": ["Atlantis"]}
    assert [(e.start, e.end, e.type) for e in first.entities] == [
        (0, 3, "person"),
        (8, 11, "person"),
        (15, 20, "city"),
    ]


def test_multi_turn_form_and_dataset_prefix() -> None:
    (record,) = load_dataset(FIXTURES / "multi.json").records
    assert record.types == ["person", "city"]
    assert record.meta["prompt_dataset"] == "toy"
    assert record.id == "m0"


def test_single_turn_roundtrip_is_byte_exact(tmp_path: Path) -> None:
    data = load_dataset(FIXTURES / "official.json")
    out = write_dataset(data, tmp_path / "o.json", format="uniner")
    assert json.loads(out.read_text()) == json.loads((FIXTURES / "official.json").read_text())


def test_multi_turn_roundtrip(tmp_path: Path) -> None:
    data = load_dataset(FIXTURES / "multi.json")
    out = write_dataset(data, tmp_path / "m.json", format="uniner", multi_turn=True)
    assert json.loads(out.read_text()) == json.loads((FIXTURES / "multi.json").read_text())


def _write(tmp_path: Path, obj: object) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(obj))
    return path


TURNS = [
    {"from": "human", "value": "Text: x"},
    {"from": "gpt", "value": "I've read this text."},
    {"from": "human", "value": "What describes person in the text?"},
    {"from": "gpt", "value": "[]"},
]


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"conversations": TURNS}, "a JSON list of conversation records"),
        ([{"id": 1}], "record 1: an object with a 'conversations' list"),
        ([{"conversations": TURNS[:3]}], r"even number >= 4 of turns, got 3"),
        ([{"conversations": [{"from": "human", "value": "Passage: x"}, *TURNS[1:]]}], "Text: "),
        ([{"conversations": [*TURNS[:2], {"from": "human", "value": "Who?"}, TURNS[3]]}], "turn 3"),
        ([{"conversations": [*TURNS[:3], {"from": "bot", "value": "[]"}]}], "'from' one of"),
    ],
)
def test_malformed_official_file(tmp_path: Path, obj: object, expected: str) -> None:
    with pytest.raises(DataFormatError, match=expected):
        load_dataset(_write(tmp_path, obj), format="uniner")


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n {"conversations": [\n  {"from": "human" "value": "Text: x"}]}\n]')
    with pytest.raises(DataFormatError) as info:
        load_dataset(path, format="uniner")
    assert info.value.line == 3
