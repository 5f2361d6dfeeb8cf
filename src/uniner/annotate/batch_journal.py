"""The run folder's record of the batches it submitted (``batches.json``).

An entry names the batch's input file, kept in the run folder: its lines' ``custom_id``s are
the request keys the batch holds (the journal stays small however many requests it covers).
Each entry is written to disk, and synced, before anything waits on it: the uploaded file's id
as soon as the upload returns, the batch id as soon as the batch is created. A run stopped at any
point (Ctrl-C, ``kill -9``, a crash) therefore finds every batch it paid for when it starts
again, and retrieves it instead of submitting its requests twice. An entry whose file was
uploaded but whose batch id is missing (stopped inside ``batches.create``) is looked up among
the account's batches by its input file before anything is created.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from uniner.errors import DataFormatError


@dataclass
class BatchEntry:
    """One submitted batch.

    Attributes:
        input_file: the input JSONL, a file name in the run folder.
        file_id: the uploaded input file's id.
        requests: how many requests it holds.
        batch_id: the batch's id; None until ``batches.create`` returned.
        status: the last status seen (``validating``, ``in_progress``, ``completed``, ...).
        ingested: its answers are in the cache and its errors reported.
    """

    input_file: str
    file_id: str
    requests: int
    batch_id: str | None = None
    status: str | None = None
    ingested: bool = False


class BatchJournal:
    """The entries of ``path`` (none when it does not exist yet); ``save`` writes them all.

    >>> journal = BatchJournal("runs/pile/batches.json")         # doctest: +SKIP
    >>> [e.batch_id for e in journal.pending()]                   # doctest: +SKIP
    ['batch_abc123']
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.entries: list[BatchEntry] = []
        self._keys: dict[str, list[str]] = {}  # input file name -> the keys it holds
        if self.path.exists():
            try:
                rows = json.loads(self.path.read_text(encoding="utf-8"))["batches"]
                self.entries = [BatchEntry(**row) for row in rows]
            except (ValueError, KeyError, TypeError) as err:
                raise DataFormatError(
                    self.path, None, f"a batch journal ({{'batches': [...]}}), got {err!r}"
                ) from err

    def pending(self) -> list[BatchEntry]:
        """The entries whose results are not in yet."""
        return [e for e in self.entries if not e.ingested]

    def pending_keys(self) -> set[str]:
        return {key for entry in self.pending() for key in self.keys(entry)}

    def keys(self, entry: BatchEntry) -> list[str]:
        """The request keys of ``entry``: the custom_ids of its input file."""
        if entry.input_file not in self._keys:
            path = self.path.parent / entry.input_file
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
                self._keys[entry.input_file] = [json.loads(line)["custom_id"] for line in lines]
            except (OSError, ValueError, KeyError, TypeError) as err:
                raise DataFormatError(
                    path, None, f"the input file of batch {entry.batch_id} ({err!r})"
                ) from err
        return self._keys[entry.input_file]

    def add(self, entry: BatchEntry, keys: list[str]) -> None:
        """Record a batch whose input file (already written durably) holds ``keys``."""
        self._keys[entry.input_file] = keys
        self.entries.append(entry)
        self.save()

    def save(self) -> None:
        """Write every entry durably (see ``write_durably``)."""
        rows = [asdict(e) for e in self.entries]
        write_durably(self.path, (json.dumps({"batches": rows}, indent=1) + "\n").encode())


def write_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file, sync it, rename it over ``path``, sync the folder:
    after a crash, ``path`` holds either its old content or ``data``, never a part."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is synced (POSIX; Windows cannot
    # open a folder, and its renames are durable already).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
