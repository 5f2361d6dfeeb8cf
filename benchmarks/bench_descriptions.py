"""What a type's description costs the engine: seconds and prompt tokens per passage, names only
against names with the dataset's definitions (SLIMER's files), same passages, same model.

For the first N test passages of each zero-shot set that has a definitions file (the bundled
registry's ``zero-shot`` benchmark), the model answers every type twice, after one untimed
warm-up each way: by name, then with the descriptions ``uniner eval --definitions`` would give.
The last line printed is one JSON object: per set and in total, passages, types, prompt tokens
per passage (the passage prefix once plus every type's question) and seconds per passage each
way, and the (passage, type) answers that changed::

    .venv/bin/python benchmarks/bench_descriptions.py --passages 8
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from uniner.engine import NERModel
from uniner.engine.queries import encode_passage
from uniner.entity_types import EntityType, describe
from uniner.evaluation.benchmarks import get_benchmark


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=8, help="test passages per set (N)")
    parser.add_argument("--sets", default=None, help="zero-shot sets, comma-separated (all)")
    parser.add_argument("--model", default=None, help="model (default: the embedded default)")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--batch-size", type=int, default=8)
    return parser.parse_args(argv)


def _prompt_tokens(model: NERModel, text: str, types: list[str] | list[EntityType]) -> int:
    """Tokens the engine feeds for one passage: its prefix once, then each type's suffix."""
    encoded = encode_passage(model.tokenizer, model.style, text, types)
    return len(encoded.prefix) + sum(len(s) for s in encoded.suffixes)


def _timed(model: NERModel, texts: list[str], types: Any, batch_size: int) -> tuple[Any, float]:
    model.predict(texts[:1], types, batch_size=batch_size)  # warm-up, untimed
    started = time.perf_counter()
    predictions = model.predict(texts, types, batch_size=batch_size)
    return predictions, time.perf_counter() - started


def measure_set(model: NERModel, spec: Any, passages: int, batch_size: int) -> dict[str, Any]:
    """Both ways on one set's first ``passages`` test passages."""
    dataset = spec.load()
    texts = [r.text for r in dataset.records[:passages]]
    names = list(dataset.types)
    described = describe(names, spec.descriptions(names))
    plain, plain_s = _timed(model, texts, names, batch_size)
    rich, rich_s = _timed(model, texts, described, batch_size)
    pairs = zip(plain, rich, strict=True)
    changed = sum(a.answers[t] != b.answers[t] for a, b in pairs for t in names)
    return {
        "passages": len(texts),
        "types": len(names),
        "described": sum(t.description is not None for t in described),
        "prompt_tokens": {
            "names": sum(_prompt_tokens(model, t, names) for t in texts),
            "descriptions": sum(_prompt_tokens(model, t, described) for t in texts),
        },
        "seconds": {"names": plain_s, "descriptions": rich_s},
        "answers_changed": changed,
    }


def _per_passage(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    passages = sum(r["passages"] for r in runs.values())
    total = {
        way: {k: sum(r[k][way] for r in runs.values()) for k in ("prompt_tokens", "seconds")}
        for way in ("names", "descriptions")
    }
    return {
        "passages": passages,
        "queries": sum(r["passages"] * r["types"] for r in runs.values()),
        "answers_changed": sum(r["answers_changed"] for r in runs.values()),
        **{
            f"{way}_{k}_per_passage": round(total[way][k] / passages, 4 if k == "seconds" else 1)
            for way in total
            for k in ("prompt_tokens", "seconds")
        },
        "cost_ratio": round(total["descriptions"]["seconds"] / total["names"]["seconds"], 3),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = _args(argv)
    specs = [s for s in get_benchmark("zero-shot").datasets if s.definitions is not None]
    if args.sets:
        wanted = args.sets.split(",")
        if unknown := sorted(set(wanted) - {s.name for s in specs}):
            raise SystemExit(f"no zero-shot set with definitions named {unknown}")
        specs = [s for s in specs if s.name in wanted]
    model = NERModel.from_pretrained(args.model, dtype=args.dtype, device="cpu")
    runs = {s.name: measure_set(model, s, args.passages, args.batch_size) for s in specs}
    for run in runs.values():
        run["seconds"] = {k: round(v, 3) for k, v in run["seconds"].items()}
    info = model.info()
    result = {"model": info["name"], "dtype": info["dtype"], **_per_passage(runs), "sets": runs}
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
