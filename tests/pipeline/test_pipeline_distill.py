from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.pipeline import DistillConfig, distill

ANNOTATION = {
    "id": "a",
    "text": "Ada Lovelace lived in London.",
    "entities": [
        {"start": 0, "end": 12, "text": "Ada Lovelace", "type": "person"},
        {"start": 22, "end": 28, "text": "London", "type": "city"},
    ],
}


@pytest.mark.slow
def test_build_and_train_stages_run_once_then_are_skipped(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    annotations = tmp_path / "annotations.jsonl"
    annotations.write_text("\n".join(json.dumps({**ANNOTATION, "id": f"p{i}"}) for i in range(4)))
    config = DistillConfig(
        out=tmp_path / "run",
        annotations=[str(annotations)],
        train={"model": str(tiny_model_dir), "max_steps": 1, "dtype": "float32"},
        stages=["build", "train"],
    )
    first = distill(config)
    assert first.ran == ["build", "train"]
    assert (first.data.parent / "build_config.json").is_file()
    assert json.loads((first.student / "uniner.json").read_text())["style"] == "chat"
    again = distill(config)
    assert again.ran == []
    assert again.student == first.student and again.scores is None


def test_config_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="base model"):
        DistillConfig(out=tmp_path, train={})
    with pytest.raises(ValueError, match="'bake'"):
        DistillConfig(out=tmp_path, train={"model": "m"}, stages=["bake"])
    with pytest.raises(ValueError, match="corpus"):
        DistillConfig(out=tmp_path, train={"model": "m"})
    bad = tmp_path / "bad.yaml"
    bad.write_text("out: x\ntrain: {model: m}\nannotations: [a]\nteacher: y\n")
    with pytest.raises(ValueError, match="teacher"):
        DistillConfig.from_yaml(bad)


def test_example_config_parses() -> None:
    config = DistillConfig.from_yaml(Path(__file__).parents[2] / "configs" / "distill.yaml")
    assert config.stages == ["annotate", "build", "train", "evaluate"]
    assert config.build["negatives"] == "frequency"
