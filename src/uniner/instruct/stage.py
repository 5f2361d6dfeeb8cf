"""``build_data``: input files in, ``train.jsonl`` / ``dev.jsonl`` / ``build_config.json`` out."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from uniner.entity_types import read_definitions
from uniner.instruct.builder import BuildConfig, build_conversations, length_check, split_train_dev
from uniner.instruct.conversation import Conversation
from uniner.instruct.io import read_conversations, read_records, write_conversations
from uniner.instruct.merge import merge_duplicates, passage_key
from uniner.prompts import DESCRIPTION_TEMPLATE_VERSION, TEMPLATE_VERSION
from uniner.types import AnnotatedText

CONFIG_NAME = "build_config.json"


@dataclass
class BuildDataConfig(BuildConfig):
    """The build stage: :class:`BuildConfig`'s options, plus the files in and out.

    Args:
        inputs: teacher annotations (``annotations.jsonl``) or any format the data readers
            take; all inputs are pooled (negative-type frequencies are over the whole pool).
        out: output directory (created).
        tokenizer: a tokenizer name, folder or ``.gguf`` to measure lengths with (else an
            estimate).
        input_format: force the reader format of every input.
        merge_duplicates: one record per passage: records whose texts are equal once
            whitespace is removed are merged (:mod:`uniner.instruct.merge`), so that a passage
            two inputs hold is trained once and never on both sides of the dev split.
        exclude: conversation files (another build's ``dev.jsonl``) whose passages are left
            out, so that data built separately stays disjoint from a shared dev set.
        definitions: a definitions file ``{type: {"definition", "guidelines"}}``
            (:func:`uniner.entity_types.read_definitions`); a ``definition_share`` of the
            questions about its types carry the type's description.
    """

    inputs: list[str] = field(default_factory=list)
    out: str = ""
    tokenizer: str | None = None
    input_format: str | None = None
    merge_duplicates: bool = True
    exclude: list[str] = field(default_factory=list)
    definitions: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.inputs = [str(p) for p in self.inputs]
        self.exclude = [str(p) for p in self.exclude]
        self.out = str(self.out)
        if not self.inputs:
            raise ValueError("build_data needs at least one input file")
        if not self.out:
            raise ValueError("build_data needs an output directory (out)")

    def options(self) -> BuildConfig:
        """The conversation builder's own options (no files)."""
        names = {f.name for f in fields(BuildConfig)}
        return BuildConfig(**{k: v for k, v in asdict(self).items() if k in names})


@dataclass
class BuildResult:
    """Where ``build_data`` wrote, and what."""

    train: Path
    dev: Path
    config: Path
    stats: dict[str, Any]


def build_data(
    config: BuildDataConfig | Sequence[str | Path],
    out: str | Path | None = None,
    options: BuildConfig | None = None,
    *,
    tokenizer: str | None = None,
    input_format: str | None = None,
) -> BuildResult:
    """The build stage: input files in, ``train.jsonl`` / ``dev.jsonl`` /
    ``build_config.json`` out.

    Takes a :class:`BuildDataConfig`; the older form ``build_data(inputs, out, BuildConfig,
    tokenizer=, input_format=)`` still works for one release.

    >>> build_data(BuildDataConfig(inputs=["a.jsonl"], out="data/instruct"))  # doctest: +SKIP
    """
    if not isinstance(config, BuildDataConfig):
        config = BuildDataConfig(
            **asdict(options or BuildConfig()),
            inputs=[str(p) for p in config],
            out=str(out or ""),
            tokenizer=tokenizer,
            input_format=input_format,
        )
    build = config.options()
    records = [
        r
        for path in config.inputs
        for r in _sample(
            read_records(path, format=config.input_format), build.max_passages, build.seed
        )
    ]
    if not records:
        raise ValueError(f"no passages found in {config.inputs}")
    read = len(records)
    if config.merge_duplicates:
        records = merge_duplicates(records)
    records = _without(records, config.exclude)
    if not records:
        raise ValueError(f"every passage of {config.inputs} is in an excluded file")
    fits = length_check(
        build.max_length, _load_tokenizer(config.tokenizer) if config.tokenizer else None
    )
    descriptions = read_definitions(config.definitions) if config.definitions else None
    conversations = build_conversations(records, build, fits=fits, descriptions=descriptions)
    train, dev = split_train_dev(conversations, len(records), build)
    folder = Path(config.out)
    folder.mkdir(parents=True, exist_ok=True)
    write_conversations(train, folder / "train.jsonl")
    write_conversations(dev, folder / "dev.jsonl")
    stats = {"records_read": read, **_stats(records, conversations, train, dev)}
    written = {
        "inputs": config.inputs,
        "input_format": config.input_format,
        "tokenizer": config.tokenizer,
        "template_version": TEMPLATE_VERSION,
        **(
            {
                "definitions": config.definitions,
                "description_template_version": DESCRIPTION_TEMPLATE_VERSION,
            }
            if config.definitions
            else {}
        ),
        "config": build.to_dict(),
        "stats": stats,
    }
    (folder / CONFIG_NAME).write_text(json.dumps(written, indent=2, ensure_ascii=False) + "\n")
    return BuildResult(folder / "train.jsonl", folder / "dev.jsonl", folder / CONFIG_NAME, stats)


def _without(records: list[AnnotatedText], exclude: Sequence[str]) -> list[AnnotatedText]:
    """``records`` less the passages of the ``exclude`` conversation files."""
    if not exclude:
        return records
    excluded = {passage_key(c.text) for path in exclude for c in read_conversations(path)}
    return [r for r in records if passage_key(r.text) not in excluded]


def _sample(records: list[AnnotatedText], limit: int | None, seed: int) -> list[AnnotatedText]:
    """At most ``limit`` records, a seeded random sample kept in file order."""
    if limit is None or len(records) <= limit:
        return records
    keep = sorted(random.Random(seed).sample(range(len(records)), limit))
    return [records[i] for i in keep]


def _load_tokenizer(name: str) -> Any:
    from uniner.checkpoints import load_tokenizer

    return load_tokenizer(name)


def _stats(
    records: Sequence[AnnotatedText],
    conversations: Sequence[Conversation],
    train: Sequence[Conversation],
    dev: Sequence[Conversation],
) -> dict[str, Any]:
    questions = [m for c in conversations for _, m in c.answers]
    asked: Counter[str] = Counter(t for c in conversations for t in c.types)
    return {
        "passages": len(records),
        "conversations": len(conversations),
        "split_passages": len(conversations) - len({c.meta["source"] for c in conversations}),
        "train_conversations": len(train),
        "dev_conversations": len(dev),
        "questions": len(questions),
        "negative_questions": sum(1 for m in questions if not m),
        "types": len(asked),
        "top_types": asked.most_common(20),
    }
