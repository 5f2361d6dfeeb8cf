"""``uniner finetune``: train the default student (or yours) further on your annotated files."""

from __future__ import annotations

import argparse
from dataclasses import fields
from typing import Any


def register(subparsers: Any) -> None:
    from uniner.train.config import DTYPES
    from uniner.train.finetune import DEFAULT_SOURCE, FinetuneConfig

    default = {f.name: f.default for f in fields(FinetuneConfig)}
    parser = subparsers.add_parser(
        "finetune",
        help="fine-tune the default student (or yours) on your annotated files",
        description="Train the default student, or a student folder, further on annotated "
        "files (CoNLL, span JSON, JSONL, Label Studio, doccano, Prodigy, spaCy DocBin) with "
        "the dataset-specific template, keep the checkpoint with the best dev F1, and print "
        "the strict F1 on a dev split held out of the data, before and after.",
    )
    parser.add_argument("data", nargs="+", metavar="DATA", help="annotated files")
    parser.add_argument("--out", required=True, metavar="DIR", help="the new student's folder")
    parser.add_argument(
        "--from",
        dest="source",
        default=DEFAULT_SOURCE,
        metavar="default|PATH",
        help="the student to start from: the embedded default, or a student folder (a LoRA "
        "adapter is trained further; merged weights get a new adapter)",
    )
    parser.add_argument(
        "--dataset", metavar="NAME", help="the template's Dataset: name (default: the file's)"
    )
    parser.add_argument("--format", dest="input_format", help="force the reader format")
    parser.add_argument("--label-map", metavar="NAME|FILE", help="label -> type (PER -> person)")
    parser.add_argument(
        "--label-negatives",
        type=int,
        metavar="N",
        help="ask at most N labels absent from a passage (default: all)",
    )
    parser.add_argument("--dev-fraction", type=float, default=default["dev_fraction"])
    parser.add_argument("--max-dev", type=int, default=default["max_dev"], metavar="N")
    parser.add_argument(
        "--max-train", type=int, metavar="N", help="train on a seeded sample of N passages"
    )
    parser.add_argument("--epochs", type=float, default=default["epochs"])
    parser.add_argument("--lr", type=float, help="learning rate (default 2e-4, LoRA's)")
    parser.add_argument("--batch-size", type=int, default=default["batch_size"])
    parser.add_argument("--max-steps", type=int, default=default["max_steps"])
    parser.add_argument("--max-length", type=int, default=default["max_length"])
    parser.add_argument("--dtype", choices=DTYPES, default=default["dtype"])
    parser.add_argument(
        "--evaluations-per-epoch", type=int, default=default["evaluations_per_epoch"]
    )
    parser.add_argument("--dev-score-queries", type=int, default=default["dev_score_queries"])
    parser.add_argument("--seed", type=int, default=default["seed"])
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.train.finetune import FinetuneConfig, finetune, score_summary

    config = FinetuneConfig(
        args.data,
        args.out,
        source=args.source,
        dataset=args.dataset,
        input_format=args.input_format,
        label_map=args.label_map,
        label_negatives=args.label_negatives,
        dev_fraction=args.dev_fraction,
        max_dev=args.max_dev,
        max_train=args.max_train,
        epochs=args.epochs,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        max_steps=args.max_steps,
        max_length=args.max_length,
        dtype=args.dtype,
        evaluations_per_epoch=args.evaluations_per_epoch,
        dev_score_queries=args.dev_score_queries,
        seed=args.seed,
    )
    result = finetune(config)
    print(
        f"dev split: {result.dev_passages} passages of {result.dataset!r} held out, "
        f"{result.train_passages} trained on ({result.train_seconds / 60:.1f} min)"
    )
    for when, score in (("before", result.before), ("after", result.after)):
        if score is not None:
            s = score_summary(score)
            print(
                f"{when:>6}: strict F1 {s['f1']:.1f} (P {s['precision']:.1f}, R {s['recall']:.1f})"
            )
    print(f"fine-tuned student saved to {result.out} (scores in finetune_result.json)")
    return 0
