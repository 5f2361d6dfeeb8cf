"""The registry of named benchmarks: which datasets, where, in which format and domain.

The bundled registry (``resources/benchmarks/benchmarks.yaml``) defines ``zero-shot``, the
paper's seven sets, and ``universal``, every test set we hold. Users add datasets and
benchmarks with a YAML or JSON file of the same shape, merged over the bundled one::

    datasets:
      my-bio: {path: bio/test.conll, format: conll, domain: biomedical,
               label_map: {Chemical: chemical, Disease: disease}, skip_malformed: true}
    benchmarks:
      my-suite: {datasets: [my-bio, crossner_ai]}

A relative ``path`` (or label-map file) starts at the folder of the file that names it; the
bundled entries' paths start at the data root (``uniner.paths.data_root()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from uniner.data.io import FORMATS, ReadResult, read_dataset
from uniner.data.labels import bundled_label_maps
from uniner.errors import DatasetNotFoundError
from uniner.paths import data_root as default_data_root
from uniner.paths import resources
from uniner.types import Dataset

REGISTRY_FILE = "benchmarks.yaml"


@dataclass(frozen=True)
class DatasetSpec:
    """Where one benchmark dataset lives and how to read it.

    Args:
        name: the dataset's name (also the key for its bundled label map).
        path: the file: absolute, or relative to the folder of ``config_file``, or (bundled
            entries) to the data root.
        format: one of ``uniner.data.FORMATS``; guessed when None.
        domain: the domain the paper's per-domain averages group by.
        label_map: label -> type overrides (or a bundled map's name / a file).
        split: the split name recorded on the dataset.
        skip_malformed: leave out (and count) CoNLL lines without both a token and a tag.
        definitions: a file of its types' descriptions (``{type: {"definition",
            "guidelines"}}`` or ``{type: "description"}``), relative as ``path`` is; used when
            a run asks with definitions (``uniner eval --definitions``, SLIMER's protocol).
        config_file: the user config that defined the dataset (set by the registry, not
            written in the file); None for the bundled registry.
    """

    name: str
    path: str
    format: str | None = None
    domain: str = "general"
    label_map: dict[str, str | None] | str | None = None
    split: str = "test"
    skip_malformed: bool = False
    definitions: str | None = None
    config_file: str | None = None

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"a dataset needs a non-empty name, got {self.name!r}")
        if not self.path or not isinstance(self.path, str):
            raise ValueError(f"dataset {self.name!r} needs a 'path', got {self.path!r}")
        if self.format is not None and self.format not in FORMATS:
            raise ValueError(
                f"dataset {self.name!r}: unknown format {self.format!r}; choose one of {FORMATS}"
            )

    def resolve(self, root: str | Path | None = None) -> Path:
        """The file's location: as given when absolute, else under the folder of the config
        file that defined it, else under ``root`` (default: the configured data root)."""
        path = Path(self.path).expanduser()
        return path if path.is_absolute() else self.base(root) / path

    def base(self, root: str | Path | None = None) -> Path:
        """The folder a relative ``path`` starts at."""
        if self.config_file is not None:
            return Path(self.config_file).parent
        return Path(root or default_data_root())

    def descriptions(self, types: Sequence[str], root: str | Path | None = None) -> dict[str, str]:
        """Each of ``types`` that the dataset's definitions file describes -> its description.

        A type is looked up as written, then ignoring case, then as the same words in any
        order (the MIT files' ``Restaurant Name`` and ``average ratings`` are described as
        ``restaurant name`` and ``ratings average``).

        Raises:
            DatasetNotFoundError: the dataset has no definitions file, or it is missing.
        """
        from uniner.entity_types import read_definitions

        if self.definitions is None:
            raise DatasetNotFoundError(f"dataset {self.name!r} has no definitions file")
        path = Path(self.definitions).expanduser()
        path = path if path.is_absolute() else self.base(root) / path
        if not path.is_file():
            raise DatasetNotFoundError(f"definitions of {self.name!r} not found at {path}")
        return _match_definitions(types, read_definitions(path))

    def load(self, root: str | Path | None = None) -> Dataset:
        """Read the dataset; a missing file raises DatasetNotFoundError naming it."""
        return self.read(root).dataset

    def read(self, root: str | Path | None = None, *, skip_malformed: bool = False) -> ReadResult:
        """Read the dataset and say which malformed lines were left out (``skip_malformed``
        here or on the spec).

        Raises:
            DatasetNotFoundError: no file at the resolved path; the message says which base a
                relative path started from.
        """
        path = self.resolve(root)
        if not path.is_file():
            raise DatasetNotFoundError(
                f"dataset {self.name!r} not found at {path}{self._why(root)}"
            )
        return read_dataset(
            path,
            format=self.format,
            name=self.name,
            label_map=self.label_map,
            domain=self.domain,
            split=self.split,
            skip_malformed=skip_malformed or self.skip_malformed,
        )

    def _why(self, root: str | Path | None) -> str:
        """Where a relative path was looked for, for the not-found message."""
        if Path(self.path).expanduser().is_absolute():
            return ""
        if self.config_file is not None:
            return (
                f" (relative path {self.path!r} taken from the folder of {self.config_file}, "
                "the config file that defines it)"
            )
        how = "given as data_root / --data-root" if root else "set $UNINER_DATA or --data-root"
        return f" (relative path {self.path!r} taken from the data root {self.base(root)}; {how})"


def _match_definitions(types: Sequence[str], definitions: dict[str, str]) -> dict[str, str]:
    def keys(name: str) -> tuple[str, ...]:
        folded = name.casefold()
        return (name, folded, " ".join(sorted(folded.split())))

    index: dict[str, str] = {}
    for name, description in definitions.items():
        for key in keys(name):
            index.setdefault(key, description)
    found = {t: next((index[k] for k in keys(t) if k in index), None) for t in types}
    return {t: d for t, d in found.items() if d is not None}


@dataclass(frozen=True)
class Benchmark:
    """A named list of datasets scored together and averaged."""

    name: str
    datasets: tuple[DatasetSpec, ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not self.datasets:
            raise ValueError(f"benchmark {self.name!r} lists no datasets")


@dataclass
class Registry:
    """Datasets and benchmarks by name; :meth:`update` merges a user's config file."""

    datasets: dict[str, DatasetSpec] = field(default_factory=dict)
    benchmarks: dict[str, list[str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def update(
        self, config: dict[str, Any], source: str, *, config_file: Path | None = None
    ) -> None:
        """Add (or replace) the datasets and benchmarks of one parsed config.

        ``config_file``: the user file it came from; its datasets' relative paths (and
        label-map files) start at its folder. None: the bundled registry (the data root).
        """
        unknown = set(config) - {"datasets", "benchmarks"}
        if unknown:
            raise ValueError(f"{source}: unknown keys {sorted(unknown)}; use datasets/benchmarks")
        for name, spec in (config.get("datasets") or {}).items():
            if not isinstance(spec, dict):
                raise ValueError(f"{source}: dataset {name!r} must be a mapping with a 'path'")
            if "config_file" in spec:
                raise ValueError(f"{source}: dataset {name!r}: unknown key 'config_file'")
            fields = dict(spec)
            if config_file is not None:
                fields["config_file"] = str(config_file)
                fields["label_map"] = _label_map_beside(fields.get("label_map"), config_file)
            try:
                self.datasets[name] = DatasetSpec(name=name, **fields)
            except TypeError as err:  # an unknown key in the spec
                raise ValueError(f"{source}: dataset {name!r}: {err}") from err
        for name, bench in (config.get("benchmarks") or {}).items():
            names = bench.get("datasets") if isinstance(bench, dict) else bench
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ValueError(f"{source}: benchmark {name!r} needs a list of dataset names")
            self.benchmarks[name] = names
            if isinstance(bench, dict) and bench.get("description"):
                self.descriptions[name] = str(bench["description"])

    def benchmark(self, name: str) -> Benchmark:
        """The named benchmark; a single dataset's name is a one-dataset benchmark."""
        if name in self.benchmarks:
            names = self.benchmarks[name]
        elif name in self.datasets:
            names = [name]
        else:
            known = sorted({*self.benchmarks, *self.datasets})
            raise ValueError(f"unknown benchmark {name!r}; known: {', '.join(known)}")
        undefined = [n for n in names if n not in self.datasets]
        if undefined:
            raise ValueError(f"benchmark {name!r} names undefined datasets: {undefined}")
        specs = tuple(self.datasets[n] for n in names)
        return Benchmark(name, specs, self.descriptions.get(name, ""))


def load_registry(*configs: str | Path) -> Registry:
    """The bundled registry, with each user config file (YAML or JSON) merged over it."""
    registry = Registry()
    bundled = resources() / "benchmarks" / REGISTRY_FILE
    registry.update(yaml.safe_load(bundled.read_text(encoding="utf-8")), str(bundled))
    for config in configs:
        path = Path(config)
        if not path.is_file():
            raise FileNotFoundError(f"benchmark config not found: {path}")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))  # YAML reads JSON too
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a mapping with 'datasets' and/or 'benchmarks'")
        registry.update(data, str(path), config_file=path.absolute())
    return registry


def _label_map_beside(label_map: Any, config_file: Path) -> Any:
    """A label-map file named relative to a config file, as a path from its folder."""
    if not isinstance(label_map, str) or label_map in bundled_label_maps():
        return label_map
    path = Path(label_map).expanduser()
    return label_map if path.is_absolute() else str(config_file.parent / path)


def get_benchmark(name: str, *, config: str | Path | None = None) -> Benchmark:
    """The named benchmark from the bundled registry (plus ``config``, if given).

    >>> [d.domain for d in get_benchmark("zero-shot").datasets][:3]
    ['movie', 'restaurant', 'ai']
    """
    return load_registry(*([config] if config else [])).benchmark(name)
