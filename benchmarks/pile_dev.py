"""The Pile dev score both ways: a student's answers to the trainer's dev questions asked by
type name (the paper's protocol, what chooses the checkpoint) and with each described type's
definition and guidelines (SLIMER's protocol), scored with the released metric.

The questions are the first N (passage, type) questions of a dev conversation file, exactly as
``uniner train --dev-score-queries N`` asks them (:mod:`uniner.train.dev_score`), so the
names-only figure reproduces the trainer's last dev F1. The last line printed is one JSON
object: per way, precision, recall and F1 in percent, and how many questions carried a
description::

    .venv/bin/python benchmarks/pile_dev.py --adapter runs/ref4/student-defs \\
        --dev runs/ref4/pile-frequency/dev.jsonl --queries 2081

``--ways descriptions`` scores one way only, so that two processes can share the CPUs.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from uniner.engine import NERModel
from uniner.entity_types import read_definitions
from uniner.instruct import read_conversations
from uniner.paths import data_root
from uniner.train.dev_score import dev_questions, dev_score

WAYS = ("names", "descriptions")


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="base model (default: the embedded one)")
    parser.add_argument("--adapter", default=None, help="LoRA adapter folder")
    parser.add_argument("--dev", required=True, help="dev conversations (build-data's dev.jsonl)")
    parser.add_argument(
        "--definitions",
        default=str(data_root() / "distill" / "pile-ner-391-definitions.json"),
        help="the types' definitions (default: the 391 Pile types' in the shared data)",
    )
    parser.add_argument("--queries", type=int, default=0, help="first N questions (0: all)")
    parser.add_argument("--ways", default=",".join(WAYS), help="names, descriptions or both")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--threads", type=int, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = _args(argv)
    ways = args.ways.split(",")
    if unknown := sorted(set(ways) - set(WAYS)):
        raise SystemExit(f"unknown ways {unknown}: choose from {list(WAYS)}")
    conversations = read_conversations(args.dev)
    limit = args.queries or sum(len(c.answers) for c in conversations)
    descriptions = read_definitions(args.definitions)
    model = NERModel.from_pretrained(
        args.model, adapter=args.adapter, dtype=args.dtype, device="cpu", threads=args.threads
    )
    result: dict[str, Any] = {"model": model.info()["name"], "adapter": args.adapter}
    for way in ways:
        asked = descriptions if way == "descriptions" else None
        questions = dev_questions(conversations, model.tokenizer, model.style, limit, asked)
        score = dev_score(model.model, model.tokenizer, questions, model.style)
        result[way] = {k.removeprefix("dev_"): v for k, v in score.items()}
        result[way]["questions"] = len(questions)
        result[way]["described"] = sum(q.description is not None for q in questions)
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
