"""Does a passage's answer depend on the passages batched with it? Counted, and its price.

For the first N test passages of each zero-shot set (the six official files in
``zero-shot-uniner/``, asked all of its types), the model answers three ways at each dtype:

  alone:     ``batch_invariant=True``: every passage in a batch of its own (the reference);
  batched:   ``--batch-size`` passages per batch, similar lengths together (the default);
  regrouped: the same, with the passages in reverse order (other neighbours, other padding),
             as another shard or another server request mix would group them.

A (passage, type) answer *differs* when its mentions (text, start, end) are not those of
``alone``. The last line printed is one JSON object, per dtype: queries, answers differing in
``batched`` and in ``regrouped``, and seconds per passage of ``alone`` and ``batched``::

    .venv/bin/python benchmarks/bench_batch_invariance.py --passages 16 --dtype both
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from uniner.engine import NERModel
from uniner.engine.results import Prediction
from uniner.hardware import cpu_has_native_bf16

SETS = ("CrossNER_AI", "CrossNER_literature", "CrossNER_music", "CrossNER_politics",
        "CrossNER_science", "mit-restaurant")  # fmt: skip
WAYS = ("alone", "batched", "regrouped")


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=16, help="test passages per set (N)")
    parser.add_argument("--sets", default=",".join(SETS), help="zero-shot sets, comma-separated")
    parser.add_argument("--model", default=None, help="model (default: the embedded default)")
    parser.add_argument("--dtype", default="both", choices=("float32", "bfloat16", "both"))
    parser.add_argument("--batch-size", type=int, default=16)
    return parser.parse_args(argv)


def _tasks(args: argparse.Namespace) -> list[tuple[list[str], list[str]]]:
    """(texts, types) for each set that exists in the shared data."""
    from uniner.data import load_dataset
    from uniner.paths import data_root

    tasks = []
    for name in args.sets.split(","):
        path = data_root() / "zero-shot-uniner" / f"{name}.json"
        if path.exists():
            dataset = load_dataset(path)
            tasks.append(([r.text for r in dataset.records[: args.passages]], list(dataset.types)))
    if not tasks:
        raise SystemExit(f"none of the sets {args.sets!r} is in {data_root() / 'zero-shot-uniner'}")
    return tasks


def _answers(prediction: Prediction, types: list[str]) -> list[tuple[Any, ...]]:
    """Per type, its mentions as a sorted tuple of (text, start, end)."""
    return [
        tuple(sorted((e.text, e.start, e.end) for e in prediction.entities if e.type == t))
        for t in types
    ]


def _run(
    model: NERModel, texts: list[str], types: list[str], way: str, batch_size: int
) -> tuple[list[list[tuple[Any, ...]]], float]:
    """Each text's answers (in the given order) and the seconds the call took."""
    order = list(range(len(texts)))[::-1] if way == "regrouped" else list(range(len(texts)))
    start = time.perf_counter()
    predictions = model.predict(
        [texts[i] for i in order],
        types,
        batch_size=batch_size,
        batch_invariant=way == "alone",
    )
    seconds = time.perf_counter() - start
    answers: list[list[tuple[Any, ...]]] = [[] for _ in texts]
    for i, prediction in zip(order, predictions, strict=True):
        answers[i] = _answers(prediction, types)
    return answers, seconds


def measure(model: NERModel, tasks: list[tuple[list[str], list[str]]], batch_size: int) -> dict:
    """Counts of differing answers and seconds per passage, over every task."""
    differ = {"batched": 0, "regrouped": 0}
    seconds = dict.fromkeys(WAYS, 0.0)
    queries = passages = 0
    for texts, types in tasks:
        model.predict(texts[:1], types)  # warm-up: first-call allocations are not timed
        runs = {way: _run(model, texts, types, way, batch_size) for way in WAYS}
        reference = runs["alone"][0]
        for way in differ:
            differ[way] += sum(
                a != b
                for ref_text, got_text in zip(reference, runs[way][0], strict=True)
                for a, b in zip(ref_text, got_text, strict=True)
            )
        for way, (_, took) in runs.items():
            seconds[way] += took
        queries += len(texts) * len(types)
        passages += len(texts)
    return {
        "passages": passages,
        "queries": queries,
        "differ_batched": differ["batched"],
        "differ_regrouped": differ["regrouped"],
        "s_per_passage": {way: round(s / passages, 4) for way, s in seconds.items()},
        "alone_cost": round(seconds["alone"] / seconds["batched"], 3),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = _args(argv)
    tasks = _tasks(args)
    dtypes = ("float32", "bfloat16") if args.dtype == "both" else (args.dtype,)
    result: dict[str, Any] = {"native_bf16": cpu_has_native_bf16(), "batch_size": args.batch_size}
    for dtype in dtypes:
        model = NERModel.from_pretrained(args.model, dtype=dtype, device="cpu")
        result["model"] = model.info()["name"]
        result[dtype] = measure(model, tasks, args.batch_size)
        print(json.dumps({dtype: result[dtype]}), flush=True)
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
