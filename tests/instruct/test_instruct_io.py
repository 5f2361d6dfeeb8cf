from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.cli import main
from uniner.errors import DataFormatError
from uniner.instruct import Conversation, read_conversations, read_records

ANNOTATION = {
    "id": "a1",
    "text": "Ada Lovelace lived in London.",
    "entities": [
        {"start": 0, "end": 12, "text": "Ada Lovelace", "type": "person"},
        {"start": 22, "end": 28, "text": "London", "type": "city"},
    ],
    "types": ["person", "city"],
}


def _write_annotations(path: Path, n: int) -> Path:
    # Distinct passages: build-data merges records of the same text.
    lines = [
        json.dumps({**ANNOTATION, "id": f"a{i}", "text": f"{ANNOTATION['text']} ({i})"})
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_build_data_cli_writes_official_jsonl_split_and_config(tmp_path: Path) -> None:
    source = _write_annotations(tmp_path / "annotations.jsonl", 10)
    out = tmp_path / "built"
    code = main(["build-data", "--input", str(source), "--out", str(out), "--seed", "7"])
    assert code == 0
    train = read_conversations(out / "train.jsonl")
    dev = read_conversations(out / "dev.jsonl")
    assert (len(train), len(dev)) == (9, 1)
    assert sorted(train[0].answers) == [("city", ["London"]), ("person", ["Ada Lovelace"])]
    written = json.loads((out / "build_config.json").read_text())
    assert written["config"]["seed"] == 7
    assert written["stats"]["passages"] == 10


def test_bad_annotation_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "annotations.jsonl"
    bad = {**ANNOTATION, "entities": [{"start": 0, "end": 3, "type": "person"}, {"end": 1}]}
    path.write_text(json.dumps(ANNOTATION) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(DataFormatError, match=r"annotations.jsonl, line 2"):
        read_records(path)


def test_from_official_rejects_other_formats() -> None:
    record = {"id": "x", "conversations": [{"from": "human", "value": "Hello"}, {"from": "gpt"}]}
    # Turns count from 1, as every reader of the official form reports them.
    with pytest.raises(DataFormatError, match="turn 2: an object with a string 'value'"):
        Conversation.from_official(record)
    record["conversations"][1] = {"from": "gpt", "value": "I've read this text."}
    with pytest.raises(DataFormatError, match="Text: <passage>"):
        Conversation.from_official(record)


@pytest.mark.data
def test_reads_the_released_zero_shot_file(shared_data: Path) -> None:
    convs = read_conversations(shared_data / "zero-shot-uniner" / "CrossNER_AI.json")
    assert len(convs) == 5603
    assert convs[0].id == "CrossNER_AI_0" and len(convs[0].answers) == 1


def test_max_passages_keeps_a_seeded_sample_of_each_input(tmp_path: Path) -> None:
    first = _write_annotations(tmp_path / "first.jsonl", 30)
    second = _write_annotations(tmp_path / "second.jsonl", 4)
    ids = []
    for run in ("a", "b"):
        out = tmp_path / run
        argv = ["build-data", "--input", str(first), str(second), "--out", str(out)]
        assert main([*argv, "--max-passages", "5", "--dev-fraction", "0"]) == 0
        ids.append(sorted(c.id for c in read_conversations(out / "train.jsonl")))
    assert ids[0] == ids[1]  # seeded: the same sample twice
    assert len(ids[0]) == 9  # 5 of the first file, all 4 of the second


def test_build_data_merges_a_passage_two_inputs_hold_and_excludes_a_dev_set(
    tmp_path: Path,
) -> None:
    tagged = tmp_path / "pile-ner-bio.txt"  # the passage again, token-split, every mention
    tagged.write_text(
        "Ada\tB-person\nLovelace\tI-person\nlived\tO\nin\tO\nLondon\tB-city\n.\tO\n"
        "(\tO\n3\tB-number\n)\tO\n\nRome\tB-city\n.\tO\n"
    )
    annotations = _write_annotations(tmp_path / "annotations.jsonl", 4)
    out = tmp_path / "built"
    argv = ["build-data", "--input", str(annotations), str(tagged), "--out", str(out)]
    assert main([*argv, "--negatives", "none", "--dev-fraction", "0"]) == 0
    stats = json.loads((out / "build_config.json").read_text())["stats"]
    assert (stats["records_read"], stats["passages"]) == (6, 5)
    merged = next(c for c in read_conversations(out / "train.jsonl") if c.id == "a3")
    assert merged.text == "Ada Lovelace lived in London. (3)"
    assert sorted(merged.answers) == [
        ("city", ["London"]),
        ("number", ["3"]),
        ("person", ["Ada Lovelace"]),
    ]
    split = tmp_path / "split"  # a dev set of 2 of the 4 passages, then the rest built apart
    argv = ["build-data", "--input", str(annotations), "--out", str(split)]
    assert main([*argv, "--dev-fraction", "0.5"]) == 0
    dev = {c.text for c in read_conversations(split / "dev.jsonl")}
    rest = tmp_path / "rest"
    argv = ["build-data", "--input", str(annotations), "--out", str(rest), "--dev-fraction", "0"]
    assert main([*argv, "--exclude", str(split / "dev.jsonl")]) == 0
    kept = {c.text for c in read_conversations(rest / "train.jsonl")}
    assert len(dev) == 2 and len(kept) == 2 and not dev & kept


def test_build_data_puts_definitions_on_a_share_of_the_questions(tmp_path: Path) -> None:
    from uniner.prompts import DESCRIPTION_TEMPLATE_VERSION

    source = _write_annotations(tmp_path / "annotations.jsonl", 20)
    definitions = tmp_path / "definitions.json"
    definitions.write_text(
        json.dumps({"person": {"definition": "A human.", "guidelines": "Named ones only."}})
    )
    out = tmp_path / "built"
    argv = ["build-data", "--input", str(source), "--out", str(out), "--dev-fraction", "0"]
    assert main([*argv, "--negatives", "none", "--definitions", str(definitions)]) == 0
    built = read_conversations(out / "train.jsonl")
    carried = [c.descriptions for c in built if c.descriptions]
    assert 4 <= len(carried) <= 16  # about half of the 20 questions about a person
    assert all(d == {"person": "A human. Named ones only."} for d in carried)
    written = json.loads((out / "build_config.json").read_text())
    assert written["definitions"] == str(definitions)
    assert written["description_template_version"] == DESCRIPTION_TEMPLATE_VERSION
    assert written["config"]["definition_share"] == 0.5
    assert main([*argv, "--negatives", "none", "--definitions", str(definitions),
                 "--definition-share", "1"]) == 0  # fmt: skip
    assert all(c.descriptions for c in read_conversations(out / "train.jsonl"))
