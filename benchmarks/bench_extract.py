"""Benchmark the engine against the naive reference on CrossNER AI passages.

For N passages of ``zero-shot-uniner/CrossNER_AI.json`` and all of the dataset's types, with the
embedded default (SmolLM2-135M-Instruct + the packaged adapter, float32, CPU; ``--model`` and
``--adapter`` choose another, ``--no-adapter`` the untuned base), one run measures seconds per
(passage, type) query for:

  (a) the naive reference: one full prompt per query through ``model.generate``;
  (b) one left-padded batch of full prompts per passage (no shared prefix);
  (c) the engine: ``NERModel.predict`` (one row per passage, prefix once, the ``[]`` guess);
  (d) the engine with draft-and-verify decoding (``draft=True``): its answers against (c)'s,
      decode steps per answer token of both, draft tokens fed and accepted;
  (e) with ``--int8``, the engine with int8 weights (``dtype="int8"``, the float32 engine's
      activations): its seconds per query and answers against the float32 engine's;

and the prefill tokens each processes against the floor (each passage once + each query's
suffix), and whether (a) and (c) give the same answer to every query. It also counts the
arithmetic each method must do (2 x parameters per token fed, plus the output layer per answer
token) and the rate it reached, beside a plain float32 matmul's rate on this machine: where (c)
already runs near that rate, only doing less arithmetic can make it faster. The last line
printed is one JSON object; its ``student_s_per_passage`` is the fastest engine measured
(float32, bfloat16 or int8) times the number of types, to set beside GLiNER's
``gliner_<size>_<dtype>_s_per_passage`` (``--gliner``: float32, bfloat16 and int8).

    .venv/bin/python benchmarks/bench_extract.py --passages 8
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import torch

from uniner.data import load_dataset
from uniner.engine import NERModel
from uniner.engine.decoding import answer_guess, generate_naive, generate_padded
from uniner.engine.queries import EncodedPassage, encode_passage
from uniner.engine.stopping import StopRule
from uniner.engine.tree import build_tree
from uniner.paths import data_root, smollm2_gguf


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=8, help="how many passages (N)")
    parser.add_argument("--model", default=None, help="model (default: the embedded default)")
    parser.add_argument("--adapter", default=None, help="LoRA adapter on top of --model")
    parser.add_argument("--no-adapter", action="store_true", help="the untuned SmolLM2 base")
    parser.add_argument("--batch-size", type=int, default=8, help="engine passages per batch")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--skip-naive", action="store_true", help="time (b), (c), (d) only")
    parser.add_argument(
        "--draft-tokens", type=int, default=8, help="(d): the most draft tokens per answer and step"
    )
    parser.add_argument(
        "--dtype",
        choices=("float32", "bfloat16", "both"),
        default="both",
        help="the dtype(s) to measure, each against the naive reference in the same dtype",
    )
    parser.add_argument(
        "--int8", action="store_true", help="(e): also the engine with int8 weights"
    )
    parser.add_argument(
        "--gliner",
        action="store_true",
        help="also time GLiNER small/large (random weights) on the same passages, in their own "
        "environment (benchmarks/peers/gliner_bench.py sets it up once)",
    )
    return parser.parse_args()


def _prefill(encoded: list[EncodedPassage], batch_size: int, draft: int | None) -> dict[str, int]:
    """Prefill tokens of each method (padding counted: the model computes it)."""
    fulls = [len(e.prefix) + len(s) for e in encoded for s in e.suffixes]
    padded = sum(len(e.suffixes) * max(len(e.prefix) + len(s) for s in e.suffixes) for e in encoded)
    ordered = sorted(encoded, key=lambda e: len(e.prefix))
    groups = [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]
    engine = sum(build_tree(group, 0, draft).ids.numel() for group in groups)
    floor = sum(len(e.prefix) + sum(len(s) for s in e.suffixes) for e in encoded)
    return {"naive": sum(fulls), "batched": padded, "engine": engine, "floor": floor}


def _matmul_gflops(
    hidden: int, intermediate: int, dtype: torch.dtype, rows: int = 512, repeats: int = 20
) -> float:
    """What this machine's matmul reaches on the model's own MLP shape (GFLOP/s)."""
    a = torch.randn(rows, hidden, dtype=dtype)
    w = torch.randn(hidden, intermediate, dtype=dtype)
    a @ w  # warm-up: thread pool and kernels
    started = time.perf_counter()
    for _ in range(repeats):
        a @ w
    return 2 * rows * hidden * intermediate * repeats / (time.perf_counter() - started) / 1e9


def _gflop(model: Any, fed_tokens: int, answer_tokens: int) -> float:
    """Forward arithmetic: every fed token through the body, every answer token's logits."""
    embeddings = model.get_input_embeddings().weight
    head = embeddings.numel()  # the output layer has the embedding's shape (tied or not)
    body = sum(p.numel() for p in model.parameters()) - head
    if model.get_output_embeddings() is not None and not model.config.tie_word_embeddings:
        body -= head  # an untied output layer is counted separately
    return (2 * body * fed_tokens + 2 * head * answer_tokens) / 1e9


