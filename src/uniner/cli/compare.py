"""``uniner compare``: evaluation runs side by side with the published numbers."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "compare",
        help="evaluation runs side by side with the paper's numbers (Markdown, PNG)",
        description="Print a Markdown table of several `uniner eval --out` runs (NAME=DIR or "
        "DIR) beside the published zero-shot numbers; --plot writes a chart.",
    )
    p.add_argument("runs", nargs="+", metavar="[NAME=]DIR")
    p.add_argument("--metric", choices=("official", "strict"), default="official")
    p.add_argument("--benchmark", default="zero-shot", help="published rows to add")
    p.add_argument("--no-published", action="store_true", help="only the runs given")
    p.add_argument("--plot", metavar="PNG", help="also write a bar chart")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.evaluation import compare

    rows = []
    for spec in args.runs:
        name, _, path = spec.rpartition("=")
        rows.append(compare.load_run(path, name or None, args.metric))
    if not args.no_published:
        rows += compare.published(args.benchmark)
    print(compare.markdown(rows), end="")
    if args.plot:
        compare.plot(rows, args.plot, f"{args.benchmark} F1 ({args.metric} metric)")
    return 0
