"""Loading and writing datasets in every supported format.

============ ====================================================== =============
format       what it holds                                          extension
============ ====================================================== =============
uniner       official conversation JSON (per type, or multi-turn)   .json
spans        span JSON ``sentence``/``entities[{name,type,pos}]``   .json
conll        token ... tag columns, IOB1/IOB2/BIOES                 .conll .bio …
jsonl        ``{"text", "entities": [{"start","end","type"}]}``     .jsonl
pile-ner     Pile-NER instruction lines (read only)                 .jsonl
pile-ner-bio Pile-NER token/BIO passages, detokenized (read only)   pile-ner*.txt
label-studio Label Studio JSON tasks (``labels`` result regions)    .json
doccano      doccano JSON lines ``{"text", "label": [[s, e, T]]}``  .jsonl
prodigy      Prodigy JSON lines, ``spans``; accepted only (read)    .jsonl
spacy        spaCy ``DocBin``: ``doc.ents`` and ``doc.spans["sc"]`` .spacy
============ ====================================================== =============

:func:`load_dataset` gives the dataset; :func:`read_dataset` also says which malformed lines
``skip_malformed`` left out (CoNLL files only: the other formats have no line to skip).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from uniner.data.conll import SkippedLine, read_conll, write_conll
from uniner.data.conversations import read_conversations, write_conversations
from uniner.data.docbin import read_docbin, write_docbin
from uniner.data.doccano import read_doccano, write_doccano
from uniner.data.label_studio import read_label_studio, write_label_studio
from uniner.data.labels import LabelMapSource, apply_label_map, effective_label_map
from uniner.data.pile_ner import read_pile_ner
from uniner.data.pile_ner_bio import read_pile_ner_bio
from uniner.data.prodigy import read_prodigy
from uniner.data.spans import read_jsonl_spans, read_spans, write_jsonl_spans, write_spans
from uniner.errors import DataFormatError
from uniner.types import AnnotatedText, Dataset

# the formats of annotation tools, read for training, evaluation and statistics
ANNOTATION_TOOLS = ("label-studio", "doccano", "prodigy", "spacy")
FORMATS = ("uniner", "spans", "conll", "jsonl", "pile-ner", "pile-ner-bio", *ANNOTATION_TOOLS)
WRITABLE = ("uniner", "spans", "conll", "jsonl", "label-studio", "doccano", "spacy")
# formats whose labels are a dataset's tags (so the default map drops else/misc)
TAGGED_FORMATS = ("spans", "conll", "jsonl", *ANNOTATION_TOOLS)
SPLITS = ("train", "dev", "valid", "validation", "test")
# a Label Studio task's "data" object, seen at the start of a JSON list
LABEL_STUDIO_TASK = re.compile(r'(?<!\\)"data"\s*:\s*\{')
# keys only Prodigy's examples have, among the JSON-lines formats
PRODIGY_KEYS = {"spans", "answer", "_input_hash", "_task_hash"}
GUESS_LINES = 1000  # JSON lines looked at to tell doccano from uniner's jsonl
CONLL_SUFFIXES = (".conll", ".conllu", ".bio", ".iob", ".iob2", ".bioes", ".tsv", ".txt")

# A reader: (file, skip_malformed) -> (records, types in first-seen order, skipped lines).
Reader = Callable[[Path, bool], tuple[list[AnnotatedText], list[str], list[SkippedLine]]]


def _whole_file(
    read: Callable[[Path], tuple[list[AnnotatedText], list[str]]],
) -> Reader:
    """A reader of a format without lines to skip (JSON documents and records)."""
    return lambda path, _skip_malformed: (*read(path), [])


def _read_uniner(path: Path) -> tuple[list[AnnotatedText], list[str]]:
    return read_conversations(path), []


READERS: dict[str, Reader] = {
    "uniner": _whole_file(_read_uniner),
    "spans": _whole_file(read_spans),
    "conll": lambda path, skip_malformed: read_conll(path, skip_malformed=skip_malformed),
    "jsonl": _whole_file(read_jsonl_spans),
    "pile-ner": _whole_file(read_pile_ner),
    "pile-ner-bio": _whole_file(read_pile_ner_bio),
    "label-studio": _whole_file(read_label_studio),
    "doccano": _whole_file(read_doccano),
    "prodigy": _whole_file(read_prodigy),
    "spacy": _whole_file(read_docbin),
}


@dataclass(frozen=True)
class ReadResult:
    """A dataset as read, and the malformed lines that ``skip_malformed`` left out."""

    dataset: Dataset
    skipped: tuple[SkippedLine, ...] = ()


def load_dataset(
    path: str | Path,
    *,
    format: str | None = None,
    name: str | None = None,
    label_map: LabelMapSource = None,
    domain: str | None = None,
    split: str | None = None,
    skip_malformed: bool = False,
) -> Dataset:
    """Read an NER file into a :class:`Dataset`.

    Args:
        path: the file.
        format: one of ``FORMATS``; guessed from the extension and content when None.
        name: the dataset's name; default the file's stem, or its folder for ``test.json`` etc.
        label_map: label -> type (``None`` drops), a bundled map's name or a YAML/JSON file;
            it overrides the dataset's bundled map key by key. Span-labelled formats always
            drop ``else``/``misc`` unless the map says otherwise.
        domain: the dataset's domain (default ``general``).
        split: the split (default from the file name, else ``test``).
        skip_malformed: leave out CoNLL lines without both a token and a tag instead of
            raising (:func:`read_dataset` says which); no effect on the other formats.

    Raises:
        DataFormatError: the file is not in the format (names the file, line and expectation).

    >>> from uniner.paths import resources
    >>> gold = load_dataset(resources() / "examples" / "gold.json")
    >>> len(gold), gold.types[:2]
    (3, ['person', 'organization'])
    """
    return read_dataset(
        path,
        format=format,
        name=name,
        label_map=label_map,
        domain=domain,
        split=split,
        skip_malformed=skip_malformed,
    ).dataset


def read_dataset(
    path: str | Path,
    *,
    format: str | None = None,
    name: str | None = None,
    label_map: LabelMapSource = None,
    domain: str | None = None,
    split: str | None = None,
    skip_malformed: bool = False,
) -> ReadResult:
    """:func:`load_dataset`, also returning the lines ``skip_malformed`` left out.

    >>> from uniner.paths import resources
    >>> read = read_dataset(resources() / "examples" / "gold.json", skip_malformed=True)
    >>> len(read.dataset), read.skipped
    (3, ())
    """
    path = Path(path)
    fmt = format or guess_format(path)
    if fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    records, types, skipped = READERS[fmt](path, skip_malformed)
    name = name or default_name(path)
    mapping = effective_label_map(name, label_map, with_default=fmt in TAGGED_FORMATS)
    if mapping:
        apply_label_map(records, mapping)
        types = []  # recomputed from the mapped records
    for record in records:
        record.dataset = record.dataset or name
    split = split or (path.stem.lower() if path.stem.lower() in SPLITS else "test")
    dataset = Dataset(name, records, types, domain or "general", split)
    return ReadResult(dataset, tuple(skipped))


def default_name(path: Path) -> str:
    """``ner/crossner_ai/test.json`` -> ``crossner_ai``; ``CrossNER_AI.json`` -> ``CrossNER_AI``."""
    return path.parent.name if path.stem.lower() in SPLITS and path.parent.name else path.stem


def guess_format(path: Path) -> str:
    """Guess a file's format from its extension and its first record."""
    suffix = path.suffix.lower()
    if suffix in CONLL_SUFFIXES:
        # Pile-NER's token-tagged passages are teacher output, not a supervised label set.
        return "pile-ner-bio" if path.name.lower().startswith("pile-ner") else "conll"
    if suffix == ".spacy":
        return "spacy"
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    with path.open(encoding="utf-8", errors="replace") as handle:
        head = handle.read(4096).lstrip()
    if head.startswith("["):
        if '"conversations"' in head:
            return "uniner"
        return "label-studio" if LABEL_STUDIO_TASK.search(head) else "spans"
    if head.startswith("{"):
        first = head.splitlines()[0]
        if '"doc_question_pairID"' in first:
            return "pile-ner"
        return "uniner" if '"conversations"' in first else _json_lines_format(path)
    if suffix in (".json", ".jsonl"):
        raise DataFormatError(path, 1, "a JSON list or JSON lines (file starts otherwise)")
    return "conll"


