"""Logits in float32 when the body of the model runs in a 16-bit dtype.

bfloat16 keeps 8 bits of mantissa: two logits near 20 that differ by less than 1/8 come out
*equal*, and greedy decoding then picks by vocabulary order, not by the model. The output layer
is a small share of the engine's work (only answer positions reach it), so it runs in float32
on the body's last hidden state and near-ties are decided as in float32: on 8 CrossNER-AI
passages x 13 types the bfloat16 engine's answers went from 99 to 104 equal to float32's,
and the engine-vs-naive mismatches (two exact bfloat16 ties) disappeared.
"""

from __future__ import annotations

from typing import Any

import torch


class Float32Linear(torch.nn.Linear):
    """A frozen linear layer that computes in float32 whatever its input's dtype."""

    @classmethod
    def from_linear(cls, layer: torch.nn.Linear) -> Float32Linear:
        """A float32 copy of ``layer`` (weights and bias), on its device."""
        has_bias = layer.bias is not None
        new = cls(layer.in_features, layer.out_features, bias=has_bias, device=layer.weight.device)
        with torch.no_grad():
            new.weight.copy_(layer.weight.float())
            if layer.bias is not None:
                new.bias.copy_(layer.bias.float())
        new.requires_grad_(False)
        return new

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return super().forward(hidden.float())


def float32_output_layer(model: Any) -> Any:
    """Give a 16-bit ``model`` a float32 output layer (in place); others are returned as is.

    A head tied to the input embeddings is untied: the embeddings keep their 16-bit copy.
    """
    head = model.get_output_embeddings()
    if not isinstance(head, torch.nn.Linear) or head.weight.dtype == torch.float32:
        return model
    model.set_output_embeddings(Float32Linear.from_linear(head))
    model.config.tie_word_embeddings = False
    return model
