"""Fine-tune a student on instruction conversations (full, LoRA or QLoRA; one CPU to many GPUs).

Nothing here imports gguf, openai, fastapi or spacy at module level: the trainer must run on
GPU images that only have torch, transformers, peft and accelerate.

>>> from uniner.train import TrainConfig, train
>>> train(TrainConfig("HuggingFaceTB/SmolLM2-135M-Instruct", "data/train.jsonl", "out",
...                   lora=True))  # doctest: +SKIP

:func:`finetune` trains the default student (or any student) further on annotated files and
scores it before and after (:mod:`uniner.train.finetune`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from uniner.train.config import TrainConfig

# Imported here, so that the name is the function: importing a submodule binds its name in
# the package only when it is first loaded.
from uniner.train.finetune import FinetuneConfig, FinetuneResult, finetune

if TYPE_CHECKING:
    from uniner.train.trainer import train

__all__ = ["FinetuneConfig", "FinetuneResult", "TrainConfig", "finetune", "train"]


def __getattr__(name: str) -> Any:
    # train pulls in torch and transformers; import it only when asked for.
    if name == "train":
        from uniner.train.trainer import train

        return train
    raise AttributeError(f"module 'uniner.train' has no attribute {name!r}")
