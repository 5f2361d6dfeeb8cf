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

from uniner.checkpoints import ModelCard
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
    annotations = _annotate(config, ran)
    data = _build(config, ran)
    student = _train(config, ran)
    scores = _evaluate(config, student, ran)
    return DistillResult(annotations, data, student, scores, ran)


def _annotate(config: DistillConfig, ran: list[str]) -> list[Path]:
    files = config.annotation_files()
    if config.annotations or files[0].is_file() or "annotate" not in config.stages:
        return files
    from uniner.annotate import annotate

    annotate(config.annotate_config())
    ran.append("annotate")
    return files


def _build(config: DistillConfig, ran: list[str]) -> Path:
    stage = config.build_config()
    target = Path(stage.out) / "train.jsonl"
    if target.is_file() or "build" not in config.stages:
        return target
    from uniner.instruct import build_data

    build_data(stage)
    ran.append("build")
    return target


def _train(config: DistillConfig, ran: list[str]) -> Path:
    stage = config.train_config()
    folder = Path(stage.out)
    if ModelCard.exists(folder) or "train" not in config.stages:
        return folder
    from uniner.train import train

    train(stage)
    ran.append("train")
    return folder


def _evaluate(config: DistillConfig, student: Path, ran: list[str]) -> dict[str, Any] | None:
    stage = config.eval_config()
    results = Path(str(stage.out_dir)) / "results.json"
    if results.is_file():
        loaded: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
        return loaded
    if "evaluate" not in config.stages:
        return None
    from uniner.engine import NERModel
    from uniner.evaluation import evaluate

    progress = bool(config.evaluate.get("progress", True))
    evaluate(NERModel.from_pretrained(str(student)), stage, progress=progress)
    ran.append("evaluate")
    scored: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    return scored
