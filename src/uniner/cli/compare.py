"""``uniner compare``: evaluation runs side by side with the published numbers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "compare",
        help="evaluation runs side by side with the paper's numbers (Markdown, PNG)",
        description="Print a Markdown table of several `uniner eval --out` runs (NAME=DIR or "
        "DIR) beside the published numbers of their benchmark (zero-shot: the paper's Table 2 "
        "per dataset; universal: its domain-averaged F1 over 43 datasets in 9 domains); "
        "--plot writes a chart.",
    )
    p.add_argument("runs", nargs="+", metavar="[NAME=]DIR")
    p.add_argument("--metric", choices=("official", "strict"), default="official")
    p.add_argument(
        "--benchmark",
        default=None,
        help="published rows to add (default: the first run's benchmark, else zero-shot)",
    )
    p.add_argument(
        "--by",
        choices=("dataset", "domain"),
        default=None,
        help="columns: datasets, or domains with the domain average (default: domain when a "
        "domain of a run holds several datasets)",
    )
    p.add_argument("--no-published", action="store_true", help="only the runs given")
    p.add_argument("--plot", metavar="PNG", help="also write a bar chart")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.evaluation import compare

    paths = []
    for spec in args.runs:
        name, _, path = spec.rpartition("=")
        paths.append((name or None, path))
    by: compare.Grouping = args.by or (
        "domain" if any(compare.grouping_of(p) == "domain" for _, p in paths) else "dataset"
    )
    rows = [compare.load_run(path, name, args.metric, by) for name, path in paths]
    benchmark = args.benchmark or _benchmark_of(paths[0][1]) or "zero-shot"
    if not args.no_published:
        rows += compare.published(benchmark)
    print(compare.markdown(rows, by), end="")
    if args.plot:
        compare.plot(rows, args.plot, f"{benchmark} F1 ({args.metric} metric)", by)
    return 0


def _benchmark_of(run: str) -> str | None:
    """The benchmark a run's results.json names, if it names one."""
    path = Path(run)
    path = path / "results.json" if path.is_dir() else path
    if not path.is_file():
        return None
    name = json.loads(path.read_text(encoding="utf-8")).get("benchmark")
    return str(name) if name else None
