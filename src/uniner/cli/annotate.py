"""``uniner annotate``: have a teacher LLM label passages sampled from a corpus."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "annotate",
        help="label corpus passages with a teacher LLM (cached, resumable)",
        description="Sample passages from a corpus, have a teacher LLM list their entities and "
        "types, and write annotations.jsonl, stats.json and plots. Re-running resumes.",
    )
    p.add_argument(
        "--corpus", required=True, help=".txt/.jsonl/.parquet file, folder, or saved HF dataset"
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--n", type=int, default=None, help="passages to sample (default: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-passage-tokens", type=int, default=256)
    p.add_argument(
        "--tokenizer", default=None, help="tokenizer folder or hub id (default: SmolLM2)"
    )
    p.add_argument("--text-field", default="text", help="JSON-lines field / column with the text")
    p.add_argument("--txt-lines", action="store_true", help="one document per line of .txt files")
    p.add_argument("--teacher-backend", choices=("openai", "transformers"), default="openai")
    p.add_argument(
        "--teacher-url", help="OpenAI-compatible base URL, e.g. http://localhost:8000/v1"
    )
    p.add_argument("--teacher-model", help="model name (openai) or folder/hub id (transformers)")
    p.add_argument("--prompt", default="entity", help="'entity', 'definition' or a template file")
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--max-tokens", type=int, default=1024, help="longest teacher answer")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    p.add_argument("--max-retries", type=int, default=6)
    p.add_argument("--cache", default=None, help="SQLite cache file (default: OUT/cache.sqlite)")
    p.add_argument("--price-input", type=float, default=0.0, help="USD per 1M prompt tokens")
    p.add_argument("--price-output", type=float, default=0.0, help="USD per 1M completion tokens")
    p.add_argument("--keep-empty", action="store_true", help="keep passages with no mention")
    p.add_argument(
        "--batch",
        action="store_true",
        help="send the requests through the OpenAI Batch API (half price, answers within 24 h); "
        "re-running resumes the batches recorded in OUT/batches.json",
    )
    p.add_argument(
        "--batch-errors",
        choices=("online", "report"),
        default="online",
        help="requests a batch did not answer: send them online, or only list them in "
        "OUT/batch_errors.jsonl (default: online)",
    )
    p.add_argument("--batch-size", type=int, default=50_000, help="requests per batch")
    p.add_argument("--batch-poll", type=float, default=30.0, help="seconds between status checks")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from uniner.annotate import AnnotateConfig, SamplingParams, annotate
    from uniner.corpus import CorpusConfig

    prompt = args.prompt
    if prompt not in ("entity", "definition"):
        prompt = Path(prompt).read_text(encoding="utf-8")
    config = AnnotateConfig(
        CorpusConfig(
            args.corpus,
            n=args.n,
            seed=args.seed,
            max_tokens=args.max_passage_tokens,
            tokenizer=args.tokenizer,
            text_field=args.text_field,
            txt_mode="line" if args.txt_lines else "file",
        ),
        out=args.out,
        teacher_model=args.teacher_model,
        teacher_url=args.teacher_url,
        backend=args.teacher_backend,
        prompt=prompt,
        sampling=SamplingParams(args.temperature, args.max_tokens),
        concurrency=args.concurrency,
        timeout=args.timeout,
        max_retries=args.max_retries,
        cache=args.cache,
        price_input=args.price_input,
        price_output=args.price_output,
        keep_empty=args.keep_empty,
        batch=args.batch,
        batch_errors=args.batch_errors,
        batch_size=args.batch_size,
        batch_poll=args.batch_poll,
    )
    stats = annotate(config, progress=not args.no_progress).stats
    summary = {k: stats[k] for k in ("passages", "usage")}
    summary["mentions_kept"] = stats["mentions"]["kept"]
    summary["types"] = stats["types"]["distinct"]
    if "batch" in stats:
        summary["batch"] = {k: v for k, v in stats["batch"].items() if k != "batches"}
        summary["batch"]["ids"] = [b["id"] for b in stats["batch"]["batches"]]
    print(json.dumps(summary, indent=2))
    return 0
