"""The fine-tuning learning curve: a student against itself fine-tuned on 100 / 500 / all of a
dataset's training sentences, each scored on a dev split held out of that dataset.

    .venv/bin/python benchmarks/bench_finetune.py [--data NAME=FILE ...] [--sizes 100,500,all]
        [--from default|PATH] [--out runs/bench-finetune] [--epochs 3] [--max-dev 200]

Without ``--data`` the datasets are GUM and SEC filings, the training files in
``../shared/data/supervised/``, asked as ``Dataset: gum`` and ``Dataset: sec-filings`` (the
names the default student's supervised sets had). Each point is one
:func:`uniner.train.finetune` run into ``OUT/NAME/SIZE``: the dev split is the same at every
size (seeded, held out before the sample is drawn), a size is a seeded sample of the rest, and
the source is scored on the split once per dataset. One JSON line is printed per point::

    {"dataset": "gum", "sentences": 100, "dev_passages": 200, "minutes": 4.2,
     "dev_f1_before": 21.3, "dev_f1_after": 35.0}

``minutes`` is the training's wall time (its dev evaluations included, the scoring before and
after not); the F1s are the strict metric's, in percent. A point whose folder holds the result
of a run with the same options is read back, not trained again: stop the script any time and
run the same command to go on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uniner.paths import data_root

if TYPE_CHECKING:
    from uniner.train.finetune import FinetuneConfig

DATASETS = {
    "gum": "supervised/gum-train.conll",
    "sec-filings": "supervised/sec-filings-train.conll",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        action="append",
        metavar="NAME=FILE",
        help="a dataset (its template name and annotated file); default GUM and SEC filings",
    )
    parser.add_argument("--sizes", default="100,500,all", help="training sentences per point")
    parser.add_argument("--from", dest="source", default="default", metavar="default|PATH")
    parser.add_argument("--out", default="runs/bench-finetune", metavar="DIR")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--max-steps", type=int, default=-1, help="cap each point (tests)")
    parser.add_argument("--lr", type=float, help="default 2e-4, LoRA's")
    parser.add_argument("--dev-fraction", type=float, default=0.1)
    parser.add_argument("--max-dev", type=int, default=200)
    parser.add_argument("--dev-score-queries", type=int, default=64)
    parser.add_argument("--dtype", default="auto", choices=("auto", "float32", "bfloat16"))
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def datasets(given: list[str] | None) -> dict[str, Path]:
    """Template name -> annotated file, from ``NAME=FILE`` arguments or the defaults."""
    if not given:
        return {name: data_root() / path for name, path in DATASETS.items()}
    pairs = {}
    for item in given:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise SystemExit(f"--data takes NAME=FILE, got {item!r}")
        pairs[name] = Path(path)
    return pairs


def sizes(text: str) -> list[int | None]:
    """``100,500,all`` -> [100, 500, None] (None: every training sentence)."""
    return [None if s.strip() == "all" else int(s) for s in text.split(",")]


def curve(name: str, path: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """One fine-tuning run per size on one dataset; the source is scored on the first."""
    from uniner.train.finetune import FinetuneConfig, finetune

    points = []
    before: float | None = None
    for size in sizes(args.sizes):
        config = FinetuneConfig(
            [path],
            Path(args.out) / name / str(size or "all"),
            source=args.source,
            dataset=name,
            max_train=size,
            epochs=args.epochs,
            max_steps=args.max_steps,
            learning_rate=args.lr,
            dev_fraction=args.dev_fraction,
            max_dev=args.max_dev,
            dev_score_queries=args.dev_score_queries,
            dtype=args.dtype,
            score_before=before is None,
            seed=args.seed,
        )
        done = finished(config)
        if done is None:
            done = finetune(config).to_dict()
        if done["before"] is not None:
            before = done["before"]["f1"]
        point = {
            "dataset": name,
            "sentences": done["train_passages"],
            "dev_passages": done["dev_passages"],
            "minutes": round(done["train_seconds"] / 60, 2),
            "dev_f1_before": before,
            "dev_f1_after": done["after"]["f1"],
        }
        print(json.dumps(point), flush=True)
        points.append(point)
    return points


def finished(config: FinetuneConfig) -> dict[str, Any] | None:
    """The result of a point an earlier run finished with the same options, else None: the
    curve resumes point by point (a point takes minutes to hours on a CPU)."""
    from uniner.train.finetune import CONFIG_NAME, RESULT_NAME

    out = Path(config.out)
    if not (out / RESULT_NAME).is_file() or not (out / CONFIG_NAME).is_file():
        return None
    written = json.loads((out / CONFIG_NAME).read_text())
    asked = json.loads(json.dumps(config.to_dict(), ensure_ascii=False))  # as it was written
    if any(written.get(key) != value for key, value in asked.items()):
        return None  # other options: train again
    result: dict[str, Any] = json.loads((out / RESULT_NAME).read_text())
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = datasets(args.data)
    missing = [str(p) for p in chosen.values() if not p.is_file()]
    if missing:
        print(f"bench_finetune: data not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    for name, path in chosen.items():
        try:
            curve(name, path, args)
        except ValueError as error:  # bad data, or a folder holding a run of other options
            print(f"bench_finetune: {error}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
