"""Label maps: from a dataset's tags (``PER``) to natural-language types (``person``).

Maps are data (``resources/benchmarks/label_maps.yaml``), looked up by dataset name and
overridable by the user, key by key. A label mapped to ``None`` is dropped with its mentions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Union

import yaml

from uniner.paths import resources
from uniner.types import AnnotatedText, unique

# label -> type, or None to drop the label
LabelMap = Mapping[str, Optional[str]]  # noqa: UP045 - runtime aliases must work on Python 3.10
LabelMapSource = Union[LabelMap, str, Path, None]  # noqa: UP007


@lru_cache(maxsize=1)
def bundled_label_maps() -> dict[str, dict[str, str | None]]:
    """Every bundled label map by name (``default`` is applied to all span-labelled data)."""
    path = resources() / "benchmarks" / "label_maps.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {name: dict(mapping or {}) for name, mapping in data.items()}


def load_label_map(source: LabelMapSource) -> dict[str, str | None]:
    """A label map from a mapping, a bundled map's name, or a YAML/JSON file path.

    >>> load_label_map("conll2003")["PER"]
    'person'
    """
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return _checked(dict(source), "label map")
    maps = bundled_label_maps()
    if isinstance(source, str) and source in maps:
        return dict(maps[source])
    path = Path(source)
    if not path.is_file():
        raise ValueError(
            f"label map {str(source)!r} is neither a bundled map ({', '.join(sorted(maps))}) "
            "nor a YAML/JSON file"
        )
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"label map file {path} must hold a mapping label -> type (or null)")
    return _checked(data, f"label map file {path}")


def _checked(mapping: Mapping[Any, Any], what: str) -> dict[str, str | None]:
    for key, value in mapping.items():
        if not isinstance(key, str) or not (value is None or isinstance(value, str)):
            raise ValueError(f"{what}: expected label -> type or null, got {key!r}: {value!r}")
    return {str(k): (None if v is None else str(v)) for k, v in mapping.items()}


def effective_label_map(
    dataset: str | None, user: LabelMapSource = None, *, with_default: bool = True
) -> dict[str, str | None]:
    """``default`` (if asked), then the dataset's bundled map, then the user's, key by key."""
    maps = bundled_label_maps()
    merged: dict[str, str | None] = dict(maps["default"]) if with_default else {}
    if dataset and dataset in maps and dataset != "default":
        merged.update(maps[dataset])
    merged.update(load_label_map(user))
    return merged


def map_label(label: str, mapping: LabelMap) -> str | None:
    """The type for ``label``: exact key, then case-insensitive key, else the label itself."""
    if label in mapping:
        return mapping[label]
    folded = {key.casefold(): value for key, value in mapping.items()}
    return folded.get(label.casefold(), label)


def apply_label_map(records: list[AnnotatedText], mapping: LabelMap) -> None:
    """Rename (or drop) the types of ``records`` in place: mentions, asked types, answers."""
    if not mapping:
        return
    for record in records:
        new = {
            t: map_label(t, mapping) for t in {*record.types, *(e.type for e in record.entities)}
        }
        record.entities = sorted(
            {replace(e, type=t) for e in record.entities if (t := new[e.type]) is not None}
        )
        record.types = unique(t for old in record.types if (t := new[old]) is not None)
        record.answers = _renamed(record.answers, new)
        for key in ("ids", "ungrounded"):
            if key in record.meta:
                record.meta[key] = _renamed(record.meta[key], new)


def _renamed(by_type: dict[str, Any], new: dict[str, str | None]) -> dict[str, Any]:
    """``by_type`` with its keys mapped (a key mapped to None dropped)."""
    renamed: dict[str, Any] = {}
    for old, value in by_type.items():
        mapped = new.get(old, old)
        if mapped is not None:
            renamed[mapped] = value
    return renamed
