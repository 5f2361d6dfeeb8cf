"""Helpers of the corpus job's tests: a stand-in student with exact, instant answers, and the
files of an output folder to compare.

The job's mechanics are the same whatever the answers; the tests that need the real engine use
``tiny_model_dir`` (tests/conftest.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from uniner.engine.results import Prediction
from uniner.types import Entity

CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")


class CapitalisedWords:
    """Answers every type with the text's capitalised words; counts its calls."""

    def __init__(self, name: str = "capitalised-words") -> None:
        self.name = name
        self.calls: list[list[str]] = []

    def predict(
        self,
        texts: Sequence[str],
        types: Sequence[str],
        *,
        dataset: str | None = None,
        batch_size: int = 8,
        progress: bool = False,
        **options: Any,
    ) -> list[Prediction]:
        self.calls.append(list(texts))
        return [self._one(text, types) for text in texts]

    @staticmethod
    def _one(text: str, types: Sequence[str]) -> Prediction:
        entities = [
            Entity(m.start(), m.end(), m.group(), t, round(1 / (1 + m.start()), 6))
            for t in types
            for m in CAPITALISED.finditer(text)
        ]
        return Prediction(text, sorted(entities))

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "adapter": None, "style": "chat", "dtype": "float32"}


def write_jsonl(path: Path, records: Sequence[object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def snapshot(folder: Path) -> dict[str, object]:
    """Every file of an output folder: bytes, except the manifest, parsed and without its
    ``runs`` (the only place timings are written)."""
    files: dict[str, object] = {}
    for path in sorted(folder.iterdir()):
        if path.name.endswith("manifest.json"):
            manifest = json.loads(path.read_text(encoding="utf-8"))
            del manifest["runs"]
            files[path.name] = manifest
        else:
            files[path.name] = path.read_bytes()
    return files
