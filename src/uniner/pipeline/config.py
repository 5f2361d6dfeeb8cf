"""``DistillConfig``: one YAML file naming every stage of a distillation run.

Each section is checked against its stage's own typed config when the file is read, so a typo
under ``train:`` is an error before hours of annotation, not after them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from uniner.annotate import AnnotateConfig
    from uniner.evaluation import EvalConfig
    from uniner.instruct import BuildDataConfig
    from uniner.train import TrainConfig

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
        evaluate: ``benchmark`` (default ``zero-shot``), ``limit``, ``batch_size``, any other
            :class:`EvalConfig` field, and ``progress`` (bars on or off).
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
        self._check_sections()

    # ------------------------------------------------------------------ the stages' configs
    # Each stage's typed config, with the paths the run gives it. Building them all here is
    # what validates the sections before anything runs.

    def annotate_config(self) -> AnnotateConfig:
        from uniner.annotate import AnnotateConfig, SamplingParams
        from uniner.corpus import CorpusConfig

        options = dict(self.annotate)
        if isinstance(options.get("sampling"), dict):  # YAML gives the nested section as a dict
            options["sampling"] = SamplingParams(**options["sampling"])
        corpus = CorpusConfig(**self.corpus)
        return AnnotateConfig(corpus, out=str(self.folder("annotate")), **options)

    def annotation_files(self) -> list[Path]:
        """The teacher annotations the build stage reads."""
        if self.annotations:
            return [Path(p) for p in self.annotations]
        return [self.folder("annotate") / "annotations.jsonl"]

    def build_config(self) -> BuildDataConfig:
        from uniner.instruct import BuildDataConfig

        inputs = [str(p) for p in self.annotation_files()]
        return BuildDataConfig(**self.build, inputs=inputs, out=str(self.folder("data")))

    def train_config(self) -> TrainConfig:
        from uniner.train import TrainConfig

        data = self.folder("data") / "train.jsonl"
        return TrainConfig(data=data, out=self.folder("student"), **self.train)

    def eval_config(self) -> EvalConfig:
        from uniner.evaluation import EvalConfig

        options = {"benchmark": "zero-shot", **self.evaluate}
        options.pop("progress", None)  # how the run looks, not what it measures
        return EvalConfig(**options, out_dir=str(self.folder("eval")))

    def folder(self, stage: str) -> Path:
        """The stage's folder in the run directory."""
        names = {"annotate": "annotate", "data": "data", "student": "student", "eval": "eval"}
        return Path(self.out) / names[stage]

    def _check_sections(self) -> None:
        checks = [
            ("annotate", self.annotate_config),
            ("build", self.build_config),
            ("train", self.train_config),
            ("evaluate", self.eval_config),
        ]
        for section, make in checks:
            if section == "annotate" and (self.annotations or "annotate" not in self.stages):
                continue
            try:
                make()
            except (TypeError, ValueError) as err:
                raise ValueError(f"section {section!r} of the distill config: {err}") from err

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
