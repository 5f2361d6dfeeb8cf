"""Stream documents out of a corpus: text, JSON-lines, Parquet files, folders of them, or a
Hugging Face ``datasets`` directory saved with ``save_to_disk``.

Every reader is a generator, so memory stays bounded whatever the corpus size (Parquet is read
batch by batch; a saved ``datasets`` directory is memory-mapped by Arrow).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from uniner.corpus.passage import Document
from uniner.errors import DataFormatError, MissingDependencyError

TxtMode = Literal["file", "line"]
SUFFIXES = (".txt", ".jsonl", ".parquet")
PARQUET_BATCH_ROWS = 1024


def iter_documents(
    path: str | Path, *, text_field: str = "text", txt_mode: TxtMode = "file"
) -> Iterator[Document]:
    """Yield the documents of a corpus, in a deterministic order.

    Args:
        path: a ``.txt``, ``.jsonl`` or ``.parquet`` file, a folder holding such files (read
            recursively, in sorted path order), or a folder written by
            ``datasets.Dataset.save_to_disk`` / ``DatasetDict.save_to_disk``.
        text_field: the field (JSON-lines) or column (Parquet, ``datasets``) holding the text.
        txt_mode: ``"file"``: a ``.txt`` file is one document; ``"line"``: each non-empty line is.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        DataFormatError: a file is not what its suffix says, or lacks ``text_field``.
    """
    if txt_mode not in ("file", "line"):
        raise ValueError(f"txt_mode must be 'file' or 'line', got {txt_mode!r}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"corpus not found: {path}")
    if path.is_dir():
        yield from _read_dir(path, text_field, txt_mode)
    else:
        yield from _read_file(path, text_field, txt_mode)


def is_saved_hf_dataset(path: Path) -> bool:
    """True for a folder written by ``datasets``' ``save_to_disk``."""
    return (path / "dataset_dict.json").is_file() or (path / "state.json").is_file()


def _read_dir(path: Path, text_field: str, txt_mode: TxtMode) -> Iterator[Document]:
    if is_saved_hf_dataset(path):
        yield from read_hf_dataset(path, text_field)
        return
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    if not files:
        raise DataFormatError(path, None, f"a folder holding {', '.join(SUFFIXES)} files")
    for file in files:
        yield from _read_file(file, text_field, txt_mode)


def _read_file(path: Path, text_field: str, txt_mode: TxtMode) -> Iterator[Document]:
    if path.suffix == ".txt":
        yield from read_txt(path, txt_mode)
    elif path.suffix == ".jsonl":
        yield from read_jsonl(path, text_field)
    elif path.suffix == ".parquet":
        yield from read_parquet(path, text_field)
    else:
        raise DataFormatError(path, None, f"a corpus file ending in one of {SUFFIXES}")


def read_txt(path: Path, txt_mode: TxtMode = "file") -> Iterator[Document]:
    """One document per file, or one per non-empty line (numbered from 1)."""
    if txt_mode == "file":
        text = path.read_text(encoding="utf-8")
        if text.strip():
            yield Document(text, str(path), "0")
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            line = line.rstrip("\n")
            if line.strip():
                yield Document(line, str(path), str(number))


def read_jsonl(path: Path, text_field: str = "text") -> Iterator[Document]:
    """One document per JSON object; blank lines are skipped, empty texts too."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataFormatError(path, number, f"a JSON object ({err.msg})") from err
            text = record.get(text_field) if isinstance(record, dict) else None
            if not isinstance(text, str):
                raise DataFormatError(path, number, f"a string field {text_field!r}")
            if text.strip():
                yield Document(text, str(path), str(number))


def read_parquet(path: Path, text_field: str = "text") -> Iterator[Document]:
    """One document per row of the ``text_field`` column, read in batches."""
    try:
        import pyarrow.parquet as pq
    except ImportError as err:
        raise MissingDependencyError("pyarrow", "parquet") from err
    parquet = pq.ParquetFile(path)
    if text_field not in parquet.schema_arrow.names:
        raise DataFormatError(path, None, f"a column {text_field!r}")
    row = 0
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=[text_field]):
        for text in batch.column(0).to_pylist():
            if isinstance(text, str) and text.strip():
                yield Document(text, str(path), str(row))
            row += 1


def read_hf_dataset(path: Path, text_field: str = "text") -> Iterator[Document]:
    """The rows of a saved ``datasets`` folder; for a ``DatasetDict``, every split in turn."""
    try:
        import datasets
    except ImportError as err:
        raise MissingDependencyError("datasets", "datasets") from err
    loaded = datasets.load_from_disk(str(path))
    splits = loaded.items() if isinstance(loaded, datasets.DatasetDict) else [("", loaded)]
    for split, table in splits:
        if text_field not in table.column_names:
            raise DataFormatError(path, None, f"a column {text_field!r} (split {split!r})")
        column = table.select_columns([text_field])
        for row, record in enumerate(column):
            text = record[text_field]
            if isinstance(text, str) and text.strip():
                yield Document(text, str(path), f"{split}:{row}" if split else str(row))
