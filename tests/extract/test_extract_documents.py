from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.corpus import content_id
from uniner.errors import DataFormatError
from uniner.extract.documents import (
    BAD_JSON,
    EMPTY,
    NO_ID,
    NOT_TEXT,
    UNDECODABLE,
    CorpusDocument,
    Fields,
    iter_corpus,
)


def test_txt_lines_are_documents_with_hash_ids(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"Ada.\r\n\n  \nBob \xff.\nCyd.\n")
    docs = list(iter_corpus([path]))
    raw = "Bob \ufffd."
    assert docs == [
        CorpusDocument(content_id("Ada."), str(path), "1", "Ada."),
        CorpusDocument(content_id(raw), str(path), "4", None, UNDECODABLE),
        CorpusDocument(content_id("Cyd."), str(path), "5", "Cyd."),
    ]


def test_txt_file_mode_reads_the_whole_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("One.\nTwo.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(" \n", encoding="utf-8")
    docs = list(iter_corpus([tmp_path], txt_mode="file"))
    assert [(d.text, d.position, d.problem) for d in docs] == [
        ("One.\nTwo.\n", "0", None),
        (None, "0", EMPTY),
    ]


def test_jsonl_bad_records_are_kept_with_their_problem(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    lines = [
        json.dumps({"body": "Ada.", "key": 7}),
        json.dumps({"body": "", "key": 8}),
        json.dumps({"body": 3, "key": 9}),
        "{not json",
        json.dumps({"body": "Bob."}),
        json.dumps(["a list"]),
        "",
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b'{"body": "\xff"}\n')
    docs = list(iter_corpus([path], fields=Fields("body", "key")))
    assert [(d.id, d.position, d.text, d.problem) for d in docs] == [
        ("7", "1", "Ada.", None),
        ("8", "2", None, EMPTY),
        ("9", "3", None, NOT_TEXT),
        (content_id("{not json"), "4", None, BAD_JSON),
        (content_id(lines[4]), "5", None, NO_ID),
        (content_id(lines[5]), "6", None, NOT_TEXT),
        (content_id('{"body": "\ufffd"}'), "8", None, UNDECODABLE),
    ]


def test_a_boolean_id_is_no_id(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"text": "Ada.", "id": True}) + "\n", encoding="utf-8")
    [doc] = iter_corpus([path], fields=Fields(id="id"))
    assert doc.problem == NO_ID


def test_parquet_rows_and_ids(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "c.parquet"
    table = pa.table({"text": ["Ada.", None, " ", "Bob."], "doc": ["a", "b", "c", "d"]})
    pq.write_table(table, path, row_group_size=3)
    docs = list(iter_corpus([path], fields=Fields(id="doc")))
    assert [(d.id, d.position, d.text, d.problem) for d in docs] == [
        ("a", "0", "Ada.", None),
        ("b", "1", None, NOT_TEXT),
        ("c", "2", None, EMPTY),
        ("d", "3", "Bob.", None),
    ]
    with pytest.raises(DataFormatError, match="a column 'key'"):
        list(iter_corpus([path], fields=Fields(id="key")))


def test_saved_dataset_dict_reads_every_split(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    splits = {
        "train": datasets.Dataset.from_dict({"text": ["Ada.", ""]}),
        "test": datasets.Dataset.from_dict({"text": ["Bob."]}),
    }
    datasets.DatasetDict(splits).save_to_disk(str(tmp_path / "saved"))
    docs = list(iter_corpus([tmp_path / "saved"]))
    assert [(d.position, d.text, d.problem) for d in docs] == [
        ("train:0", "Ada.", None),
        ("train:1", None, EMPTY),
        ("test:0", "Bob.", None),
    ]


def test_folders_in_path_order_and_several_inputs(tmp_path: Path) -> None:
    (tmp_path / "f" / "b").mkdir(parents=True)
    (tmp_path / "f" / "b" / "x.txt").write_text("Two.\n", encoding="utf-8")
    (tmp_path / "f" / "a.jsonl").write_text('{"text": "One."}\n', encoding="utf-8")
    (tmp_path / "f" / "notes.md").write_text("ignored\n", encoding="utf-8")
    (tmp_path / "z.txt").write_text("Three.\n", encoding="utf-8")
    docs = list(iter_corpus([tmp_path / "f", tmp_path / "z.txt"]))
    assert [d.text for d in docs] == ["One.", "Two.", "Three."]


def test_missing_input_fails_before_reading(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("One.\n", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="corpus not found"):
        next(iter_corpus([tmp_path / "a.txt", tmp_path / "missing.txt"]))


def test_an_unknown_suffix_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("text\nOne.\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="a corpus file ending in one of"):
        list(iter_corpus([path]))
