"""Batches for the trainer: padding-free packing, or padding to the longest.

Packing concatenates a batch's conversations into one row, restarts ``position_ids`` at each
conversation and passes the boundaries as ``cu_seq_lens_q``/``cu_seq_lens_k`` (the
flash-attention varlen convention): :mod:`uniner.attention` attends within each
conversation only, flash-attention's varlen kernel does the same on a GPU, and no compute
goes to padding.

With ``label_logits`` the batch also says where the output layer is needed: only at the
tokens that predict an answer token (``logits_to_keep``, a boolean mask) with their targets
(``shift_labels``). Answers are a few percent of the tokens and the output layer (vocabulary
x hidden) is a large share of a small model's forward pass, so this skips most of it; the
loss is the same number, since the other positions carry no loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from uniner.train.tokenize import IGNORE_INDEX


def _label_outputs(rows: Sequence[Sequence[int]]) -> dict[str, Any]:
    """``logits_to_keep`` (rows x length, bool) and ``shift_labels`` (the kept targets):
    position i predicts token i + 1, so it is kept when label i + 1 carries loss."""
    import torch

    keep = []
    targets: list[int] = []
    for labels in rows:
        shifted = [*labels[1:], IGNORE_INDEX]
        keep.append([t != IGNORE_INDEX for t in shifted])
        targets.extend(t for t in shifted if t != IGNORE_INDEX)
    return {
        "logits_to_keep": torch.tensor(keep, dtype=torch.bool),
        "shift_labels": torch.tensor(targets, dtype=torch.long),
    }


@dataclass
class PackingCollator:
    """Concatenate features ``{"input_ids", "labels"}`` into one padding-free row."""

    label_logits: bool = False

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        ids: list[int] = []
        labels: list[int] = []
        positions: list[int] = []
        bounds = [0]
        for feature in features:
            n = len(feature["input_ids"])
            ids.extend(feature["input_ids"])
            # The first token of a conversation is never predicted from the previous one.
            labels.extend([IGNORE_INDEX, *feature["labels"][1:]])
            positions.extend(range(n))
            bounds.append(bounds[-1] + n)
        cumulative = torch.tensor(bounds, dtype=torch.int32)
        longest = max(len(f["input_ids"]) for f in features)
        batch: dict[str, Any] = {
            "input_ids": torch.tensor([ids]),
            "labels": torch.tensor([labels]),
            "position_ids": torch.tensor([positions]),
            "cu_seq_lens_q": cumulative,
            "cu_seq_lens_k": cumulative,
            "max_length_q": longest,
            "max_length_k": longest,
        }
        if self.label_logits:
            batch.update(_label_outputs([labels]))
        return batch


@dataclass
class PaddingCollator:
    """Right-pad features to the longest in the batch, with an attention mask."""

    pad_token_id: int
    label_logits: bool = False

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        width = max(len(f["input_ids"]) for f in features)

        def pad(row: Sequence[int], value: int) -> list[int]:
            return [*row, *([value] * (width - len(row)))]

        labels = [pad(f["labels"], IGNORE_INDEX) for f in features]
        batch: dict[str, Any] = {
            "input_ids": torch.tensor([pad(f["input_ids"], self.pad_token_id) for f in features]),
            "labels": torch.tensor(labels),
            "attention_mask": torch.tensor([pad([1] * len(f["input_ids"]), 0) for f in features]),
        }
        if self.label_logits:
            batch.update(_label_outputs(labels))
        return batch
