"""The registry of named benchmarks: which datasets, where, in which format and domain.

The bundled registry (``resources/benchmarks/benchmarks.yaml``) defines ``zero-shot``, the
paper's seven sets. Users add datasets and benchmarks with a YAML or JSON file of the same
shape, merged over the bundled one::

    datasets:
      my-bio: {path: /data/bio/test.conll, format: conll, domain: biomedicine,
               label_map: {Chemical: chemical, Disease: disease}}
    benchmarks:
      my-suite: {datasets: [my-bio, crossner_ai]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from uniner.data.io import FORMATS, load_dataset
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
        path: the file, absolute or relative to the data root.
        format: one of ``uniner.data.FORMATS``; guessed when None.
        domain: the domain the paper's per-domain averages group by.
        label_map: label -> type overrides (or a bundled map's name / a file).
        split: the split name recorded on the dataset.
    """

    name: str
    path: str
    format: str | None = None
    domain: str = "general"
    label_map: dict[str, str | None] | str | None = None
    split: str = "test"

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
        """The file's location under ``root`` (default: the configured data root)."""
        path = Path(self.path).expanduser()
        return path if path.is_absolute() else Path(root or default_data_root()) / path

    def load(self, root: str | Path | None = None) -> Dataset:
        """Read the dataset; a missing file raises DatasetNotFoundError naming it."""
        path = self.resolve(root)
        if not path.is_file():
            raise DatasetNotFoundError(f"dataset {self.name!r} not found at {path}")
        return load_dataset(
            path,
            format=self.format,
            name=self.name,
            label_map=self.label_map,
            domain=self.domain,
            split=self.split,
        )


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

    def update(self, config: dict[str, Any], source: str) -> None:
        """Add (or replace) the datasets and benchmarks of one parsed config."""
        unknown = set(config) - {"datasets", "benchmarks"}
        if unknown:
            raise ValueError(f"{source}: unknown keys {sorted(unknown)}; use datasets/benchmarks")
        for name, spec in (config.get("datasets") or {}).items():
            if not isinstance(spec, dict):
                raise ValueError(f"{source}: dataset {name!r} must be a mapping with a 'path'")
            try:
                self.datasets[name] = DatasetSpec(name=name, **spec)
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
        registry.update(data, str(path))
    return registry


def get_benchmark(name: str, *, config: str | Path | None = None) -> Benchmark:
    """The named benchmark from the bundled registry (plus ``config``, if given).

    >>> [d.domain for d in get_benchmark("zero-shot").datasets][:3]
    ['movie', 'restaurant', 'ai']
    """
    return load_registry(*([config] if config else [])).benchmark(name)
