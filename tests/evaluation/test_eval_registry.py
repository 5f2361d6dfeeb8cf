"""The bundled registry: every entry's file loads, every label is mapped or dropped on purpose,
``universal`` holds them all; and where a config file's relative paths start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from uniner.data.conll import read_conll
from uniner.data.labels import bundled_label_maps, effective_label_map
from uniner.data.spans import read_spans
from uniner.errors import DatasetNotFoundError
from uniner.evaluation import get_benchmark, load_registry

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
REGISTRY = load_registry()
NAMES = sorted(REGISTRY.datasets)

# dataset -> (passages, (passage, type) queries, mentions), as loaded (README counts where given)
COUNTS = {
    "mit-movie": (2442, 29304, 5338),
    "mit-restaurant": (1520, 12160, 3156),
    "crossner_ai": (431, 5603, 1664),
    "crossner_literature": (416, 4576, 2073),
    "crossner_music": (465, 5580, 3260),
    "crossner_politics": (650, 5200, 4106),
    "crossner_science": (543, 8688, 2638),
    "conll2003": (3453, 10359, 4946),
    "anatem": (3830, 3830, 4616),
    "bionlp11id": (1961, 7844, 3810),
    "bionlp13cg": (1906, 30496, 6881),
    "jnlpba": (3856, 19280, 8662),
    "linnaeus": (7142, 7142, 1433),
}

RAW_TAG = re.compile(r"^[BIESLU]-|_")  # a BIO prefix or an identifier-style label
DROPPED = {"else", "misc", "miscellaneous", "o", "other"}


def natural(type: str) -> bool:
    """A type reads as words: no tag prefix, no underscore, no miscellaneous label."""
    return (
        bool(type)
        and type == type.strip()
        and not RAW_TAG.search(type)
        and (type.casefold() not in DROPPED)
    )


def test_universal_holds_every_registered_dataset_once_and_zero_shot_is_unchanged() -> None:
    universal = [d.name for d in get_benchmark("universal").datasets]
    assert sorted(universal) == NAMES == sorted(COUNTS)
    assert len(universal) == len(set(universal)) == 13
    zero_shot = [d.name for d in get_benchmark("zero-shot").datasets]
    assert universal[:7] == zero_shot
    domains = {d.name: d.domain for d in get_benchmark("universal").datasets}
    assert {n for n, d in domains.items() if d == "biomedical"} == {
        "anatem",
        "bionlp11id",
        "bionlp13cg",
        "jnlpba",
        "linnaeus",
    }
    assert len(set(domains.values())) == 9


def test_bundled_paths_start_at_the_data_root() -> None:
    spec = REGISTRY.datasets["jnlpba"]
    assert spec.config_file is None
    assert spec.resolve("/data") == Path("/data/bio/JNLPBA/test.tsv")


def test_every_bundled_label_map_names_natural_types() -> None:
    for name, mapping in bundled_label_maps().items():
        for label, type in mapping.items():
            assert type is None or natural(type), (name, label, type)
    maps = bundled_label_maps()
    assert maps["bionlp13cg"]["Gene_or_gene_product"] == "gene or gene product"
    assert maps["jnlpba"]["cell_type"] == "cell type"
    for spec in REGISTRY.datasets.values():
        if spec.format == "conll":  # corpus labels: each dataset needs its own map
            assert spec.name in maps, spec.name


@pytest.mark.data
@pytest.mark.parametrize("name", NAMES)
def test_registry_entry_loads_with_every_label_mapped_or_dropped(
    shared_data: Path, name: str
) -> None:
    spec = REGISTRY.datasets[name]
    data = spec.load(shared_data)
    passages, queries, mentions = COUNTS[name]
    assert (len(data), sum(len(r.types) for r in data)) == (passages, queries)
    assert sum(len(r.entities) for r in data) == mentions
    assert data.domain == spec.domain and data.name == name
    types = {t for r in data for t in r.types} | {e.type for r in data for e in r.entities}
    assert types == set(data.types)
    bad = sorted(t for t in types if not natural(t))
    assert not bad, f"{name}: raw labels survive as types: {bad}"
    path = spec.resolve(shared_data)
    mapping = effective_label_map(name)
    if spec.format == "conll":
        # every corpus label is listed in the dataset's map (renamed or dropped), no other
        _, raw, _ = read_conll(path)
        assert set(raw) == set(bundled_label_maps()[name]), name
        assert types == {mapping[label] for label in raw} - {None}
    elif spec.format == "spans":
        # span labels already read as words: kept, or dropped by the default map (else)
        _, raw = read_spans(path)
        for label in raw:
            assert natural(label) or mapping.get(label, "kept") is None, (name, label)


def test_config_paths_start_at_the_config_folder_not_the_data_root(tmp_path: Path) -> None:
    (tmp_path / "sets").mkdir()
    (tmp_path / "sets" / "test.json").write_text((FIXTURES / "spans" / "test.json").read_text())
    config = tmp_path / "bench.yaml"
    config.write_text(
        "datasets:\n"
        "  mine: {path: sets/test.json, domain: news}\n"
        "  ghost: {path: nowhere/test.json}\n"
        "  bundled-style: {path: ner/conll_2003/test.json}\n"
    )
    registry = load_registry(config)
    mine = registry.datasets["mine"]
    assert mine.config_file == str(config.absolute())
    assert mine.resolve("/elsewhere") == tmp_path / "sets" / "test.json"
    assert [r.text for r in mine.load("/elsewhere")] == ["Ada Lovelace met Bob in Paris .",
                                                          "Nothing here ."]  # fmt: skip
    with pytest.raises(DatasetNotFoundError) as info:
        registry.datasets["ghost"].load("/elsewhere")
    message = str(info.value)
    assert str(tmp_path / "nowhere" / "test.json") in message
    assert f"taken from the folder of {config.absolute()}" in message
    # a relative path in a config never falls back to the data root
    with pytest.raises(DatasetNotFoundError, match="the config file that defines it"):
        registry.datasets["bundled-style"].load(FIXTURES)
    # the bundled entries still start at the data root, and say so when missing
    with pytest.raises(DatasetNotFoundError) as bundled:
        registry.datasets["linnaeus"].load(tmp_path)
    assert f"taken from the data root {tmp_path}" in str(bundled.value)


def test_a_relative_label_map_file_starts_at_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text("person: human\n")
    config = tmp_path / "bench.yaml"
    config.write_text(
        f"datasets:\n  mine: {{path: {FIXTURES / 'spans' / 'test.json'}, label_map: map.yaml}}\n"
    )
    spec = load_registry(config).datasets["mine"]
    assert spec.label_map == str(tmp_path / "map.yaml")
    assert spec.load().types == ["human", "city"]  # city: from labels.json beside the file


def test_config_file_is_not_a_key_users_write(tmp_path: Path) -> None:
    config = tmp_path / "bench.yaml"
    config.write_text("datasets:\n  x: {path: a.json, config_file: /tmp/other.yaml}\n")
    with pytest.raises(ValueError, match="dataset 'x': unknown key 'config_file'"):
        load_registry(config)
