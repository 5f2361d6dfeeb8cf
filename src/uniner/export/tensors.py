"""The weights of a merged student as GGUF tensors: llama.cpp's names, layout and types.

Names come from the ``gguf`` package's map for the architecture
(``model.layers.3.self_attn.q_proj.weight`` -> ``blk.3.attn_q.weight``); a weight it cannot
name stops the export. Types follow llama.cpp's converter: vectors (norms) stay float32;
matrices become float16, or Q8_0 blocks where a row splits into whole blocks of 32 (else
float16).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import gguf
import numpy as np

from uniner.export.architectures import Architecture

Quant = Literal["f16", "q8_0"]
QUANTS: tuple[Quant, ...] = ("f16", "q8_0")

# The quantisation -> the file type llama.cpp reports for the whole file.
FILE_TYPES: dict[Quant, gguf.LlamaFileType] = {
    "f16": gguf.LlamaFileType.MOSTLY_F16,
    "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
}


@dataclass(frozen=True)
class GGUFTensor:
    """One tensor ready for ``GGUFWriter.add_tensor``: the data (bytes for Q8_0) and type."""

    name: str
    data: np.ndarray
    dtype: gguf.GGMLQuantizationType


def interleave_halves(weight: np.ndarray, heads: int) -> np.ndarray:
    """Reorder a q or k projection's rows from transformers' rotary layout to llama.cpp's.

    transformers rotates each head's dimension ``j`` with ``j + d/2`` (two halves); llama.cpp's
    Llama rotates ``2j`` with ``2j + 1`` (pairs). So within each head of ``d`` rows, row ``j``
    goes to ``2j`` and row ``j + d/2`` to ``2j + 1``.

    >>> rows = np.arange(8).reshape(8, 1)  # 2 heads of 4 rows
    >>> interleave_halves(rows, 2)[:, 0].tolist()
    [0, 2, 1, 3, 4, 6, 5, 7]
    """
    total, *rest = weight.shape
    per_head = total // heads
    if per_head * heads != total or per_head % 2:
        raise ValueError(f"{total} rows do not split into {heads} heads of an even size")
    halves = weight.reshape(heads, 2, per_head // 2, *rest)  # [head, half, j, ...]
    return np.swapaxes(halves, 1, 2).reshape(weight.shape)  # [head, j, half, ...]


def encode(name: str, array: np.ndarray, quant: Quant) -> GGUFTensor:
    """``array`` in the type ``quant`` gives a tensor of its shape (see the module docstring)."""
    if array.ndim < 2:
        return GGUFTensor(name, array.astype(np.float32), gguf.GGMLQuantizationType.F32)
    block, _ = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType.Q8_0]
    if quant == "q8_0" and array.shape[-1] % block == 0:
        dtype = gguf.GGMLQuantizationType.Q8_0
        return GGUFTensor(name, gguf.quants.quantize(array.astype(np.float32), dtype), dtype)
    return GGUFTensor(name, array.astype(np.float16), gguf.GGMLQuantizationType.F16)


def gguf_tensors(
    state: Mapping[str, Any], config: Any, architecture: Architecture, quant: Quant
) -> Iterator[GGUFTensor]:
    """Every weight of ``state`` (a merged model's ``state_dict()``) as a GGUF tensor.

    A tied output layer (the input embeddings reused) is left out: llama.cpp reuses
    ``token_embd`` when the file has no ``output`` tensor.

    Raises:
        ValueError: a weight has no name in llama.cpp's map for the architecture.
    """
    names = gguf.get_tensor_name_map(architecture.arch, int(config.num_hidden_layers))
    heads = int(config.num_attention_heads)
    kv_heads = int(getattr(config, "num_key_value_heads", None) or heads)
    tied = _tied(state)
    for hf_name, tensor in state.items():
        if hf_name == "lm_head.weight" and tied:
            continue
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            raise ValueError(f"no GGUF name for weight {hf_name!r} of a {architecture.hf_name}")
        array = tensor.detach().float().cpu().numpy()
        if architecture.interleave_qk and name.endswith(("attn_q.weight", "attn_q.bias")):
            array = interleave_halves(array, heads)
        elif architecture.interleave_qk and name.endswith(("attn_k.weight", "attn_k.bias")):
            array = interleave_halves(array, kv_heads)
        yield encode(name, array, quant)


def _tied(state: Mapping[str, Any]) -> bool:
    """Whether the output layer is the input embedding matrix itself."""
    head, embedding = state.get("lm_head.weight"), state.get("model.embed_tokens.weight")
    if head is None:
        return True
    if embedding is None:
        return False
    return bool(head.data_ptr() == embedding.data_ptr())
