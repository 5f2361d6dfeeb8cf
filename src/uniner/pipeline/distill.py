"""``distill``: corpus -> teacher annotations -> conversations -> student -> benchmark score.

Each stage writes into its own folder of the run directory and is skipped when its output is
already there, so a stopped run picks up where it stopped (the teacher cache and the training
checkpoints make the two long stages resumable inside themselves too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uniner.pipeline.config import DistillConfig


@dataclass
class DistillResult:
    """Where each stage's output is, which stages ran now, and the benchmark summary."""

    annotations: list[Path]
    data: Path
    student: Path
    scores: dict[str, Any] | None
    ran: list[str] = field(default_factory=list)


def distill(config: DistillConfig) -> DistillResult:
    """Run the stages ``config.stages`` in order; skip each one whose output exists."""
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "distill_config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    ran: list[str] = []
    annotations = _annotate(config, out / "annotate", ran)
    data = _build(config, annotations, out / "data", ran)
    student = _train(config, data, out / "student", ran)
    scores = _evaluate(config, student, out / "eval", ran)
    return DistillResult(annotations, data, student, scores, ran)


def _annotate(config: DistillConfig, folder: Path, ran: list[str]) -> list[Path]:
    if config.annotations:
        return [Path(p) for p in config.annotations]
    target = folder / "annotations.jsonl"
    if target.is_file() or "annotate" not in config.stages:
        return [target]
    from uniner.annotate import AnnotateConfig, SamplingParams, annotate
    from uniner.corpus import CorpusConfig

    options = dict(config.annotate)
    if isinstance(options.get("sampling"), dict):  # YAML gives the nested section as a dict
        options["sampling"] = SamplingParams(**options["sampling"])
    annotate(AnnotateConfig(CorpusConfig(**config.corpus), out=str(folder), **options))
    ran.append("annotate")
    return [target]


def _build(config: DistillConfig, inputs: list[Path], folder: Path, ran: list[str]) -> Path:
    target = folder / "train.jsonl"
    if target.is_file() or "build" not in config.stages:
        return target
    from uniner.instruct import BuildConfig, build_data

    options = dict(config.build)
    tokenizer = options.pop("tokenizer", None)
    build_data(inputs, folder, BuildConfig(**options), tokenizer=tokenizer)
    ran.append("build")
    return target


def _train(config: DistillConfig, data: Path, folder: Path, ran: list[str]) -> Path:
    if (folder / "uniner.json").is_file() or "train" not in config.stages:
        return folder
    from uniner.train import TrainConfig, train

    train(TrainConfig(data=data, out=folder, **config.train))
    ran.append("train")
    return folder


def _evaluate(
    config: DistillConfig, student: Path, folder: Path, ran: list[str]
) -> dict[str, Any] | None:
    results = folder / "results.json"
    if results.is_file():
        loaded: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
        return loaded
    if "evaluate" not in config.stages:
        return None
    from uniner.engine import NERModel
    from uniner.evaluation import evaluate

    options = dict(config.evaluate)
    benchmark = options.pop("benchmark", "zero-shot")
    model = NERModel.from_pretrained(str(student))
    evaluate(model, benchmark, out_dir=folder, **options)
    ran.append("evaluate")
    scored: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    return scored
