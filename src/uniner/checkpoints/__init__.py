"""Checkpoints: find a model and its tokenizer (hub id, folder, GGUF file, LoRA adapter),
convert GGUF files once, and read or write the model card (``uniner.json``).

Device and dtype choices live in :mod:`uniner.hardware`; the engine and the trainer load the
weights themselves from what this package resolves.
"""

from __future__ import annotations

from uniner.checkpoints.card import MODEL_CARD, ModelCard, description_mismatch, read_model_card
from uniner.checkpoints.gguf import convert_gguf, converted_dir
from uniner.checkpoints.resolve import (
    ResolvedModel,
    default_adapter,
    default_base,
    load_tokenizer,
    local_model_path,
    resolve,
    tokenizer_source,
)

__all__ = [
    "MODEL_CARD",
    "ModelCard",
    "ResolvedModel",
    "convert_gguf",
    "converted_dir",
    "default_adapter",
    "default_base",
    "description_mismatch",
    "load_tokenizer",
    "local_model_path",
    "read_model_card",
    "resolve",
    "tokenizer_source",
]
