"""Annotation tools' files through the commands that read data: stats, score, build-data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from uniner.cli import main
from uniner.data.conversations import read_conversations

TOOLS = Path(__file__).parents[1] / "data" / "fixtures" / "tools"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_stats_of_a_label_studio_export(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "stats", str(TOOLS / "label_studio_export.json"), "--json")
    assert (out["records"], out["mentions"], out["types"]) == (3, 4, 3)
    assert main(["stats", str(TOOLS / "prodigy.jsonl")]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        "prodigy: 2 records, 3 mentions, 2 types, 4 (passage, type) queries, 0 ungrounded mentions"
    )


def test_score_a_doccano_export_against_its_label_studio_twin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = TOOLS / "doccano_relations.jsonl"
    pred = tmp_path / "pred.json"
    assert main(["stats", str(gold)]) == 0  # the gold set reads
    capsys.readouterr()
    region = {"type": "labels", "value": {"start": 0, "end": 12, "labels": ["PER"]}}
    tasks = [
        {
            "data": {"text": "Ada Lovelace worked with Charles Babbage in London."},
            "annotations": [{"result": [region]}],
        },
        {"data": {"text": "No one here."}, "annotations": [{"result": []}]},
    ]
    pred.write_text(json.dumps(tasks), encoding="utf-8")
    out = run_json(
        capsys, "score", "--gold", str(gold), "--pred", str(pred), "--metric", "strict", "--json"
    )
    assert (out["correct"], out["predicted"], out["gold"]) == (1, 1, 3)


def test_build_data_from_prodigy_and_doccano(tmp_path: Path) -> None:
    out = tmp_path / "built"
    inputs = [str(TOOLS / "prodigy.jsonl"), str(TOOLS / "doccano.jsonl")]
    argv = ["build-data", "--input", *inputs, "--out", str(out), "--dev-fraction", "0"]
    assert main([*argv, "--negatives", "none"]) == 0
    train = read_conversations(out / "train.jsonl")
    mentions = {r.text: sorted((e.type, e.text) for e in r.entities) for r in train}
    assert len(mentions) == 5  # 2 accepted Prodigy examples and 3 doccano records
    assert mentions["Ada met Bob in Paris."] == [
        ("GPE", "Paris"),
        ("PERSON", "Ada"),
        ("PERSON", "Bob"),
    ]
    assert mentions["EU rejects German call to boycott British lamb."] == [("ORG", "EU")]


def test_eval_a_registered_label_studio_set_against_docbin_predictions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("spacy")
    from uniner.data import load_dataset, write_dataset

    gold = load_dataset(TOOLS / "label_studio_export.json")
    gold.records[0].entities = gold.records[0].entities[:1]  # the prediction misses London
    (tmp_path / "predictions").mkdir()
    write_dataset(gold, tmp_path / "predictions" / "people.spacy", format="spacy")
    shutil.copy(TOOLS / "label_studio_export.json", tmp_path / "export.json")
    config = tmp_path / "mine.yaml"
    config.write_text("datasets:\n  people: {path: export.json}\n", encoding="utf-8")
    argv = ["eval", "--config", str(config), "--benchmark", "people", "--metric", "strict"]
    predictions = str(tmp_path / "predictions")
    out = run_json(capsys, *argv, "--predictions", predictions, "--json", "--no-progress")
    people = out["datasets"]["people"]
    assert (people["precision"], people["recall"]) == (1.0, 0.75)  # 3 of the 4 gold mentions
