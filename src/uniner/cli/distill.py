"""``uniner distill``: the whole recipe from one YAML file."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "distill",
        help="corpus -> annotate -> build -> train -> evaluate, each stage resumable",
        description="Run the distillation recipe; stages whose output exists are skipped.",
    )
    parser.add_argument("--config", required=True, metavar="YAML")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.pipeline import DistillConfig, distill

    result = distill(DistillConfig.from_yaml(args.config))
    ran = ", ".join(result.ran) or "nothing (every output was there)"
    print(f"ran: {ran}\nstudent: {result.student}")
    if result.scores is not None:
        print(f"scores: {result.student.parent / 'eval' / 'results.json'}")
    return 0
