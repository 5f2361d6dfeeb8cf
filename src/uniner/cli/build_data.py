"""``uniner build-data``: annotated passages -> train/dev conversation JSONL."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "build-data",
        help="build training conversations (with negative types) from annotations",
        description="Turn teacher annotations or a supervised set into conversations.",
    )
    parser.add_argument("--input", nargs="+", required=True, metavar="FILE")
    parser.add_argument("--out", required=True, metavar="DIR")
    parser.add_argument("--negatives", choices=("frequency", "uniform", "none"))
    parser.add_argument("--n-negatives", type=int, default=2, metavar="N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--dataset-specific",
        metavar="NAME",
        help="prefix 'Dataset: NAME' (supervised sets); '-' uses each record's dataset",
    )
    parser.add_argument(
        "--label-negatives",
        type=int,
        metavar="N",
        help="dataset-specific sets: ask at most N absent labels per passage (default: all)",
    )
    parser.add_argument("--max-length", type=int, default=1024, metavar="TOKENS")
    parser.add_argument("--tokenizer", metavar="NAME", help="measure lengths with it")
    parser.add_argument("--dev-fraction", type=float, default=0.05)
    parser.add_argument("--max-dev", type=int, default=500, metavar="N", help="dev passages")
    parser.add_argument(
        "--max-passages",
        type=int,
        metavar="N",
        help="seeded random sample of at most N passages per input (bounded runs)",
    )
    parser.add_argument("--format", dest="input_format", help="force the input reader format")
    parser.add_argument(
        "--exclude",
        nargs="+",
        default=[],
        metavar="FILE",
        help="leave out the passages of these conversation files (e.g. a shared dev.jsonl)",
    )
    parser.add_argument(
        "--definitions",
        metavar="FILE",
        help='type descriptions, {type: {"definition", "guidelines"}} (e.g. '
        "../shared/data/distill/pile-ner-391-definitions.json)",
    )
    parser.add_argument(
        "--definition-share",
        type=float,
        default=0.5,
        metavar="P",
        help="share of the questions about a described type that carry its description",
    )
    parser.add_argument(
        "--keep-duplicates",
        action="store_true",
        help="do not merge passages that several inputs hold (same text but for whitespace)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.instruct import BuildDataConfig, build_data

    named = args.dataset_specific
    config = BuildDataConfig(
        inputs=args.input,
        out=args.out,
        tokenizer=args.tokenizer,
        input_format=args.input_format,
        negatives=args.negatives or "frequency",
        n_negatives=args.n_negatives,
        seed=args.seed,
        dataset_specific=True if named == "-" else (named or False),
        label_negatives=args.label_negatives,
        max_length=args.max_length,
        dev_fraction=args.dev_fraction,
        max_dev=args.max_dev,
        max_passages=args.max_passages,
        merge_duplicates=not args.keep_duplicates,
        definitions=args.definitions,
        definition_share=args.definition_share,
        exclude=args.exclude,
    )
    result = build_data(config)
    s = result.stats
    print(
        f"{s['passages']} passages ({s['records_read']} read) -> "
        f"{s['train_conversations']} train / "
        f"{s['dev_conversations']} dev conversations, {s['questions']} questions "
        f"({s['negative_questions']} negative), {s['types']} types -> {result.train.parent}"
    )
    return 0
