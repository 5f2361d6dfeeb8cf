"""The response cache: every teacher answer is committed to SQLite the moment it arrives.

WAL journaling with ``synchronous=NORMAL`` makes each commit survive a killed process (only a
power cut can lose the last ones), so a ``kill -9`` loses at most the requests in flight. The
cache records the prompt-template version it was made with and refuses to open under another.
Answers from the Batch API (billed at half price) are marked in the ``batch`` column, which
older cache files gain when they are opened.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from uniner.annotate.teacher import TeacherResponse
from uniner.errors import CacheMismatchError
from uniner.prompts import TEMPLATE_VERSION

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    model TEXT NOT NULL,
    request TEXT NOT NULL,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    seconds REAL NOT NULL,
    finish_reason TEXT,
    created REAL NOT NULL,
    batch INTEGER NOT NULL DEFAULT 0
);
"""
COLUMNS = (
    "key, backend, model, request, text, prompt_tokens, completion_tokens, seconds, "
    "finish_reason, created, batch"
)


class ResponseCache:
    """Teacher responses keyed by ``request_key``.

    Args:
        path: the SQLite file (created with its folder when missing).
        template_version: the prompt-template version in use.

    Raises:
        CacheMismatchError: the file was made with another template version.

    >>> cache = ResponseCache("out/cache.sqlite")  # doctest: +SKIP
    >>> cache.get(key) is None                       # doctest: +SKIP
    """

    def __init__(self, path: str | Path, *, template_version: str = TEMPLATE_VERSION) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._add_batch_column()
        self._check_version(template_version)

    def _add_batch_column(self) -> None:
        # Caches written before the Batch API was supported lack the column: their answers
        # were all online ones, which the default says.
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(responses)")}
        if "batch" not in columns:
            self._db.execute("ALTER TABLE responses ADD COLUMN batch INTEGER NOT NULL DEFAULT 0")

    def _check_version(self, version: str) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE name='template_version'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('template_version', ?)", (version,))
        elif row[0] != version:
            self._db.close()
            raise CacheMismatchError(
                f"{self.path} was made with prompt template {row[0]!r}, not {version!r}: "
                "use another cache file, or delete this one to re-annotate"
            )

    def get(self, key: str) -> TeacherResponse | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Iterable[str]) -> dict[str, TeacherResponse]:
        """The cached responses among ``keys``."""
        found: dict[str, TeacherResponse] = {}
        keys = list(keys)
        for i in range(0, len(keys), 500):  # SQLite limits the number of bound parameters
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT key, text, prompt_tokens, completion_tokens, seconds, finish_reason, "
                f"batch FROM responses WHERE key IN ({marks})",
                chunk,
            )
            for key, text, prompt, completion, seconds, finish, batch in rows:
                found[key] = TeacherResponse(text, prompt, completion, seconds, finish, bool(batch))
        return found

    def put(
        self, key: str, response: TeacherResponse, *, backend: str, model: str, request: object
    ) -> None:
        """Store one response and commit at once."""
        self._db.execute(
            f"INSERT OR REPLACE INTO responses ({COLUMNS}) VALUES ({', '.join('?' * 11)})",
            (
                key,
                backend,
                model,
                json.dumps(request, ensure_ascii=False, sort_keys=True),
                response.text,
                response.prompt_tokens,
                response.completion_tokens,
                response.seconds,
                response.finish_reason,
                time.time(),
                int(response.batch),
            ),
        )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
