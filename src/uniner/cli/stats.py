"""``uniner stats``: what is in an NER file."""

from __future__ import annotations

import argparse
import json
from typing import Any

BAR_WIDTH = 40


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "stats",
        help="count records, mentions and types of an NER file",
        description="Records, mentions, distinct types and the most frequent types of a file "
        "in any supported format, with a type-frequency chart (text, or PNG with --plot).",
    )
    p.add_argument("file", help="the NER file")
    p.add_argument("--format", default=None, help="file format (default: guessed)")
    p.add_argument("--label-map", default=None, help="label map: bundled name or YAML/JSON file")
    p.add_argument("--top", type=int, default=10, help="how many frequent types to list")
    p.add_argument("--plot", default=None, metavar="PNG", help="save a type-frequency bar chart")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.data import dataset_stats, load_dataset
    from uniner.data.stats import plot_type_counts

    if args.top < 1:
        raise ValueError(f"--top must be at least 1, got {args.top}")
    stats = dataset_stats(load_dataset(args.file, format=args.format, label_map=args.label_map))
    if args.plot:
        plot_type_counts(stats, args.plot, top=max(args.top, 30))
    if args.json:
        print(json.dumps(stats.to_dict(args.top), ensure_ascii=False))
        return 0
    print(
        f"{stats.name}: {stats.records} records, {stats.mentions} mentions, {stats.types} types, "
        f"{stats.queries} (passage, type) queries, {stats.ungrounded} ungrounded mentions"
    )
    top = stats.top(args.top)
    most = max((count for _, count in top), default=0) or 1
    for name, count in top:
        bar = "#" * round(BAR_WIDTH * count / most)
        print(f"  {name[:30]:<30} {count:>7}  {bar}")
    if args.plot:
        print(f"chart: {args.plot}")
    return 0
