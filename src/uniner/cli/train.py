"""``uniner train``: fine-tune a student on built conversations."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    from uniner.hardware import DTYPE_NAMES

    parser = subparsers.add_parser(
        "train",
        help="fine-tune a student on conversations (full, LoRA or QLoRA)",
        description="Fine-tune a causal LM on train.jsonl from `uniner build-data`.",
    )
    parser.add_argument("--model", required=True, help="hub id, directory or .gguf file")
    parser.add_argument("--data", required=True, metavar="FILE", help="train.jsonl")
    parser.add_argument("--out", required=True, metavar="DIR")
    parser.add_argument("--dev", metavar="FILE", help="dev.jsonl (default: beside --data)")
    parser.add_argument("--lora", action="store_true", help="train a LoRA adapter")
    parser.add_argument("--qlora", action="store_true", help="LoRA over a 4-bit base (CUDA)")
    parser.add_argument("--merge", action="store_true", help="save LoRA merged into weights")
    parser.add_argument("--lora-r", type=int, default=16)
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--max-steps", type=int, default=-1)
    parser.add_argument("--lr", type=float, help="default 2e-5 full, 2e-4 LoRA")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--grad-accum", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument(
        "--dtype", choices=[d for d in DTYPE_NAMES if d != "float16"], default="auto"
    )
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument("--attn", help="attention backend: sdpa, flex_attention, ...")
    parser.add_argument("--no-packing", action="store_true", help="padded batches instead")
    parser.add_argument("--style", choices=("uniner", "chat"))
    parser.add_argument("--save-steps", type=int, default=500)
    parser.add_argument("--eval-steps", type=int)
    parser.add_argument("--logging-steps", type=int, default=10)
    parser.add_argument("--dev-score-queries", type=int, default=64)
    parser.add_argument(
        "--best-metric",
        choices=("dev_f1", "loss"),
        help="keep the checkpoint with the best dev F1 (or dev loss) as the result",
    )
    parser.add_argument(
        "--early-stopping", type=int, metavar="N", help="stop after N evaluations without gain"
    )
    parser.add_argument("--lora-alpha", type=int, default=32)
    parser.add_argument("--lora-dropout", type=float, default=0.0)
    parser.add_argument("--warmup-ratio", type=float, default=0.04)
    parser.add_argument("--no-resume", action="store_true")
    parser.add_argument(
        "--stop-at-step",
        type=int,
        metavar="N",
        help="end this sitting at step N (checkpoint saved, schedule unchanged); "
        "the same command resumes",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.train import TrainConfig, train

    config = TrainConfig(
        model=args.model,
        data=args.data,
        out=args.out,
        dev_data=args.dev,
        lora=args.lora,
        qlora=args.qlora,
        merge_lora=args.merge,
        lora_r=args.lora_r,
        epochs=args.epochs,
        max_steps=args.max_steps,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        grad_accum=args.grad_accum,
        max_length=args.max_length,
        dtype=args.dtype,
        gradient_checkpointing=args.gradient_checkpointing,
        attn_implementation=args.attn,
        packing=not args.no_packing,
        style=args.style,
        save_steps=args.save_steps,
        eval_steps=args.eval_steps,
        logging_steps=args.logging_steps,
        dev_score_queries=args.dev_score_queries,
        best_metric=args.best_metric,
        early_stopping_patience=args.early_stopping,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        warmup_ratio=args.warmup_ratio,
        resume=not args.no_resume,
        stop_at_step=args.stop_at_step,
        seed=args.seed,
    )
    print(f"trained student saved to {train(config)}")
    return 0