def _compute(
    ner: NERModel, prefill: dict[str, int], answers: list[Any], draft: int | None
) -> dict[str, float]:
    """GFLOP of (a) and (c): the same answers; (c) gets the token after a right guess free."""
    answer_tokens = sum(len(g.tokens) for g in answers)
    decode_fed = sum(max(len(g.tokens) - 1, 0) for g in answers)
    free = sum(1 for g in answers if len(g.tokens) > 1 and g.tokens[0] == draft)
    model = ner.model
    return {
        "naive": round(_gflop(model, prefill["naive"] + decode_fed, answer_tokens), 1),
        "engine": round(_gflop(model, prefill["engine"] + decode_fed - free, answer_tokens), 1),
        "floor": round(_gflop(model, prefill["floor"] + decode_fed, answer_tokens), 1),
    }


def _mismatches(
    engine: list[Any], naive: list[list[Any]], types: list[str], tokenizer: Any
) -> tuple[list[dict[str, Any]], int]:
    """Queries where the engine's answer is not the naive one (with the engine's repeat cut
    applied to the naive tokens: the cut is a rule on the tokens so far, so exact decoding
    gives the same cut), and how many answers that cut changed."""
    plain, cut = StopRule(tokenizer), StopRule(tokenizer, stop_repeats=True)
    mismatches, cut_count = [], 0
    for p, (pred, gens) in enumerate(zip(engine, naive, strict=True)):
        for t, gen in zip(types, gens, strict=True):
            reference = cut.answer(gen.tokens)
            cut_count += reference != plain.answer(gen.tokens)
            if pred.answers[t] != reference:
                margin = min(gen.margins) if gen.margins else None
                mismatches.append(
                    {
                        "passage": p,
                        "type": t,
                        "naive": reference,
                        "engine": pred.answers[t],
                        "min_margin": margin,
                    }
                )
    return mismatches, cut_count


