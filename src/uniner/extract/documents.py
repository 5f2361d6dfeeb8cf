"""The documents of a corpus to extract from, each with an id, and the bad ones kept in the stream.

The file formats and their order are those of :mod:`uniner.corpus.readers` (``.txt``,
``.jsonl``, ``.parquet``, folders of them in sorted path order, folders saved by ``datasets``),
read as a stream so memory stays bounded. Two things differ, because an extraction job must
account for every document of its input:

* each document has an **id**: its ``id_field`` value when one is named, else the hash of its
  text (:func:`uniner.corpus.content_id`), so a row of output can be joined back to its input;
* a document that cannot be read (an empty or non-string text, bytes that are not UTF-8, a
  JSON line that does not parse, a missing id) is yielded with its ``problem`` instead of
  stopping the reader, and the job counts and lists it.

Blank lines of ``.txt`` and ``.jsonl`` files separate documents; they are not documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uniner.corpus.passage import content_id
from uniner.corpus.readers import PARQUET_BATCH_ROWS, SUFFIXES, TxtMode, is_saved_hf_dataset
from uniner.errors import DataFormatError, MissingDependencyError

# Why a document was not sent to the model.
EMPTY = "empty"
NOT_TEXT = "not text"
UNDECODABLE = "not UTF-8"
BAD_JSON = "bad JSON"
NO_ID = "no id"
PROBLEMS = (EMPTY, NOT_TEXT, UNDECODABLE, BAD_JSON, NO_ID)


@dataclass(frozen=True)
class CorpusDocument:
    """One document of the input, readable or not.

    Attributes:
        id: its ``id_field`` value as a string, else the hash of its text (or, for a document
            that has no text, of its raw line or value).
        source: the file or ``datasets`` folder it was read from.
        position: where in the source: a line number (from 1), a row index (from 0),
            ``split:row`` in a ``DatasetDict``, ``0`` for a whole ``.txt`` file.
        text: the text; None when ``problem`` is set.
        problem: why it cannot be read (one of ``PROBLEMS``), or None.
    """

    id: str
    source: str
    position: str
    text: str | None
    problem: str | None = None


@dataclass(frozen=True)
class Fields:
    """Which fields of a record hold the text and the id (None: the id is the text's hash)."""

    text: str = "text"
    id: str | None = None


def iter_corpus(
    paths: Sequence[str | Path], *, fields: Fields | None = None, txt_mode: TxtMode = "line"
) -> Iterator[CorpusDocument]:
    """Every document of ``paths``, in order, bad ones included.

    Raises:
        FileNotFoundError: a path does not exist.
        DataFormatError: a path is not a corpus (a folder with no corpus file, an unknown
            suffix), or a Parquet / ``datasets`` table lacks the text or id column.
    """
    fields = fields or Fields()
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"corpus not found: {path}")
    for path in map(Path, paths):
        yield from _read_path(path, fields, txt_mode)


def judge(value: object) -> str | None:
    """Why a text value cannot be sent to the model (``EMPTY``, ``NOT_TEXT``), or None.

    The corpus job and the Ray integration both judge a text by this rule.
    """
    if not isinstance(value, str):
        return NOT_TEXT
    if not value.strip():
        return EMPTY
    return None


def make_document(
    source: str, position: str, value: object, raw_id: object, *, fields: Fields, raw: str
) -> CorpusDocument:
    """A document from one record's text value and id value (``raw``: the record as read,
    hashed for the id of a document whose text is not a string)."""
    problem = judge(value)
    text = value if problem is None and isinstance(value, str) else None
    if fields.id is None:
        key = content_id(text if text is not None else raw)
        return CorpusDocument(key, source, position, text, problem)
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or raw_id == "":
        return CorpusDocument(content_id(raw), source, position, None, problem or NO_ID)
    return CorpusDocument(str(raw_id), source, position, text, problem)


def _read_path(path: Path, fields: Fields, txt_mode: TxtMode) -> Iterator[CorpusDocument]:
    if not path.is_dir():
        yield from _read_file(path, fields, txt_mode)
    elif is_saved_hf_dataset(path):
        yield from read_hf_dataset(path, fields)
    else:
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
        if not files:
            raise DataFormatError(path, None, f"a folder holding {', '.join(SUFFIXES)} files")
        for file in files:
            yield from _read_file(file, fields, txt_mode)


