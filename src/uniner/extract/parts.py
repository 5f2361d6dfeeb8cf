"""The files of a corpus job's output folder, and how each is written so that a reader never
sees half of one and a killed job loses at most one batch.

.. code-block:: text

    OUT/manifest.json        what made the output and which parts are finished (manifest.py)
    OUT/part-00000.jsonl     finished parts: rows of documents 0 … F-1 of the input, in order
    OUT/part-00001.jsonl     (or .parquet); each appears at once, complete (temp + os.replace)
    OUT/part-00002.journal   the part in progress: one JSON line per finished batch
    OUT/bad.jsonl            every document that could not be read, with its problem
    OUT/.lock                held while a job writes (a second job on the same output stops)

With ``--shard I/N`` every name starts with ``shard-I-of-N.``, so the N jobs may share a folder.
A part is written from its journal once its F documents are done, then the manifest names it,
then the journal goes; a job killed anywhere in between redoes that step the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from uniner.errors import UninerError
from uniner.extract.rows import arrow_schema, pyarrow
from uniner.extract.sharding import Shard


@dataclass(frozen=True)
class Layout:
    """The names of one shard's files in the output folder."""

    folder: Path
    shard: Shard

    @property
    def prefix(self) -> str:
        index, count = self.shard
        return "" if count == 1 else f"shard-{index}-of-{count}."

    @property
    def manifest(self) -> Path:
        return self.folder / f"{self.prefix}manifest.json"

    @property
    def bad(self) -> Path:
        return self.folder / f"{self.prefix}bad.jsonl"

    @property
    def lock(self) -> Path:
        return self.folder / f".{self.prefix}lock"

    def part(self, number: int, suffix: str) -> Path:
        return self.folder / f"{self.prefix}part-{number:05d}{suffix}"

    def journal(self, number: int) -> Path:
        return self.part(number, ".journal")

    def leftovers(self, finished: int) -> list[Path]:
        """Temporary files, and journals of parts that are already finished."""
        found = list(self.folder.glob(f"{self.prefix}*.tmp"))
        for journal in self.folder.glob(f"{self.prefix}part-*.journal"):
            number = journal.name[len(self.prefix) + len("part-") :].split(".")[0]
            if number.isdigit() and int(number) < finished:
                found.append(journal)
        return sorted(found)

    def other_splits(self) -> list[Path]:
        """Manifests in the folder written with another shard count (their union would not
        be one corpus)."""
        count = self.shard[1]
        found = []
        for path in sorted(self.folder.glob("*manifest.json")):
            name = path.name
            theirs = int(name.split("-of-")[1].split(".")[0]) if name.startswith("shard-") else 1
            if theirs != count:
                found.append(path)
        return found


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` through ``write(temporary)`` and rename it into place: a reader sees the
    old file or the new one, whole."""
    temporary = path.with_name(path.name + ".tmp")
    write(temporary)
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


@dataclass(frozen=True)
class Batch:
    """One model call's worth of documents, as the journal keeps it.

    Attributes:
        documents: how many documents of the input it consumed (rows and bad ones).
        last_id: the id of the last of them.
        rows: the output rows of the readable ones.
        bad: the records of the others (``rows.bad_row``).
        mentions: the mentions in ``rows``.
        below_threshold: the mentions dropped for scoring below ``options.threshold``.
    """

    documents: int
    last_id: str
    rows: list[dict[str, Any]]
    bad: list[dict[str, Any]]
    mentions: int
    below_threshold: int = 0


class Journal:
    """The finished batches of the part in progress, one JSON line each, flushed to disk
    before the next batch starts."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def recover(self) -> list[Batch]:
        """The batches on disk; a last line cut short by a kill is dropped (and cut off)."""
        if not self.path.is_file():
            return []
        data = self.path.read_bytes()
        whole = data[: data.rfind(b"\n") + 1]
        if len(whole) < len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(len(whole))
        return [Batch(**json.loads(line)) for line in whole.splitlines()]

    def append(self, batch: Batch) -> None:
        line = json.dumps(asdict(batch), ensure_ascii=False) + "\n"
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def write_part(path: Path, rows: Sequence[dict[str, Any]], *, include_text: bool) -> None:
    """A finished part, JSON lines or Parquet by its suffix, written atomically."""
    if path.suffix == ".parquet":
        pa = pyarrow()
        import pyarrow.parquet as pq

        schema = arrow_schema(include_text=include_text)
        table = pa.Table.from_pylist(list(rows), schema=schema)
        write_atomic(path, lambda temporary: pq.write_table(table, temporary))
        return
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    write_text_atomic(path, lines)


def read_part(path: Path) -> list[dict[str, Any]]:
    """The rows of a finished part (JSON lines or Parquet)."""
    if path.suffix == ".parquet":
        pyarrow()
        import pyarrow.parquet as pq

        rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
        return rows
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


class BadLog:
    """``bad.jsonl``: appended when a part is finished; cut back, on a re-run, to the length
    the manifest recorded, so a part redone after a kill is not listed twice."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def cut_to(self, size: int) -> None:
        if self.path.is_file() and self.path.stat().st_size > size:
            with self.path.open("r+b") as handle:
                handle.truncate(size)

    def append(self, records: Sequence[dict[str, Any]]) -> int:
        """Append the records; returns the file's length after them."""
        if records:
            lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())
        return self.path.stat().st_size if self.path.is_file() else 0


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (released when the process dies, even by kill -9).

    Raises:
        UninerError: another process holds it.
    """
    try:
        import fcntl
    except ImportError:  # not on POSIX: no lock, as before this job existed
        yield
        return
    with path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise UninerError(f"another process is writing this output ({path} is locked)") from err
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