def measure(args: argparse.Namespace, dtype: str, texts: list[str], types: list[str]) -> dict:
    """(a), (b), (c) at one dtype: seconds per query, identity, arithmetic and its rate."""
    name = smollm2_gguf() if args.no_adapter and not args.model else args.model
    ner = NERModel.from_pretrained(name, adapter=args.adapter, device="cpu", dtype=dtype)
    opts = {"max_new_tokens": args.max_new_tokens}
    encoded = [encode_passage(ner.tokenizer, ner.style, t, types) for t in texts]
    queries = len(texts) * len(types)
    print(f"[{dtype}] {len(texts)} passages x {len(types)} types = {queries} queries; {ner.info()}")

    # Warm-up, untimed, for every method: thread pool, allocator, kernels for these shapes.
    ner.predict(texts, types, batch_size=args.batch_size, max_new_tokens=2)
    generate_padded(
        ner.model, ner.tokenizer, [encoded[0].full(k) for k in range(len(types))], max_new_tokens=2
    )
    generate_naive(ner.model, ner.tokenizer, encoded[0].full(0), max_new_tokens=2)
    ner.predict(texts, types, batch_size=args.batch_size, max_new_tokens=4, draft=True)
    started = time.perf_counter()
    engine = ner.predict(texts, types, batch_size=args.batch_size, **opts)
    engine_s = (time.perf_counter() - started) / queries
    print(f"[{dtype}] (c) engine   {engine_s:.4f} s/query", flush=True)
    drafting = _drafting(ner, texts, types, (engine, engine_s), args)
    print(
        f"[{dtype}] (d) drafts   {drafting['draft_s_per_query']:.4f} s/query, "
        f"{drafting['draft_speedup_vs_engine']}x (c); decode steps per answer token "
        f"{drafting['decode_steps_per_answer_token']}; identical to (c): "
        f"{drafting['draft_identical']}",
        flush=True,
    )

    started = time.perf_counter()
    padded = [
        g
        for e in encoded
        for g in generate_padded(
            ner.model, ner.tokenizer, [e.full(k) for k in range(len(types))], **opts
        )
    ]
    batched_s = (time.perf_counter() - started) / queries
    print(f"[{dtype}] (b) batched  {batched_s:.4f} s/query", flush=True)

    naive_s, identical, mismatches, cut = float("nan"), None, [], 0
    if not args.skip_naive:
        started = time.perf_counter()
        naive = [
            [generate_naive(ner.model, ner.tokenizer, e.full(k), **opts) for k in range(len(types))]
            for e in encoded
        ]
        naive_s = (time.perf_counter() - started) / queries
        print(f"[{dtype}] (a) naive    {naive_s:.4f} s/query", flush=True)
        mismatches, cut = _mismatches(engine, naive, types, ner.tokenizer)
        identical = not mismatches
        for m in mismatches:
            print(f"[{dtype}] DIFFERENT:", json.dumps(m, ensure_ascii=False))
    draft = answer_guess(ner.tokenizer, ner.style)
    prefill = _prefill(encoded, args.batch_size, draft)
    gflop = _compute(ner, prefill, padded, draft)
    config = ner.model.config
    shape = (config.hidden_size, getattr(config, "intermediate_size", 4 * config.hidden_size))
    peak = _matmul_gflops(*shape, getattr(torch, dtype))
    rate = {
        "naive": round(gflop["naive"] / (naive_s * queries), 1),
        "engine": round(gflop["engine"] / (engine_s * queries), 1),
        "matmul": round(peak, 1),
    }
    print(
        f"[{dtype}] arithmetic: naive {gflop['naive']} GFLOP, engine {gflop['engine']}, floor "
        f"{gflop['floor']}; GFLOP/s: naive {rate['naive']}, engine {rate['engine']} "
        f"({rate['engine'] / peak:.0%} of a bare {dtype} matmul, {rate['matmul']})"
    )
    return {
        "answers": [p.answers for p in engine],
        "naive_s_per_query": round(naive_s, 4),
        "batched_s_per_query": round(batched_s, 4),
        "engine_s_per_query": round(engine_s, 4),
        "speedup": round(naive_s / engine_s, 2),
        "identical": identical,
        "mismatches": len(mismatches),
        "cut_by_repeats": cut,
        "prefill_tokens": prefill,
        "gflop": gflop,
        "gflop_per_s": rate,
        "engine_share_of_matmul": round(rate["engine"] / peak, 3),
        **drafting,
        "style": ner.style,
    }


