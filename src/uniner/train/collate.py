"""Batches for the trainer: padding-free packing, or padding to the longest.

Packing concatenates a batch's conversations into one row and restarts ``position_ids`` at
each conversation. With no attention mask, transformers derives a block-diagonal causal mask
from the restarting positions (sdpa / eager) or passes the boundaries to flash-attention's
varlen kernel, so no token attends across conversations and no compute goes to padding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from uniner.train.tokenize import IGNORE_INDEX


@dataclass
class PackingCollator:
    """Concatenate features ``{"input_ids", "labels"}`` into one padding-free row."""

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        ids: list[int] = []
        labels: list[int] = []
        positions: list[int] = []
        for feature in features:
            n = len(feature["input_ids"])
            ids.extend(feature["input_ids"])
            # The first token of a conversation is never predicted from the previous one.
            labels.extend([IGNORE_INDEX, *feature["labels"][1:]])
            positions.extend(range(n))
        return {
            "input_ids": torch.tensor([ids]),
            "labels": torch.tensor([labels]),
            "position_ids": torch.tensor([positions]),
        }


@dataclass
class PaddingCollator:
    """Right-pad features to the longest in the batch, with an attention mask."""

    pad_token_id: int

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        width = max(len(f["input_ids"]) for f in features)

        def pad(row: Sequence[int], value: int) -> list[int]:
            return [*row, *([value] * (width - len(row)))]

        return {
            "input_ids": torch.tensor([pad(f["input_ids"], self.pad_token_id) for f in features]),
            "labels": torch.tensor([pad(f["labels"], IGNORE_INDEX) for f in features]),
            "attention_mask": torch.tensor([pad([1] * len(f["input_ids"]), 0) for f in features]),
        }
