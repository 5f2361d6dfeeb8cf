"""Fine-tune a student on instruction conversations (full, LoRA or QLoRA; one CPU to many GPUs).

Nothing here imports gguf, openai, fastapi or spacy at module level: the trainer must run on
GPU images that only have torch, transformers, peft and accelerate.

>>> from uniner.train import TrainConfig, train
>>> train(TrainConfig("HuggingFaceTB/SmolLM2-135M-Instruct", "data/train.jsonl", "out",
...                   lora=True))  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from uniner.train.config import TrainConfig

if TYPE_CHECKING:
    from uniner.train.trainer import train

__all__ = ["TrainConfig", "train"]


def __getattr__(name: str) -> Any:
    # train pulls in torch and transformers; import it only when asked for.
    if name == "train":
        from uniner.train.trainer import train

        return train
    raise AttributeError(f"module 'uniner.train' has no attribute {name!r}")
