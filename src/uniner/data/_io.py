"""Reading JSON and JSON-lines files with errors that name the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from uniner.errors import DataFormatError


def read_text(path: Path) -> str:
    """The file's text; a missing file or bad encoding becomes a clear error.

    Raises:
        FileNotFoundError: there is no such file.
        DataFormatError: the file is not UTF-8 text (names the line and the byte).
    """
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        bad = " ".join(f"0x{byte:02x}" for byte in data[err.start : err.end])
        raise DataFormatError(
            path, line, f"UTF-8 text ({err.reason}: {bad} at byte offset {err.start})"
        ) from err
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as text mode reads it


def read_json(path: Path, expected: str) -> Any:
    """Parse a whole-file JSON document; ``expected`` says what it should hold."""
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise DataFormatError(path, err.lineno, f"{expected} ({err.msg})") from err


def read_jsonl(path: Path, expected: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank line of a JSON-lines file."""
    for lineno, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataFormatError(path, lineno, f"{expected} ({err.msg})") from err
        if not isinstance(obj, dict):
            raise DataFormatError(path, lineno, f"{expected}, got {type(obj).__name__}")
        yield lineno, obj


def require(
    obj: dict[str, Any], key: str, kind: type, path: Path, where: int | None, what: str
) -> Any:
    """``obj[key]`` when present and of ``kind``, else a DataFormatError saying so."""
    value = obj.get(key)
    if not isinstance(value, kind):
        got = "missing" if key not in obj else f"got {type(value).__name__}"
        raise DataFormatError(path, where, f"{what}: field {key!r} must be {kind.__name__} ({got})")
    return value


def write_json(path: Path, obj: Any) -> None:
    """Write pretty, UTF-8 JSON, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write one JSON object per line, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(row, ensure_ascii=False) for row in rows)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
