from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.corpus import Document, iter_documents
from uniner.errors import DataFormatError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_txt_file_is_one_document(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "First line.\nSecond line.\n")
    assert list(iter_documents(path)) == [Document("First line.\nSecond line.\n", str(path), "0")]


def test_txt_lines_skip_blank_lines_and_keep_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "one\n\n  \ntwo\n")
    docs = list(iter_documents(path, txt_mode="line"))
    assert [(d.text, d.document) for d in docs] == [("one", "1"), ("two", "4")]


def test_jsonl_with_configurable_field(tmp_path: Path) -> None:
    rows = [{"input": "Alpha."}, {"input": ""}, {"input": "Beta."}]
    path = write(tmp_path / "c.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    docs = list(iter_documents(path, text_field="input"))
    assert [(d.text, d.document) for d in docs] == [("Alpha.", "1"), ("Beta.", "3")]


def test_jsonl_missing_field_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.jsonl", '{"text": "ok"}\n{"body": "no"}\n')
    with pytest.raises(DataFormatError, match=r"c.jsonl, line 2: a string field 'text'"):
        list(iter_documents(path))


def test_jsonl_bad_json_is_a_format_error(tmp_path: Path) -> None:
    path = write(tmp_path / "c.jsonl", "{not json\n")
    with pytest.raises(DataFormatError, match="line 1: a JSON object"):
        list(iter_documents(path))


def test_parquet_reads_rows_in_batches(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    texts = [f"Document {i}." for i in range(2500)] + [None]
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"content": texts}), path, row_group_size=700)
    docs = list(iter_documents(path, text_field="content"))
    assert len(docs) == 2500
    assert (docs[0].text, docs[-1].text, docs[-1].document) == (
        "Document 0.",
        "Document 2499.",
        "2499",
    )
    with pytest.raises(DataFormatError, match="a column 'text'"):
        list(iter_documents(path))


def test_saved_hf_dataset_dict(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    dd = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict({"text": ["A.", "B."]}),
            "test": datasets.Dataset.from_dict({"text": ["C."]}),
        }
    )
    dd.save_to_disk(str(tmp_path / "saved"))
    docs = list(iter_documents(tmp_path / "saved"))
    assert [(d.text, d.document) for d in docs] == [
        ("A.", "train:0"),
        ("B.", "train:1"),
        ("C.", "test:0"),
    ]


def test_folder_is_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    write(tmp_path / "b" / "z.txt", "Zed.")
    write(tmp_path / "a.jsonl", '{"text": "Jay."}\n')
    write(tmp_path / "notes.md", "ignored")
    docs = list(iter_documents(tmp_path))
    assert [(Path(d.source).name, d.text) for d in docs] == [("a.jsonl", "Jay."), ("z.txt", "Zed.")]


def test_bad_inputs_have_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="corpus not found"):
        list(iter_documents(tmp_path / "missing.txt"))
    with pytest.raises(DataFormatError, match="a corpus file ending in one of"):
        list(iter_documents(write(tmp_path / "x.csv", "a,b")))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFormatError, match="a folder holding"):
        list(iter_documents(tmp_path / "empty"))
    with pytest.raises(ValueError, match="txt_mode must be"):
        list(iter_documents(tmp_path, txt_mode="para"))  # type: ignore[arg-type]