def _read_file(path: Path, fields: Fields, txt_mode: TxtMode) -> Iterator[CorpusDocument]:
    if path.suffix == ".txt":
        yield from read_txt(path, txt_mode)
    elif path.suffix == ".jsonl":
        yield from read_jsonl(path, fields)
    elif path.suffix == ".parquet":
        yield from read_parquet(path, fields)
    else:
        raise DataFormatError(path, None, f"a corpus file ending in one of {SUFFIXES}")


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a file as bytes, numbered from 1, without their line ending."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip(b"\r\n")
            if line.strip():
                yield number, line


def read_txt(path: Path, txt_mode: TxtMode = "line") -> Iterator[CorpusDocument]:
    """One document per non-blank line (``line``), or the whole file (``file``)."""
    source = str(path)
    chunks: Iterable[tuple[int, bytes]] = (
        _lines(path) if txt_mode == "line" else [(0, path.read_bytes())]
    )
    for number, data in chunks:
        try:
            text: object = data.decode("utf-8")
        except UnicodeDecodeError:
            raw = data.decode("utf-8", errors="replace")
            yield CorpusDocument(content_id(raw), source, str(number), None, UNDECODABLE)
            continue
        yield make_document(source, str(number), text, None, fields=Fields(), raw=str(text))


def read_jsonl(path: Path, fields: Fields) -> Iterator[CorpusDocument]:
    """One document per JSON line: its ``fields.text`` value, and its ``fields.id``."""
    source = str(path)
    for number, data in _lines(path):
        raw = data.decode("utf-8", errors="replace")
        try:
            record = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            yield CorpusDocument(content_id(raw), source, str(number), None, UNDECODABLE)
            continue
        except json.JSONDecodeError:
            yield CorpusDocument(content_id(raw), source, str(number), None, BAD_JSON)
            continue
        if not isinstance(record, dict):
            record = {}
        raw_id = record.get(fields.id) if fields.id else None
        yield make_document(
            source, str(number), record.get(fields.text), raw_id, fields=fields, raw=raw
        )


def _columns(names: Sequence[str], path: Path, fields: Fields, where: str = "") -> list[str]:
    wanted = [fields.text, *([fields.id] if fields.id else [])]
    for name in wanted:
        if name not in names:
            raise DataFormatError(path, None, f"a column {name!r}{where}")
    return wanted


def _table_documents(
    source: str, positions: Iterable[str], batch: dict[str, list[Any]], fields: Fields
) -> Iterator[CorpusDocument]:
    ids = batch[fields.id] if fields.id else [None] * len(batch[fields.text])
    for position, value, raw_id in zip(positions, batch[fields.text], ids, strict=True):
        yield make_document(source, position, value, raw_id, fields=fields, raw=repr(value))


def read_parquet(path: Path, fields: Fields) -> Iterator[CorpusDocument]:
    """One document per row (index from 0), read ``PARQUET_BATCH_ROWS`` rows at a time."""
    try:
        import pyarrow.parquet as pq
    except ImportError as err:
        raise MissingDependencyError("pyarrow", "parquet") from err
    parquet = pq.ParquetFile(path)
    columns = _columns(parquet.schema_arrow.names, path, fields)
    row = 0
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
        values = batch.to_pydict()
        positions = [str(i) for i in range(row, row + batch.num_rows)]
        yield from _table_documents(str(path), positions, values, fields)
        row += batch.num_rows


def read_hf_dataset(path: Path, fields: Fields) -> Iterator[CorpusDocument]:
    """The rows of a saved ``datasets`` folder; for a ``DatasetDict``, every split in turn."""
    try:
        import datasets
    except ImportError as err:
        raise MissingDependencyError("datasets", "datasets") from err
    loaded = datasets.load_from_disk(str(path))
    splits = loaded.items() if isinstance(loaded, datasets.DatasetDict) else [("", loaded)]
    for split, table in splits:
        where = f" (split {split!r})" if split else ""
        columns = _columns(table.column_names, path, fields, where)
        row = 0
        for batch in table.select_columns(columns).iter(batch_size=PARQUET_BATCH_ROWS):
            size = len(batch[fields.text])
            positions = [f"{split}:{i}" if split else str(i) for i in range(row, row + size)]
            yield from _table_documents(str(path), positions, batch, fields)
            row += size
