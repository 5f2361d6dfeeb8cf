"""``uniner stats``: what is in an NER file."""

from __future__ import annotations

import argparse
import json
from typing import Any

BAR_WIDTH = 40
SHOW_SKIPPED = 5  # line numbers of skipped lines printed


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
    p.add_argument(
        "--skip-malformed",
        action="store_true",
        help="leave out CoNLL lines without both a token and a tag (counted) instead of failing",
    )
    p.add_argument("--top", type=int, default=10, help="how many frequent types to list")
    p.add_argument("--plot", default=None, metavar="PNG", help="save a type-frequency bar chart")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.data import dataset_stats
    from uniner.data.io import read_dataset
    from uniner.data.stats import plot_type_counts

    if args.top < 1:
        raise ValueError(f"--top must be at least 1, got {args.top}")
    read = read_dataset(
        args.file,
        format=args.format,
        label_map=args.label_map,
        skip_malformed=args.skip_malformed,
    )
    stats = dataset_stats(read.dataset, skipped_lines=len(read.skipped))
    if args.plot:
        plot_type_counts(stats, args.plot, top=max(args.top, 30))
    if args.json:
        print(json.dumps(stats.to_dict(args.top), ensure_ascii=False))
        return 0
    print(
        f"{stats.name}: {stats.records} records, {stats.mentions} mentions, {stats.types} types, "
        f"{stats.queries} (passage, type) queries, {stats.ungrounded} ungrounded mentions"
    )
    if args.skip_malformed:
        where = ", ".join(str(s.line) for s in read.skipped[:SHOW_SKIPPED])
        more = ", ..." if len(read.skipped) > SHOW_SKIPPED else ""
        word = "line" if len(read.skipped) == 1 else "lines"
        lines = f" ({word} {where}{more})" if read.skipped else ""
        print(f"  skipped {stats.skipped_lines} malformed lines{lines}")
    top = stats.top(args.top)
    most = max((count for _, count in top), default=0) or 1
    for name, count in top:
        bar = "#" * round(BAR_WIDTH * count / most)
        print(f"  {name[:30]:<30} {count:>7}  {bar}")
    if args.plot:
        print(f"chart: {args.plot}")
    return 0
