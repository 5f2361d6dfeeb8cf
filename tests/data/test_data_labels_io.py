from __future__ import annotations

from pathlib import Path

import pytest

from uniner.data import effective_label_map, guess_format, load_label_map, map_label
from uniner.errors import DataFormatError

FIXTURES = Path(__file__).parent / "fixtures"


def test_bundled_maps_merge_default_dataset_and_user() -> None:
    merged = effective_label_map("conll2003", {"PER": "human"})
    assert merged["PER"] == "human"  # user wins
    assert merged["ORG"] == "organization"  # dataset map
    assert merged["else"] is None and merged["MISC"] is None
    assert effective_label_map("unknown", with_default=False) == {}


def test_map_label_exact_then_casefold_then_identity() -> None:
    mapping = {"PER": "person", "misc": None}
    assert map_label("PER", mapping) == "person"
    assert map_label("per", mapping) == "person"
    assert map_label("MISC", mapping) is None
    assert map_label("GPE", mapping) == "GPE"


def test_label_map_from_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("Chem: chemical\nOther: null\n")
    assert load_label_map(path) == {"Chem": "chemical", "Other": None}
    path.write_text("- a\n")
    with pytest.raises(ValueError, match="must hold a mapping"):
        load_label_map(path)
    with pytest.raises(ValueError, match="neither a bundled map"):
        load_label_map("no-such-map")
    with pytest.raises(ValueError, match="label -> type or null"):
        load_label_map({"A": 3})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("official.json", "uniner"),
        ("spans/test.json", "spans"),
        ("tiny.jsonl", "jsonl"),
        ("pile.jsonl", "pile-ner"),
        ("iob2.conll", "conll"),
    ],
)
def test_guess_format(name: str, expected: str) -> None:
    assert guess_format(FIXTURES / name) == expected


def test_guess_format_rejects_non_json_json(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("hello")
    with pytest.raises(DataFormatError, match="a JSON list or JSON lines"):
        guess_format(path)
    with pytest.raises(FileNotFoundError):
        guess_format(tmp_path / "missing.json")
