from __future__ import annotations

from typing import Any

import pytest

from uniner.engine.options import ExtractOptions
from uniner.extract import ExtractConfig


def test_defaults_and_cleaning() -> None:
    config = ExtractConfig(["a.jsonl"], "out", [" person ", "person", "city"])
    assert config.types == ["person", "city"]
    assert config.options == ExtractOptions()
    assert (config.shard, config.suffix) == ((0, 1), ".jsonl")
    assert ExtractConfig(["a"], "o", ["x"], fmt="parquet").suffix == ".parquet"
    made = ExtractConfig(["a"], "o", ["x"], options={"max_new_tokens": 8}, shard=[1, 2])  # type: ignore[arg-type]
    assert (made.options.max_new_tokens, made.shard) == (8, (1, 2))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"inputs": "a.jsonl"}, "inputs must be a non-empty list of paths, got 'a.jsonl'"),
        ({"inputs": []}, r"got \[\]"),
        ({"types": []}, "type"),
        ({"fmt": "csv"}, "fmt must be one of .* got 'csv'"),
        ({"txt_mode": "lines"}, "got 'lines'"),
        ({"id_field": ""}, "must name fields"),
        ({"documents_per_batch": 0}, "documents_per_batch must be a positive int, got 0"),
        ({"batch_size": True}, "batch_size must be a positive int, got True"),
        ({"shard": (2, 2)}, r"got \(2, 2\)"),
        ({"options": {"max_new_tokens": 0}}, "max_new_tokens"),
    ],
)
def test_bad_settings_show_the_value(change: dict[str, Any], message: str) -> None:
    settings: dict[str, Any] = {"inputs": ["a.jsonl"], "output": "out", "types": ["x"], **change}
    with pytest.raises(ValueError, match=message):
        ExtractConfig(**settings)


def test_types_with_descriptions() -> None:
    from uniner.entity_types import EntityType

    config = ExtractConfig(["a.jsonl"], "out", {"drug": " a  medication ", "dose": None})
    assert (config.types, config.descriptions) == (["drug", "dose"], {"drug": "a medication"})
    assert config.asked == [EntityType("drug", "a medication"), EntityType("dose")]
    assert config.to_dict()["descriptions"] == {"drug": "a medication"}
    # What a manifest holds reads back to the same job.
    assert ExtractConfig(**config.to_dict()).asked == config.asked
    names_only = ExtractConfig(["a.jsonl"], "out", ["drug", "dose"])
    assert names_only.asked == ["drug", "dose"]
    assert "descriptions" not in names_only.to_dict()
