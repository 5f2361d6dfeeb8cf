from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.cli import main
from uniner.errors import DataFormatError
from uniner.extract.files import entity_dict, read_texts
from uniner.types import Entity


def test_entity_shapes() -> None:
    e = Entity(0, 3, "Ada", "person", 0.5)
    assert entity_dict(e, "uniner") == {
        "start": 0,
        "end": 3,
        "text": "Ada",
        "type": "person",
        "score": 0.5,
    }
    assert entity_dict(e, "gliner") == {
        "start": 0,
        "end": 3,
        "text": "Ada",
        "label": "person",
        "score": 0.5,
    }
    assert entity_dict(e, "hf") == {
        "entity_group": "person",
        "score": 0.5,
        "word": "Ada",
        "start": 0,
        "end": 3,
    }


def test_read_texts(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\n\n two \n", encoding="utf-8")
    assert read_texts(tmp_path / "a.txt") == ["one", " two "]
    (tmp_path / "b.jsonl").write_text('{"text": "x"}\n\n{"text": "y", "id": 2}\n')
    assert read_texts(tmp_path / "b.jsonl") == ["x", "y"]
    (tmp_path / "c.jsonl").write_text('{"text": "x"}\n{"txt": 1}\n')
    with pytest.raises(DataFormatError, match=r"c\.jsonl, line 2"):
        read_texts(tmp_path / "c.jsonl")


def test_extract_text_to_stdout(tiny_model_dir: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(
        [
            "extract",
            "--model",
            str(tiny_model_dir),
            "-t",
            "person",
            "-t",
            "city",
            "--constrained",
            "--max-new-tokens",
            "8",
            "Ada lives in Paris.",
        ]
    )
    assert code == 0
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["text"] == "Ada lives in Paris."
    for entity in record["entities"]:
        assert record["text"][entity["start"] : entity["end"]] == entity["text"]


def test_extract_file_to_jsonl(tiny_model_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "Ada lives in Paris."}\n{"text": "Bob."}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = main(
        [
            "extract",
            "--model",
            str(tiny_model_dir),
            "-t",
            "person",
            "--format",
            "hf",
            "--max-new-tokens",
            "4",
            "--input",
            str(source),
            "--output",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == ["Ada lives in Paris.", "Bob."]


def test_extract_needs_text_or_input(capsys: pytest.CaptureFixture) -> None:
    assert main(["extract", "-t", "person"]) == 2
    assert "give either TEXT or --input FILE" in capsys.readouterr().err
