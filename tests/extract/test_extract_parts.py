from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.extract.parts import BadLog, Batch, Journal, Layout, read_part, write_part


def test_layout_names(tmp_path: Path) -> None:
    whole = Layout(tmp_path, (0, 1))
    assert (whole.manifest.name, whole.bad.name, whole.lock.name) == (
        "manifest.json",
        "bad.jsonl",
        ".lock",
    )
    assert whole.part(3, ".jsonl").name == "part-00003.jsonl"
    split = Layout(tmp_path, (2, 4))
    assert split.part(0, ".parquet").name == "shard-2-of-4.part-00000.parquet"
    assert split.journal(1).name == "shard-2-of-4.part-00001.journal"
    assert split.manifest.name == "shard-2-of-4.manifest.json"


def test_other_splits_and_leftovers(tmp_path: Path) -> None:
    for name in (
        "manifest.json",
        "shard-0-of-2.manifest.json",
        "shard-1-of-2.manifest.json",
        "shard-0-of-2.part-00000.journal",
        "shard-0-of-2.part-00001.journal",
        "shard-0-of-2.manifest.json.tmp",
        "part-00000.journal",
    ):
        (tmp_path / name).write_text("")
    split = Layout(tmp_path, (0, 2))
    assert [p.name for p in split.other_splits()] == ["manifest.json"]
    assert [p.name for p in Layout(tmp_path, (0, 1)).other_splits()] == [
        "shard-0-of-2.manifest.json",
        "shard-1-of-2.manifest.json",
    ]
    assert [p.name for p in split.leftovers(finished=1)] == [
        "shard-0-of-2.manifest.json.tmp",
        "shard-0-of-2.part-00000.journal",
    ]


def batch(n: int) -> Batch:
    return Batch(1, f"d{n}", [{"id": f"d{n}", "entities": []}], [], 0)


def test_journal_keeps_whole_lines_and_cuts_a_torn_one(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "part-00000.journal")
    assert journal.recover() == []
    journal.append(batch(0))
    journal.append(batch(1))
    whole = journal.path.stat().st_size
    with journal.path.open("a") as handle:
        handle.write('{"documents": 1, "last_')
    assert journal.recover() == [batch(0), batch(1)]
    assert journal.path.stat().st_size == whole
    journal.append(batch(2))
    assert journal.recover() == [batch(0), batch(1), batch(2)]
    journal.remove()
    assert not journal.path.exists()


def test_bad_log_appends_and_cuts_back(tmp_path: Path) -> None:
    log = BadLog(tmp_path / "bad.jsonl")
    assert log.append([]) == 0
    size = log.append([{"id": "a", "problem": "empty"}])
    assert size == len('{"id": "a", "problem": "empty"}\n')
    log.append([{"id": "b", "problem": "empty"}])
    log.cut_to(size)
    assert log.path.read_text() == '{"id": "a", "problem": "empty"}\n'


def test_parts_are_written_whole(tmp_path: Path) -> None:
    rows = [{"id": "d0", "source": "s", "position": "1", "text": "Zoë", "entities": []}]
    write_part(tmp_path / "part-00000.jsonl", rows, include_text=True)
    assert (tmp_path / "part-00000.jsonl").read_text(encoding="utf-8") == json.dumps(
        rows[0], ensure_ascii=False
    ) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-00000.jsonl"]  # no temp file
    assert read_part(tmp_path / "part-00000.jsonl") == rows


def test_parquet_parts_round_trip(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    entity = {"start": 0, "end": 3, "text": "Zoë", "type": "person", "score": 0.5}
    rows = [{"id": "d0", "source": "s", "position": "1", "entities": [entity]}]
    write_part(tmp_path / "part-00000.parquet", rows, include_text=False)
    assert read_part(tmp_path / "part-00000.parquet") == rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-00000.parquet"]
