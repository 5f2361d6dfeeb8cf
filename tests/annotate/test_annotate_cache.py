from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from uniner.annotate import ResponseCache, SamplingParams, TeacherResponse, request_key
from uniner.errors import CacheMismatchError

MESSAGES = [{"role": "user", "content": "Passage: Ada."}]


def test_request_key_depends_on_every_part() -> None:
    base = request_key("openai", "m", MESSAGES, SamplingParams())
    assert base == request_key("openai", "m", [dict(MESSAGES[0])], SamplingParams())
    assert len({
        base,
        request_key("transformers", "m", MESSAGES, SamplingParams()),
        request_key("openai", "m2", MESSAGES, SamplingParams()),
        request_key("openai", "m", [{"role": "user", "content": "Passage: Bo."}], SamplingParams()),
        request_key("openai", "m", MESSAGES, SamplingParams(temperature=0.5)),
        request_key("openai", "m", MESSAGES, SamplingParams(max_tokens=10)),
    }) == 6  # fmt: skip


def test_put_is_committed_at_once_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    response = TeacherResponse("[('Ada', 'person')]", 12, 5, 0.25, "stop")
    cache.put("k1", response, backend="openai", model="m", request={"messages": MESSAGES})
    # another connection (another process, after a kill -9) sees it without a close
    other = sqlite3.connect(path)
    assert other.execute("SELECT key, text, prompt_tokens FROM responses").fetchall() == [
        ("k1", "[('Ada', 'person')]", 12)
    ]
    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    other.close()
    cache.close()
    with ResponseCache(path) as again:
        assert again.get("k1") == response
        assert again.get("missing") is None
        assert len(again) == 1


def test_get_many_handles_more_keys_than_sqlite_parameters(tmp_path: Path) -> None:
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        for i in range(3):
            cache.put(f"k{i}", TeacherResponse(f"a{i}"), backend="b", model="m", request={})
        found = cache.get_many([f"k{i}" for i in range(1200)])
    assert {k: r.text for k, r in found.items()} == {"k0": "a0", "k1": "a1", "k2": "a2"}


def test_template_version_mismatch_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    ResponseCache(path, template_version="v1").close()
    with pytest.raises(CacheMismatchError, match="made with prompt template 'v1', not 'v2'"):
        ResponseCache(path, template_version="v2")


def test_batch_answers_are_marked_and_older_caches_gain_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)  # the schema before the Batch API, with one online answer
    old.executescript(
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE responses (key TEXT PRIMARY KEY, backend TEXT NOT NULL, model TEXT NOT "
        "NULL, request TEXT NOT NULL, text TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, "
        "completion_tokens INTEGER NOT NULL, seconds REAL NOT NULL, finish_reason TEXT, "
        "created REAL NOT NULL);"
        "INSERT INTO responses VALUES ('k0', 'openai', 'm', '{}', '[]', 3, 2, 0.5, 'stop', 0);"
    )
    old.close()
    with ResponseCache(path) as cache:
        assert cache.get("k0") == TeacherResponse("[]", 3, 2, 0.5, "stop", batch=False)
        batch = TeacherResponse("[('Ada', 'person')]", 12, 5, 0.0, "stop", batch=True)
        cache.put("k1", batch, backend="openai", model="m", request={})
    with ResponseCache(path) as again:
        assert again.get_many(["k0", "k1"]) == {
            "k0": TeacherResponse("[]", 3, 2, 0.5, "stop"),
            "k1": batch,
        }
