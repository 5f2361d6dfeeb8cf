"""Attention over packed rows that costs what the conversations cost, not what the row costs.

A packed row holds a batch's conversations one after another. With plain ``sdpa``,
transformers turns the restarting position ids into a dense block-diagonal mask over the
whole row: attention then computes every pair of the row's tokens (the square of the row's
length) and throws most of it away, which made packed batches *slower* than padded ones.
Here each conversation's slice goes through ``sdpa`` on its own with ``is_causal=True``: the
sum of the squares of the conversations' lengths, exactly the work padding does, and none
of padding's wasted tokens in the linear layers.

The boundaries come from the collator as ``cu_seq_lens_q`` (cumulative lengths, the
flash-attention varlen convention), so the same batches also run with
``attn_implementation="flash_attention_2"`` on a GPU. Registered under :data:`PACKED_SDPA`
with sdpa's own mask builder, so anything else (padded batches, generation for the dev score)
gets exactly sdpa's masks and results.
"""

from __future__ import annotations

import itertools
from typing import Any

PACKED_SDPA = "uniner_packed_sdpa"


def packed_sdpa_forward(
    module: Any,
    query: Any,
    key: Any,
    value: Any,
    attention_mask: Any,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[Any, None]:
    """Causal ``sdpa`` per packed sequence (``cu_seq_lens_q``), else over the whole rows.

    Shapes as transformers' attention functions: query (B, H, L, D), key/value
    (B, H_kv, L, D); returns (B, L, H, D).
    """
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    bounds = kwargs.get("cu_seq_lens_q")
    if bounds is None or query.shape[2] != key.shape[2]:
        # Not packed (padded batches, generation): plain sdpa with the mask it was given.
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling
        )
    edges = [int(b) for b in bounds]
    pieces = [
        sdpa_attention_forward(
            module,
            query[:, :, start:end],
            key[:, :, start:end],
            value[:, :, start:end],
            None,
            dropout=dropout,
            scaling=scaling,
            is_causal=True,
        )[0]
        for start, end in itertools.pairwise(edges)
        if end > start
    ]
    return torch.cat(pieces, dim=1), None


def register_packed_sdpa() -> str:
    """Make :data:`PACKED_SDPA` a transformers attention implementation; returns its name."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(PACKED_SDPA, packed_sdpa_forward)
    AttentionMaskInterface.register(PACKED_SDPA, sdpa_mask)
    return PACKED_SDPA
