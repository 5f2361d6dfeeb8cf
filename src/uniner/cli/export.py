"""``uniner export``: write a student as a GGUF file for llama.cpp and Ollama."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "export",
        help="write a student as a GGUF file (llama.cpp, Ollama)",
        description="Merge a student's LoRA adapter into its base and write one GGUF file with "
        "its tokenizer and chat template, plus a model card (README.md) beside it. "
        "No STUDENT: the embedded default. See docs/export.md.",
    )
    p.add_argument(
        "student", nargs="?", default=None, help="student folder, hub id, .gguf or LoRA adapter"
    )
    p.add_argument("--gguf", required=True, metavar="FILE", help="the .gguf file to write")
    p.add_argument("--quant", choices=("f16", "q8_0"), default="f16", help="default f16")
    p.add_argument(
        "--tokenizer-gguf",
        metavar="FILE",
        help="a GGUF of the base model to take llama.cpp's tokenizer metadata from "
        "(default: the one the student was trained on, or the embedded SmolLM2)",
    )
    p.add_argument("--no-card", action="store_true", help="do not write the model card")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.export import export_gguf
    from uniner.export.card import card_path

    out = export_gguf(
        args.student,
        args.gguf,
        quant=args.quant,
        tokenizer_gguf=args.tokenizer_gguf,
        card=not args.no_card,
    )
    size = out.stat().st_size / 1e6
    print(f"wrote {out} ({args.quant}, {size:.0f} MB)")
    if not args.no_card:
        print(f"model card: {card_path(out)}")
    return 0
