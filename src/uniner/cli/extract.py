"""``uniner extract``: find mentions of any entity types in text, with offsets."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "extract",
        help="extract entities of any types from text",
        description="Ask the student about each type and print every mention with its "
        "character offsets, one JSON line per text. Give TEXT, or --input FILE (.txt: one "
        'text per line; .jsonl: a "text" field per line) with --output FILE.',
    )
    p.add_argument("text", nargs="?", help="the text (or use --input)")
    p.add_argument(
        "-t",
        "--type",
        action="append",
        required=True,
        dest="types",
        metavar="TYPE",
        help="an entity type; repeat for several",
    )
    p.add_argument("--model", default=None, help="model dir, hub id or .gguf (default: embedded)")
    p.add_argument("--adapter", default=None, help="LoRA adapter folder")
    p.add_argument("--input", default=None, help="a .txt or .jsonl file of texts")
    p.add_argument("--output", default=None, help="JSONL output (default: stdout)")
    p.add_argument("--format", default="uniner", choices=("uniner", "gliner", "hf"))
    p.add_argument("--dataset", default=None, help="dataset name for dataset-specific prompts")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--flat", action="store_true", help="no overlapping mentions")
    p.add_argument(
        "--constrained", action="store_true", help="answers can only name substrings of the text"
    )
    p.add_argument("--device", default=None)
    add_dtype_argument(p)
    p.add_argument(
        "--backend",
        default="transformers",
        choices=("transformers", "vllm"),
        help="vllm: decode on a GPU with vLLM (pip install 'uniner[vllm]')",
    )
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def add_dtype_argument(parser: argparse.ArgumentParser) -> None:
    """``--dtype``, shared by every command that loads the engine."""
    from uniner.hardware import DTYPE_NAMES

    parser.add_argument(
        "--dtype",
        default="auto",
        choices=DTYPE_NAMES,
        help="auto: bfloat16 where the device multiplies it natively, else float32",
    )


def run(args: argparse.Namespace) -> int:
    if (args.text is None) == (args.input is None):
        raise ValueError("give either TEXT or --input FILE")
    from uniner.engine import NERModel
    from uniner.extract.files import extract_file, prediction_record, read_texts

    model = NERModel.from_pretrained(
        args.model,
        adapter=args.adapter,
        device=args.device,
        dtype=args.dtype,
        backend=args.backend,
    )
    options = {
        "max_new_tokens": args.max_new_tokens,
        "flat": args.flat,
        "constrained": args.constrained,
        "dataset": args.dataset,
    }
    if args.input and args.output:
        count = extract_file(
            model,
            args.input,
            args.output,
            args.types,
            fmt=args.format,
            batch_size=args.batch_size,
            progress=not args.no_progress,
            **options,
        )
        print(f"wrote {count} predictions to {args.output}", file=sys.stderr)
        return 0
    texts = read_texts(args.input) if args.input else [args.text]
    predictions = model.predict(
        texts,
        args.types,
        batch_size=args.batch_size,
        progress=bool(args.input) and not args.no_progress,
        **options,
    )
    for prediction in predictions:
        print(json.dumps(prediction_record(prediction, args.format), ensure_ascii=False))
    return 0
