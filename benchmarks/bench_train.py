"""Training throughput: padding-free packing vs padded batches, on the same conversations.

    python benchmarks/bench_train.py --model DIR [--data train.jsonl] [--batch-size 8] [--steps 10]

Without ``--data`` the conversations are built from ``conll2003`` train sentences in the shared
data (``uniner.instruct.build_conversations``, frequency negatives). Both modes see the same
batches in the same order; the figure is real (non-padding) tokens per second of
forward + backward + optimizer step, so padding shows up as lost throughput.
"""

from __future__ import annotations

import argparse
import time
from typing import Any


def conversations(data: str | None, n: int) -> list[Any]:
    from uniner.instruct import build_conversations, read_conversations

    if data:
        return read_conversations(data)[:n]
    from uniner.data import load_dataset
    from uniner.paths import data_root

    dataset = load_dataset(data_root() / "ner" / "conll_2003" / "train.json", format="spans")
    return build_conversations(dataset.records[:n], seed=0)


def run(model: Any, batches: list[list[dict[str, list[int]]]], collate: Any) -> float:
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    tokens, started = 0, 0.0
    for i, batch in enumerate(batches):
        if i == 1:  # the first step warms up allocators and kernels; not timed
            tokens, started = 0, time.perf_counter()
        inputs = collate(batch)
        loss = model(**inputs).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        tokens += sum(len(f["input_ids"]) for f in batch)
    return tokens / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--device", default="cuda" if _cuda() else "cpu")
    parser.add_argument(
        "--dtype", choices=("float32", "bfloat16"), default="bfloat16" if _cuda() else "float32"
    )
    parser.add_argument("--attn", default="sdpa", help="sdpa, eager, flex_attention, ...")
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from uniner.prompts import default_style
    from uniner.train.collate import PackingCollator, PaddingCollator
    from uniner.train.tokenize import encode_all

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    style = default_style(tokenizer)
    convs = conversations(args.data, args.batch_size * (args.steps + 1))
    encoded, _ = encode_all(convs, tokenizer, style, max_length=1024)
    rows = [{"input_ids": e.input_ids, "labels": e.labels} for e in encoded]
    size = args.batch_size
    batches = [rows[i : i + size] for i in range(0, len(rows) - size + 1, size)]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def to_device(collate: Any) -> Any:
        return lambda b: {k: v.to(args.device) for k, v in collate(b).items()}

    lengths = [len(r["input_ids"]) for b in batches for r in b]
    padded = sum(max(len(r["input_ids"]) for r in b) * len(b) for b in batches)
    print(
        f"{len(batches)} batches of {size}, {sum(lengths)} tokens, mean length "
        f"{sum(lengths) / len(lengths):.0f}, padding would add {padded / sum(lengths) - 1:.0%}"
    )
    results = {}
    for name, collate in (("packing", PackingCollator()), ("padding", PaddingCollator(pad))):
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_pretrained(
            args.model, dtype=getattr(torch, args.dtype), attn_implementation=args.attn
        )
        model.config.use_cache = False
        model.to(args.device).train()
        results[name] = run(model, batches, to_device(collate))
    print(f"{'mode':<10}{'tokens/s':>12}")
    for name, speed in results.items():
        print(f"{name:<10}{speed:>12.0f}")
    ratio = results["packing"] / results["padding"]
    print(f"packing / padding: {ratio:.2f}x on {args.device} ({args.dtype}, {args.attn})")


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


if __name__ == "__main__":
    main()