def _drafting(
    ner: NERModel,
    texts: list[str],
    types: list[str],
    timed: tuple[list[Any], float],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """(d): the engine with draft-and-verify decoding, timed on the same queries as (c); its
    answers against (c)'s, and its decode steps (``meta["decoding"]``) against those (c) takes
    for the same answers (one per token after the prompt's pass)."""
    engine, engine_s = timed  # (c)'s predictions and seconds per query
    queries = len(texts) * len(types)
    started = time.perf_counter()
    drafted = ner.predict(
        texts,
        types,
        batch_size=args.batch_size,
        max_new_tokens=args.max_new_tokens,
        draft=True,
        draft_tokens=args.draft_tokens,
    )
    draft_s = (time.perf_counter() - started) / queries
    keys = ("tokens", "steps", "steps_without_draft", "drafted", "accepted")
    total = {k: sum(p.meta["decoding"][k] for p in drafted) for k in keys}
    differ = [
        {"passage": i, "type": t, "engine": e.answers[t], "draft": d.answers[t]}
        for i, (e, d) in enumerate(zip(engine, drafted, strict=True))
        for t in types
        if e.answers[t] != d.answers[t]
    ]
    for d in differ:
        print("DRAFT DIFFERENT:", json.dumps(d, ensure_ascii=False))
    tokens = max(total["tokens"], 1)
    return {
        "draft_s_per_query": round(draft_s, 4),
        "draft_speedup_vs_engine": round(engine_s / draft_s, 2),
        "draft_identical": not differ,
        "draft_mismatches": len(differ),
        "decode_steps_per_answer_token": {
            "engine": round(total["steps_without_draft"] / tokens, 3),
            "draft": round(total["steps"] / tokens, 3),
        },
        "draft_tokens": {
            "max": args.draft_tokens,
            "fed": total["drafted"],
            "accepted": total["accepted"],
            "answer_tokens": total["tokens"],
        },
    }


def _int8(
    args: argparse.Namespace, texts: list[str], types: list[str], reference: dict[str, Any]
) -> dict[str, Any]:
    """(e): the engine with int8 weights, timed as (c), its answers against ``reference``'s
    (the float32 run when there is one)."""
    ner = NERModel.from_pretrained(args.model, adapter=args.adapter, device="cpu", dtype="int8")
    ner.predict(texts, types, batch_size=args.batch_size, max_new_tokens=2)  # warm-up
    started = time.perf_counter()
    options = {"batch_size": args.batch_size, "max_new_tokens": args.max_new_tokens}
    preds = ner.predict(texts, types, **options)
    seconds = (time.perf_counter() - started) / (len(texts) * len(types))
    same = sum(
        a == b
        for p, ref in zip(preds, reference["answers"], strict=True)
        for a, b in zip(p.answers.values(), ref.values(), strict=True)
    )
    print(f"[int8] (e) engine   {seconds:.4f} s/query; answers equal: {same}", flush=True)
    return {
        "int8_engine_s_per_query": round(seconds, 4),
        "int8_speedup_vs_reference_engine": round(reference["engine_s_per_query"] / seconds, 2),
        "int8_answers_equal_to_reference": f"{same}/{len(texts) * len(types)}",
    }


def main() -> dict[str, Any]:
    args = _args()
    dataset = load_dataset(data_root() / "zero-shot-uniner" / "CrossNER_AI.json")
    texts = [r.text for r in dataset.records[: args.passages]]
    types = dataset.types
    dtypes = ["float32", "bfloat16"] if args.dtype == "both" else [args.dtype]
    runs = {dtype: measure(args, dtype, texts, types) for dtype in dtypes}
    first = runs[dtypes[0]]
    result: dict[str, Any] = {
        "passages": len(texts),
        "queries": len(texts) * len(types),
        "dtype": dtypes[0],
        **{k: v for k, v in first.items() if k != "answers"},
        "max_new_tokens": args.max_new_tokens,
    }
    if "bfloat16" in runs:
        bf16 = runs["bfloat16"]
        result |= {
            "bf16_engine_s_per_query": bf16["engine_s_per_query"],
            "bf16_naive_s_per_query": bf16["naive_s_per_query"],
            "bf16_identical": bf16["identical"],
            "bf16_gflop_per_s": bf16["gflop_per_s"],
            "bf16_engine_share_of_matmul": bf16["engine_share_of_matmul"],
            "bf16_draft_s_per_query": bf16["draft_s_per_query"],
            "bf16_draft_speedup_vs_engine": bf16["draft_speedup_vs_engine"],
            "bf16_draft_identical": bf16["draft_identical"],
        }
    if len(runs) == 2:
        fp32, bf16 = runs["float32"], runs["bfloat16"]
        same = sum(
            a == b
            for pa, pb in zip(fp32["answers"], bf16["answers"], strict=True)
            for a, b in zip(pa.values(), pb.values(), strict=True)
        )
        result |= {
            "bf16_speedup_vs_fp32_engine": round(
                fp32["engine_s_per_query"] / bf16["engine_s_per_query"], 2
            ),
            "bf16_answers_equal_to_fp32": f"{same}/{result['queries']}",
        }
    if args.int8:
        result |= _int8(args, texts, types, runs.get("float32", first))
    engine_best = min(
        [r["engine_s_per_query"] for r in runs.values()]
        + [result.get("int8_engine_s_per_query", float("inf"))]
    )
    result["student_s_per_passage"] = round(engine_best * len(types), 4)
    if args.gliner:
        from peers import gliner_bench  # benchmarks/peers/, beside this script

        result["gliner"] = gliner_bench.run(texts, types)
        for name in ("small", "large"):
            for suffix, dtype in (("", "float32"), ("-bf16", "bfloat16"), ("-int8", "int8")):
                timed = result["gliner"].get(f"gliner-{name}{suffix}", {})
                if "s_per_passage" in timed:
                    result[f"gliner_{name}_{dtype}_s_per_passage"] = timed["s_per_passage"]
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
