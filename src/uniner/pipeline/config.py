"""``DistillConfig``: one YAML file naming every stage of a distillation run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STAGES = ("annotate", "build", "train", "evaluate")


@dataclass
class DistillConfig:
    """The options of ``uniner distill``; each section is passed to its stage's config.

    Args:
        out: run directory; stages write ``annotate/``, ``data/``, ``student/``, ``eval/``.
        corpus: :class:`uniner.corpus.CorpusConfig` fields (``path``, ``n``, ...).
        annotate: :class:`uniner.annotate.AnnotateConfig` fields (teacher URL, model, ...).
        annotations: existing annotation files to use instead of running the teacher.
        build: :class:`uniner.instruct.BuildConfig` fields.
        train: :class:`uniner.train.TrainConfig` fields; ``model`` is required.
        evaluate: ``benchmark`` (default ``zero-shot``), ``limit``, ``batch_size``.
        stages: the stages to run, in order (default all four).

    >>> DistillConfig.from_yaml("configs/distill.yaml")  # doctest: +SKIP
    """

    out: str | Path
    train: dict[str, Any]
    corpus: dict[str, Any] = field(default_factory=dict)
    annotate: dict[str, Any] = field(default_factory=dict)
    annotations: list[str] = field(default_factory=list)
    build: dict[str, Any] = field(default_factory=dict)
    evaluate: dict[str, Any] = field(default_factory=dict)
    stages: list[str] = field(default_factory=lambda: list(STAGES))

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        unknown = [s for s in self.stages if s not in STAGES]
        if unknown:
            raise ValueError(f"unknown stages {unknown}; choose from {STAGES}")
        if "model" not in self.train:
            raise ValueError("the train section must name the base model: train: {model: ...}")
        if isinstance(self.annotations, str):
            self.annotations = [self.annotations]
        if "annotate" in self.stages and not self.annotations and "path" not in self.corpus:
            raise ValueError(
                "annotate needs a corpus (corpus: {path: ...}) or existing annotations "
                "(annotations: [file, ...])"
            )

    @classmethod
    def from_yaml(cls, path: str | Path) -> DistillConfig:
        """Read a config file; paths in it are relative to the working directory."""
        import yaml

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"distill config not found: {path}")
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: expected a mapping of sections, got {type(raw).__name__}")
        try:
            return cls(**raw)
        except TypeError as err:
            raise ValueError(f"{path}: {err}") from err

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "corpus": self.corpus,
            "annotate": self.annotate,
            "annotations": self.annotations,
            "build": self.build,
            "train": self.train,
            "evaluate": self.evaluate,
            "stages": self.stages,
        }
