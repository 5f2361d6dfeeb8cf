"""``uniner score``: score a predictions file against a gold file."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "score",
        help="score predictions against gold (official or strict metric)",
        description="Score a predictions file against a gold file, both in any format "
        "uniner reads (uniner, spans, conll, jsonl, pile-ner, pile-ner-bio, label-studio, "
        "doccano, prodigy, spacy). In the official conversation format the prediction is the "
        "last gpt turn. --example scores the bundled example.",
    )
    p.add_argument("--gold", help="gold file")
    p.add_argument("--pred", help="predictions file")
    p.add_argument("--example", action="store_true", help="score the bundled example files")
    p.add_argument("--metric", choices=("official", "strict"), default="official")
    p.add_argument("--gold-format", default=None, help="gold file format (default: guessed)")
    p.add_argument("--pred-format", default=None, help="predictions format (default: guessed)")
    p.add_argument("--label-map", default=None, help="label map: bundled name or YAML/JSON file")
    p.add_argument("--errors", type=int, default=10, help="strict: errors to list (text output)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.evaluation import score_files
    from uniner.paths import resources

    gold, pred = args.gold, args.pred
    if args.example:
        gold = gold or resources() / "examples" / "gold.json"
        pred = pred or resources() / "examples" / "predictions.json"
    if not gold or not pred:
        raise ValueError("give --gold FILE and --pred FILE (or --example)")
    score = score_files(
        gold,
        pred,
        metric=args.metric,
        gold_format=args.gold_format,
        pred_format=args.pred_format,
        label_map=args.label_map,
    )
    if args.json:
        print(json.dumps(score.to_dict(), ensure_ascii=False))
    else:
        print(format_score(score, args.errors))
    return 0


def format_score(score: Any, errors: int = 10) -> str:
    """A few human-readable lines: P/R/F1 and counts, per type and errors for strict."""
    lines = [
        f"{score.metric}: precision {score.precision:.4f}  recall {score.recall:.4f}  "
        f"f1 {score.f1:.4f}",
        f"correct {score.correct}  predicted {score.predicted}  gold {score.gold}  "
        f"records {score.records}",
    ]
    per_type = getattr(score, "per_type", {})
    if per_type:
        lines.append(f"{'type':<28} {'P':>7} {'R':>7} {'F1':>7} {'support':>8}")
        for name, t in per_type.items():
            lines.append(
                f"{name[:28]:<28} {t.precision:7.4f} {t.recall:7.4f} {t.f1:7.4f} {t.support:8d}"
            )
    for label, found in (
        ("false positive", "false_positives"),
        ("false negative", "false_negatives"),
    ):
        for e in getattr(score, found, [])[:errors]:
            lines.append(f"{label}: record {e.record} {e.type}: {e.text!r} ({e.start}, {e.end})")
    return "\n".join(lines)
