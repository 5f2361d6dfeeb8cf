"""Seconds per (passage, type) query of the engine at each thread count, alone and beside a
busy process, with the CPUs and quota the process sees and the count uniner would pick.

For N passages of ``zero-shot-uniner/CrossNER_AI.json`` and all of its types (or ``--text``
and ``--type``), the model is loaded once and, for each mode and each ``--threads`` count,
``NERModel.predict`` is timed ``--repeats`` times after one warm-up call (the median is kept):

  alone:   nothing else started by the benchmark;
  shared:  beside one busy process it starts (``python -c "while True: pass"``), as a server or
           a corpus job beside another job.

Under a quota: run the same command inside one, e.g. ``systemd-run --scope -p CPUQuota=150%
...`` or ``docker run --cpus 1.5 ...``; the JSON line records the quota the process saw
(``cpu_quota``), the CPUs it may use and the count :func:`uniner.threads.set_threads` picks
there when nothing is set (``auto_threads``). The last line printed is one JSON object::

    .venv/bin/python benchmarks/bench_threads.py --passages 3 --dtype float32
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from uniner.engine import NERModel
from uniner.hardware import cpu_has_native_bf16, cpu_model
from uniner.threads import (
    affinity_cpus,
    cpu_quota,
    set_threads,
    torch_default_threads,
    usable_cpus,
)

MODES = ("alone", "shared")
BUSY = [sys.executable, "-c", "while True: pass"]


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=3, help="CrossNER AI passages (N)")
    parser.add_argument("--text", action="append", default=[], help="a passage (repeatable)")
    parser.add_argument("--type", action="append", default=[], help="a type (with --text)")
    parser.add_argument("--model", default=None, help="model (default: the embedded default)")
    parser.add_argument("--dtype", default="auto", help="auto, float32, bfloat16")
    parser.add_argument("--threads", default="1,2", help="thread counts, comma-separated")
    parser.add_argument("--modes", default=",".join(MODES), help="alone, shared or both")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per point")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    args = parser.parse_args(argv)
    args.thread_counts = [int(n) for n in args.threads.split(",")]
    args.mode_list = args.modes.split(",")
    if unknown := set(args.mode_list) - set(MODES):
        parser.error(f"unknown mode(s) {sorted(unknown)}; choose from {MODES}")
    if bool(args.text) != bool(args.type):
        parser.error("--text and --type go together")
    return args


def _passages(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    if args.text:
        return args.text, args.type
    from uniner.data import load_dataset
    from uniner.paths import data_root

    dataset = load_dataset(data_root() / "zero-shot-uniner" / "CrossNER_AI.json")
    return [r.text for r in dataset.records[: args.passages]], list(dataset.types)


def _s_per_query(
    model: NERModel, texts: list[str], types: list[str], args: argparse.Namespace, threads: int
) -> float:
    """The median seconds per query of ``--repeats`` calls at ``threads``, after a warm-up."""
    set_threads(threads)

    def call() -> None:
        model.predict(texts, types, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens)

    call()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) / (len(texts) * len(types)), 5)


def _mode(
    model: NERModel, texts: list[str], types: list[str], args: argparse.Namespace, mode: str
) -> dict[str, float]:
    """Thread count -> s/query in ``mode``; the busy process lives only while it is measured."""
    busy = subprocess.Popen(BUSY) if mode == "shared" else None
    try:
        return {str(n): _s_per_query(model, texts, types, args, n) for n in args.thread_counts}
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = _args(argv)
    texts, types = _passages(args)
    model = NERModel.from_pretrained(args.model, dtype=args.dtype, device="cpu")
    info = model.info()
    runs = {mode: _mode(model, texts, types, args, mode) for mode in args.mode_list}
    result: dict[str, Any] = {
        "model": info["name"],
        "dtype": info["dtype"],
        "cpu": cpu_model(),
        "native_bf16": cpu_has_native_bf16(),
        "passages": len(texts),
        "queries": len(texts) * len(types),
        "cpus": affinity_cpus(),
        "cpu_quota": cpu_quota(),
        "usable_cpus": usable_cpus(),
        "auto_threads": min(usable_cpus(), torch_default_threads()),  # when nothing is set
        "s_per_query": runs,
        "best_threads": {
            mode: int(min(times, key=times.__getitem__)) for mode, times in runs.items()
        },
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
