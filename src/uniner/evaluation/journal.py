"""What a benchmark run with an output folder keeps of each finished dataset, so that a stopped
run resumes instead of starting over.

A full run asks a small CPU model for hours; a crash, the OOM killer or Ctrl-C on the last
dataset should not cost the others. So each dataset's predictions are written to
``OUT/predictions/<name>.jsonl`` the moment they are finished, and ``OUT/progress.json`` names
the finished datasets under the run's *key*: every option that changes an answer (benchmark,
passages, batch size, definitions, the model and its adapter, dtype and device). Running the
same command again reuses them; any other key starts over. Scores are always recomputed from
the predictions, so a resumed run reports exactly what an uninterrupted one does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from uniner.data.io import load_dataset, write_dataset
from uniner.errors import DataFormatError
from uniner.evaluation.results import EvalConfig
from uniner.types import Dataset

PROGRESS_JSON = "progress.json"
PREDICTIONS_DIR = "predictions"

# info() entries that describe the machine a run used, not what it answers
_NOT_IN_KEY = ("threads", "threads_from")


def run_key(config: EvalConfig, model: object) -> dict[str, Any]:
    """What must match for a finished dataset to be reused: the config but its output folder,
    the model's ``info()`` (name, adapter, dtype, device...) when it has one, and the size and
    time of the files of a local model or adapter (a student retrained in the same folder is
    another model)."""
    info = getattr(model, "info", None)
    described = info() if callable(info) else {}
    files = {
        field: _files_stamp(Path(described[field]))
        for field in ("name", "adapter")
        if isinstance(described.get(field), str) and Path(described[field]).exists()
    }
    key = {
        "config": {k: v for k, v in asdict(config).items() if k != "out_dir"},
        "model": {k: v for k, v in described.items() if k not in _NOT_IN_KEY},
        "files": files,
    }
    normalized: dict[str, Any] = json.loads(json.dumps(key, default=str))  # tuples -> lists
    return normalized


@dataclass
class RunJournal:
    """The finished datasets of one run (name -> seconds its predictions took)."""

    out_dir: Path
    key: dict[str, Any]
    finished: dict[str, float]

    @classmethod
    def open(cls, out_dir: str | Path, key: dict[str, Any], *, resume: bool = True) -> RunJournal:
        """The journal in ``out_dir``: its finished datasets when ``resume`` and the saved key
        is ``key``, else a fresh one (saved at once, so a stale record cannot be resumed)."""
        out = Path(out_dir)
        finished: dict[str, float] = {}
        saved = _read_json(out / PROGRESS_JSON) if resume else None
        if saved is not None and saved.get("key") == key:
            finished = {str(k): float(v) for k, v in saved.get("finished", {}).items()}
        journal = cls(out, key, finished)
        journal._save()
        return journal

    def predictions_path(self, name: str) -> Path:
        return self.out_dir / PREDICTIONS_DIR / f"{name}.jsonl"

    def load(self, name: str, gold: Dataset) -> tuple[Dataset, float] | None:
        """The saved predictions of a finished dataset and their seconds; None when it is not
        finished, or its file is unreadable or answers other passages than ``gold`` (redo)."""
        if name not in self.finished:
            return None
        try:
            predicted = load_dataset(self.predictions_path(name), format="jsonl", name=name)
        except (OSError, ValueError, DataFormatError):
            return None
        if [r.text for r in predicted.records] != [r.text for r in gold.records]:
            return None
        predicted.types, predicted.domain = list(gold.types), gold.domain
        return predicted, self.finished[name]

    def record(self, name: str, predicted: Dataset, seconds: float) -> None:
        """Write a finished dataset's predictions, then name it finished."""
        _write_whole(
            self.predictions_path(name), lambda p: write_dataset(predicted, p, format="jsonl")
        )
        self.finished[name] = seconds
        self._save()

    def _save(self) -> None:
        text = json.dumps({"key": self.key, "finished": self.finished}, indent=1) + "\n"
        _write_whole(self.out_dir / PROGRESS_JSON, lambda p: p.write_text(text, encoding="utf-8"))


def _write_whole(path: Path, write: Callable[[Path], object]) -> None:
    """``write`` to a temporary beside ``path``, then rename: a crash never leaves half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.parent.mkdir(parents=True, exist_ok=True)
    write(partial)
    os.replace(partial, path)


def _files_stamp(path: Path) -> list[tuple[str, int, int]]:
    """(name, size, mtime) of a file, or of each file directly in a folder."""
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    return [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # absent or torn: nothing to resume
        return None
    return value if isinstance(value, dict) else None