def _json_lines_format(path: Path) -> str:
    """``prodigy``, ``doccano`` or ``jsonl``: the keys of the first record that tells them
    apart (a record without mentions may not), else ``jsonl``."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in itertools.islice(handle, GUESS_LINES):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                return "jsonl"  # its reader names the line
            if not isinstance(record, dict):
                return "jsonl"
            if PRODIGY_KEYS & record.keys():
                return "prodigy"
            entities = record.get("entities")
            if isinstance(entities, list) and entities:
                first = entities[0]
                return "doccano" if isinstance(first, dict) and "start_offset" in first else "jsonl"
            if "relations" in record or "label" in record or "labels" in record:
                return "doccano"
    return "jsonl"


def write_dataset(
    dataset: Dataset, path: str | Path, *, format: str, multi_turn: bool = False
) -> Path:
    """Write ``dataset`` to ``path`` in ``format`` (one of ``WRITABLE``); returns the path.

    ``multi_turn`` writes the conversation format with one record per passage (the training
    form) instead of one per (passage, type).
    """
    path = Path(path)
    if format == "uniner":
        write_conversations(dataset, path, multi_turn=multi_turn)
    elif format == "spans":
        write_spans(dataset, path)
    elif format == "conll":
        write_conll(dataset, path)
    elif format == "jsonl":
        write_jsonl_spans(dataset, path)
    elif format == "label-studio":
        write_label_studio(dataset.records, path)
    elif format == "doccano":
        write_doccano(dataset.records, path)
    elif format == "spacy":
        write_docbin(dataset.records, path)
    else:
        raise ValueError(f"cannot write format {format!r}; choose one of {', '.join(WRITABLE)}")
    return path
