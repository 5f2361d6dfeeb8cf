"""``build_data``: input files in, ``train.jsonl`` / ``dev.jsonl`` / ``build_config.json`` out."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uniner.instruct.builder import BuildConfig, build_conversations, length_check, split_train_dev
from uniner.instruct.conversation import Conversation
from uniner.instruct.io import read_records, write_conversations
from uniner.prompts import TEMPLATE_VERSION
from uniner.types import AnnotatedText

CONFIG_NAME = "build_config.json"


@dataclass
class BuildResult:
    """Where ``build_data`` wrote, and what."""

    train: Path
    dev: Path
    config: Path
    stats: dict[str, Any]


def build_data(
    inputs: Sequence[str | Path],
    out: str | Path,
    config: BuildConfig | None = None,
    *,
    tokenizer: str | None = None,
    input_format: str | None = None,
) -> BuildResult:
    """Build train/dev conversation files from annotated inputs.

    Args:
        inputs: teacher annotations (``annotations.jsonl``) or any format the data readers
            take; all inputs are pooled (negative-type frequencies are over the whole pool).
        out: output directory (created).
        config: builder options (defaults: frequency negatives, 2 per passage, seed 0).
        tokenizer: a tokenizer name or path to measure lengths with (else an estimate).
        input_format: force the reader format of every input.

    >>> build_data(["annotations.jsonl"], "data/instruct")  # doctest: +SKIP
    """
    config = config or BuildConfig()
    if not inputs:
        raise ValueError("build_data needs at least one input file")
    records = [
        r
        for path in inputs
        for r in _sample(read_records(path, format=input_format), config.max_passages, config.seed)
    ]
    if not records:
        raise ValueError(f"no passages found in {list(map(str, inputs))}")
    fits = length_check(config.max_length, _load_tokenizer(tokenizer) if tokenizer else None)
    conversations = build_conversations(records, config, fits=fits)
    train, dev = split_train_dev(conversations, len(records), config)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_conversations(train, out / "train.jsonl")
    write_conversations(dev, out / "dev.jsonl")
    stats = _stats(records, conversations, train, dev)
    written = {
        "inputs": [str(p) for p in inputs],
        "input_format": input_format,
        "tokenizer": tokenizer,
        "template_version": TEMPLATE_VERSION,
        "config": config.to_dict(),
        "stats": stats,
    }
    (out / CONFIG_NAME).write_text(json.dumps(written, indent=2, ensure_ascii=False) + "\n")
    return BuildResult(out / "train.jsonl", out / "dev.jsonl", out / CONFIG_NAME, stats)


def _sample(records: list[AnnotatedText], limit: int | None, seed: int) -> list[AnnotatedText]:
    """At most ``limit`` records, a seeded random sample kept in file order."""
    if limit is None or len(records) <= limit:
        return records
    keep = sorted(random.Random(seed).sample(range(len(records)), limit))
    return [records[i] for i in keep]


def _load_tokenizer(name: str) -> Any:
    from transformers import AutoTokenizer

    if name.endswith(".gguf"):  # the same converted copy the trainer and engine load
        from uniner.engine.gguf import convert_gguf

        name = str(convert_gguf(name))
    return AutoTokenizer.from_pretrained(name)


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
