"""``uniner eval``: run a model over a benchmark (or score saved predictions) and report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    from uniner.cli.extract import add_dtype_argument, add_threads_argument

    p = subparsers.add_parser(
        "eval",
        help="evaluate a model (or a folder of predictions) on a benchmark",
        description="Run a model over a benchmark's datasets, score them with the official "
        "and strict metrics, and write results.json, results.md and results.png. "
        "With --predictions DIR instead of --model, score saved prediction files "
        "(DIR/<dataset>.<ext>, as `uniner eval --out` writes under predictions/).",
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument("--model", help="model folder or hub id (default: the embedded student)")
    source.add_argument("--predictions", metavar="DIR", help="score prediction files instead")
    p.add_argument("--adapter", default=None, help="LoRA adapter folder for --model")
    p.add_argument(
        "--benchmark",
        default="zero-shot",
        help="benchmark (zero-shot, universal, biomedical, conll2003) or one dataset name",
    )
    p.add_argument(
        "--config",
        default=None,
        help="YAML/JSON file adding datasets/benchmarks (its relative paths start at its folder)",
    )
    p.add_argument(
        "--data-root", default=None, help="where the bundled registry's dataset paths start"
    )
    selection = p.add_mutually_exclusive_group()
    selection.add_argument(
        "--limit", type=int, default=None, help="score the first N passages of each dataset"
    )
    selection.add_argument(
        "--sample",
        type=int,
        default=None,
        metavar="N",
        help="score a seeded random sample of N passages of each dataset (see --seed)",
    )
    p.add_argument("--seed", type=int, default=0, help="the --sample seed (default 0)")
    p.add_argument(
        "--skip-malformed",
        action="store_true",
        help="leave out CoNLL lines without both a token and a tag (counted in the report)",
    )
    p.add_argument(
        "--definitions",
        action="store_true",
        help="ask each type with its description from the dataset's definitions file "
        "(SLIMER's protocol; the paper's is names only)",
    )
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--device", default=None, help="torch device (default: CUDA if available)")
    add_dtype_argument(p)
    add_threads_argument(p)
    p.add_argument(
        "--metric",
        action="append",
        choices=("official", "strict"),
        help="metric(s) to compute; the first is the summary's (default: official, strict)",
    )
    p.add_argument("--out", default=None, help="output folder (default: no files written)")
    p.add_argument(
        "--no-resume",
        dest="resume",
        action="store_false",
        help="start over: do not reuse the datasets a stopped run of the same command "
        "finished in --out (reused by default)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON summary object")
    p.add_argument(
        "--threshold-plot",
        default=None,
        metavar="PNG",
        help="also draw strict precision/recall against a score threshold (needs --out)",
    )
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.evaluation import EvalConfig, evaluate, evaluate_predictions
    from uniner.evaluation.report import markdown_table

    config = EvalConfig(
        args.benchmark,
        limit=args.limit,
        sample=args.sample,
        seed=args.seed,
        skip_malformed=args.skip_malformed,
        batch_size=args.batch_size,
        metrics=tuple(args.metric or ("official", "strict")),
        data_root=args.data_root,
        config=args.config,
        out_dir=args.out,
        definitions=args.definitions,
    )
    if args.definitions and args.predictions:
        raise ValueError(
            "--definitions changes how the model is asked: give --model, not --predictions"
        )
    if args.threshold_plot and not (args.out or args.predictions):
        raise ValueError("--threshold-plot reads the run's predictions: give --out DIR too")
    progress = not args.no_progress
    if args.predictions:
        result = evaluate_predictions(args.predictions, config, progress=progress)
    else:
        from uniner.engine import NERModel

        model = NERModel.from_pretrained(
            args.model,
            adapter=args.adapter,
            device=args.device,
            dtype=args.dtype,
            threads=args.threads,
        )
        result = evaluate(model, config, progress=progress, resume=args.resume)
        if result.resumed:
            print(
                f"resumed {len(result.resumed)} dataset(s) a stopped run finished in "
                f"{args.out}: {', '.join(result.resumed)}",
                file=sys.stderr,
            )
    if args.json:
        print(json.dumps(result.summary(), ensure_ascii=False))
    else:
        print(markdown_table(result), end="")
        if args.out:
            print(f"\nwrote {args.out}/results.json, results.md, results.png")
    if args.threshold_plot and result.datasets:
        scored = [d.name for d in result.datasets]
        _threshold_plot(args, Path(args.predictions or Path(args.out) / "predictions"), scored)
    return 0 if result.datasets else 1  # nothing scored: no average, and a failing exit


def _threshold_plot(args: argparse.Namespace, predictions: Path, scored: list[str]) -> None:
    from uniner.evaluation.thresholds import (
        benchmark_predictions,
        best_threshold,
        plot_threshold_curve,
        threshold_curve,
    )

    golds, predicted = benchmark_predictions(
        predictions, args.benchmark, data_root=args.data_root, config=args.config, only=scored
    )
    points = threshold_curve(golds, predicted)
    plot_threshold_curve(points, args.threshold_plot, title=f"{args.benchmark}: strict P/R")
    best = best_threshold(points)
    print(
        f"wrote {args.threshold_plot} (best strict F1 {100 * best.f1:.1f} at threshold "
        f"{best.threshold:.2f})",
        file=sys.stderr,
    )
