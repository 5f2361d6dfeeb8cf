"""Peak memory of the engine, setting beside setting: how the resident memory grows with the
batch size and with described types, and what returning freed pages after each batch saves,
each setting in a fresh process.

For N passages of ``zero-shot-uniner/CrossNER_AI.json`` and all of its 14 types, asked by name
and with SLIMER's definitions of the types (as ``uniner eval --definitions`` asks them;
``--asking`` picks one), each (batch size, asking) pair runs in its own process
(so its peak is its own): it imports uniner and torch (``baseline_mb``), loads the model
(``loaded_mb``), calls ``NERModel.predict`` once over the passages and reports the peak resident
memory (``peak_mb``, the kernel's high-water mark) and the seconds per passage. What a user
needs beside the batch size: the model's own memory is ``loaded_mb - baseline_mb``, the
decoding's working memory ``peak_mb - loaded_mb``. Each setting runs with the engine's
``malloc_trim`` after every batch (``trim: true``, the default, :mod:`uniner.engine.memory`) and,
with ``--trim both`` (the default), without it (``UNINER_MALLOC_TRIM=0``, the baseline). The
last line printed is one JSON object; ``--plot PNG`` draws the peaks against the batch size.

    .venv/bin/python benchmarks/bench_memory.py --passages 64 --batch-sizes 8,16,32 \\
        --plot docs/img/memory_batch.png
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ASKINGS = ("names", "descriptions")
TRIMS = {"both": (True, False), "on": (True,), "off": (False,)}


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=32, help="CrossNER AI passages (N)")
    parser.add_argument("--model", default=None, help="model (default: the embedded default)")
    parser.add_argument("--adapter", default=None, help="LoRA adapter on top of --model")
    parser.add_argument("--dtype", default="auto", help="auto, float32, bfloat16, int8")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per setting")
    parser.add_argument("--batch-sizes", default="1,8,16,32", help="comma-separated")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument(
        "--asking", choices=("both", *ASKINGS), default="both", help="by name, described or both"
    )
    parser.add_argument(
        "--trim", choices=tuple(TRIMS), default="both", help="malloc_trim after each batch"
    )
    parser.add_argument("--plot", default=None, metavar="PNG", help="draw peak MB per batch size")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)  # BATCH:ASKING
    args = parser.parse_args(argv)
    try:
        args.batch_list = [int(n) for n in args.batch_sizes.split(",")]
    except ValueError:
        parser.error(f"--batch-sizes takes whole numbers, comma-separated: {args.batch_sizes!r}")
    if not args.batch_list or min(args.batch_list) < 1 or args.passages < 1:
        parser.error("--batch-sizes and --passages must be positive")
    return args


def _rss_mb() -> float:
    """This process's resident memory now."""
    with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _passages(count: int, described: bool) -> tuple[list[str], list[Any]]:
    from uniner.data import load_dataset
    from uniner.entity_types import describe
    from uniner.evaluation import get_benchmark
    from uniner.paths import data_root

    dataset = load_dataset(data_root() / "zero-shot-uniner" / "CrossNER_AI.json")
    texts = [r.text for r in dataset.records[:count]]
    types = list(dataset.types)
    if not described:
        return texts, types
    (spec,) = get_benchmark("crossner_ai").datasets
    return texts, describe(types, spec.descriptions(types))


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One setting in this process: memory after imports, after loading, at the peak."""
    import torch  # noqa: F401  (its own memory belongs to the baseline)

    from uniner.engine import NERModel, memory
    from uniner.threads import set_threads

    batch, asking = args.child.split(":")
    texts, types = _passages(args.passages, asking == "descriptions")
    set_threads(args.threads)
    baseline = _rss_mb()
    model = NERModel.from_pretrained(
        args.model, adapter=args.adapter, dtype=args.dtype, device="cpu"
    )
    loaded = _rss_mb()
    started = time.perf_counter()
    model.predict(texts, types, batch_size=int(batch), max_new_tokens=args.max_new_tokens)
    seconds = time.perf_counter() - started
    return {
        "batch_size": int(batch),
        "asking": asking,
        "trim": memory._malloc_trim() is not None,  # off: UNINER_MALLOC_TRIM=0, from the parent
        "baseline_mb": round(baseline),
        "loaded_mb": round(loaded),
        "peak_mb": round(_peak_mb()),
        "s_per_passage": round(seconds / len(texts), 4),
        "dtype": model.info()["dtype"],
        "model": model.name,
    }


def _run_child(args: argparse.Namespace, batch: int, asking: str, trim: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", f"{batch}:{asking}"]
    command += ["--passages", str(args.passages), "--dtype", args.dtype]
    command += ["--threads", str(args.threads), "--max-new-tokens", str(args.max_new_tokens)]
    for flag in ("model", "adapter"):
        if getattr(args, flag):
            command += [f"--{flag}", getattr(args, flag)]
    env = {**os.environ, "UNINER_MALLOC_TRIM": "1" if trim else "0"}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        setting = f"batch {batch}, {asking}, trim {trim}"
        raise RuntimeError(f"the setting ({setting}) failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def plot(result: dict[str, Any], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4))
    for asking in ASKINGS:
        for trim in (True, False):
            rows = [s for s in result["settings"] if (s["asking"], s["trim"]) == (asking, trim)]
            if rows:
                sizes = [s["batch_size"] for s in rows]
                label = f"peak, {asking}" + ("" if trim else ", no trim")
                style = "-" if trim else ":"
                ax.plot(sizes, [s["peak_mb"] for s in rows], style, marker="o", label=label)
    loaded = result["settings"][0]["loaded_mb"]
    ax.axhline(loaded, color="grey", linestyle="--", label="model loaded")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("batch size (passages decoded together)")
    ax.set_ylabel("resident memory (MB)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{result['cpu']}, {result['dtype']}, {result['passages']} passages", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from uniner.hardware import cpu_has_native_bf16, cpu_model

    args = _args(argv)
    if args.child:
        out = child(args)
        print(json.dumps(out))
        return out
    askings = ASKINGS if args.asking == "both" else (args.asking,)
    settings = [
        _run_child(args, b, a, t)
        for t in TRIMS[args.trim]
        for a in askings
        for b in args.batch_list
    ]
    for s in settings:
        print(
            f"batch {s['batch_size']:>3} {s['asking']:<12} trim {'on ' if s['trim'] else 'off'} "
            f"loaded {s['loaded_mb']:>6} MB  "
            f"peak {s['peak_mb']:>6} MB  {s['s_per_passage']:.3f} s/passage",
            file=sys.stderr,
        )
    result = {
        "model": settings[0]["model"],
        "dtype": settings[0]["dtype"],
        "cpu": cpu_model(),
        "native_bf16": cpu_has_native_bf16(),
        "threads": args.threads,
        "passages": args.passages,
        "settings": settings,
    }
    if args.plot:
        plot(result, args.plot)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
