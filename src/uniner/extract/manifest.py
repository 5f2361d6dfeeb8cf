"""The manifest of a corpus job: what made the output, what it holds, and how long it took.

It is rewritten (atomically) at the start of every run and after every finished part, so it
always describes parts that are complete on disk. ``job`` is what must match for a re-run to
continue the output; everything about time lives in ``runs``, never in the parts.

.. code-block:: text

    {"format": "uniner-extract-1", "uniner_version": "0.1.0",
     "job": {"model": {name, adapter, style, dtype, backend}, "template_version": ...,
             ["description_template_version": ..., when a type has a description,]
             "inputs", "types", ["descriptions": {type: description},] "fmt", "text_field",
             "id_field", "txt_mode", "include_text",
             "dataset", "options": {...every ExtractOptions field...}, "batch_size",
             "documents_per_batch", "documents_per_file", "shard": [I, N]},
     "parts": [{"file", "documents", "rows", "bad", "mentions", "last_id",
                "below_threshold"}, ...],
     "totals": {"documents", "rows", "bad", "mentions", "below_threshold"},
     "problems": {"empty": 2, ...},
     "bad_file": "bad.jsonl", "bad_bytes": 123, "complete": true,
     "runs": [{"started", "seconds", "documents", "mentions", "device"}, ...]}
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from uniner.errors import CacheMismatchError, DataFormatError
from uniner.extract.config import ExtractConfig
from uniner.prompts import DESCRIPTION_TEMPLATE_VERSION, TEMPLATE_VERSION

FORMAT = "uniner-extract-1"
MODEL_KEYS = ("name", "adapter", "style", "dtype", "backend")  # what in model.info() is checked


def job_identity(config: ExtractConfig, model_info: dict[str, Any]) -> dict[str, Any]:
    """What decides every byte of the parts: the model, the prompts, the input, the options and
    the layout (the output folder itself may move)."""
    settings = config.to_dict()
    del settings["output"]
    model = {key: model_info.get(key) for key in MODEL_KEYS}
    versions = {"template_version": TEMPLATE_VERSION}
    if config.descriptions:  # names-only jobs record what they always did
        versions["description_template_version"] = DESCRIPTION_TEMPLATE_VERSION
    return {"model": model, **versions, **settings}


@dataclass(frozen=True)
class Part:
    """One finished output file.

    Attributes:
        file: its name in the output folder.
        documents: the documents of the input it accounts for (rows and bad ones).
        rows: the rows it holds, one per readable document.
        bad: the documents among them that could not be read (listed in ``bad.jsonl``).
        mentions: the mentions in its rows.
        last_id: the id of its last document, checked when a re-run skips past it.
        below_threshold: the mentions dropped for scoring below ``options.threshold``.
    """

    file: str
    documents: int
    rows: int
    bad: int
    mentions: int
    last_id: str
    below_threshold: int = 0


@dataclass
class Manifest:
    """The state of one job's output (one per ``--shard``)."""

    job: dict[str, Any]
    bad_file: str
    parts: list[Part] = field(default_factory=list)
    problems: dict[str, int] = field(default_factory=dict)  # reason -> bad documents
    bad_bytes: int = 0  # the length of bad_file that belongs to the finished parts
    complete: bool = False
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return sum(p.documents for p in self.parts)

    def totals(self) -> dict[str, int]:
        return {
            "documents": self.documents,
            "rows": sum(p.rows for p in self.parts),
            "bad": sum(p.bad for p in self.parts),
            "mentions": sum(p.mentions for p in self.parts),
            "below_threshold": sum(p.below_threshold for p in self.parts),
        }

    def check(self, job: dict[str, Any], path: Path) -> None:
        """Refuse to continue an output that another job made.

        Raises:
            CacheMismatchError: naming every setting that differs, with both values.
        """
        keys = sorted(set(job) | set(self.job))
        differ = [k for k in keys if job.get(k) != self.job.get(k)]
        if differ:
            shown = "; ".join(f"{k}: {job.get(k)!r} now, {self.job.get(k)!r} there" for k in differ)
            raise CacheMismatchError(
                f"{path} was written by another job ({shown}); resume with the same command, "
                "or write to another --output"
            )

    def to_dict(self) -> dict[str, Any]:
        from uniner import __version__

        return {
            "format": FORMAT,
            "uniner_version": __version__,
            "job": self.job,
            "parts": [asdict(p) for p in self.parts],
            "totals": self.totals(),
            "problems": dict(sorted(self.problems.items())),
            "bad_file": self.bad_file,
            "bad_bytes": self.bad_bytes,
            "complete": self.complete,
            "runs": self.runs,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: Path) -> Manifest:
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise DataFormatError(path, None, f"a manifest of format {FORMAT!r}")
        try:
            return cls(
                job=d["job"],
                bad_file=d["bad_file"],
                parts=[Part(**p) for p in d["parts"]],
                problems=dict(d["problems"]),
                bad_bytes=int(d["bad_bytes"]),
                complete=bool(d["complete"]),
                runs=list(d["runs"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise DataFormatError(path, None, f"a manifest ({err})") from err

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


def read_manifest(path: Path) -> Manifest:
    """The manifest at ``path``.

    Raises:
        DataFormatError: it is not a manifest this version can read.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataFormatError(path, None, f"a JSON manifest ({err})") from err
    return Manifest.from_dict(data, path)
