"""int8 weights for CPUs with integer dot-product units (``dtype="int8"``).

:class:`Int8Linear` keeps a linear layer's weights in int8, one scale per output row, and
quantizes each activation row on the fly (its own scale: one outlier token does not flatten the
others); the product runs on ``torch._int_mm`` and is scaled back to float32. It is fast where
oneDNN has integer dot-product units (AVX512-VNNI, AVX-VNNI, AMX). On an AVX2-only CPU, the
kind whose bfloat16 is emulated and where smaller weights would help most, ``torch._int_mm``
has no fast kernel and runs 7-28x *slower* than float32, so loading warns there. What was tried
for those CPUs and left out, with the figures (docs/engine.md, ``benchmarks/bench_linear.py``):
FBGEMM's int8 linear (what ``torch.ao``'s dynamic quantization runs) is fast there, but its one
7-bit scale per input tensor cost the student 18 F1 points; float16 weights keep every answer
but were only 2-6% faster, with more resident memory.

The output layer stays float32: its logits decide greedy near-ties (as :mod:`uniner.engine.head`),
and the embeddings are looked up, not multiplied. docs/engine.md measures speed and F1.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import torch

from uniner.errors import UninerWarning
from uniner.hardware import cpu_has_int8_dot

INT8 = "int8"


class Int8Linear(torch.nn.Module):
    """A frozen ``Linear`` with int8 weights (symmetric, per output row) and int8 activations
    (symmetric, per row, computed at each call); float32 in, float32 out."""

    weight: torch.Tensor
    weight_scale: torch.Tensor
    bias: torch.Tensor | None

    def __init__(self, layer: torch.nn.Linear) -> None:
        super().__init__()
        weight = layer.weight.detach().float()
        scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127
        self.in_features, self.out_features = layer.in_features, layer.out_features
        self.register_buffer("weight", torch.round(weight / scale[:, None]).to(torch.int8))
        self.register_buffer("weight_scale", scale)
        bias = None if layer.bias is None else layer.bias.detach().float()
        self.register_buffer("bias", bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        rows = hidden.reshape(-1, self.in_features).float()
        scale = rows.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127
        quantized = torch.round(rows / scale).to(torch.int8)
        product = torch._int_mm(quantized, self.weight.t()).float()
        out = product * scale * self.weight_scale
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(*hidden.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8"


def quantize_int8(model: Any) -> Any:
    """Replace every linear layer of a float32 ``model`` but its output layer by an
    :class:`Int8Linear` (in place); returns the model. Warns on a CPU where ``torch._int_mm``
    has no fast kernel (no integer dot-product units)."""
    if not cpu_has_int8_dot():
        warnings.warn(
            "int8 has no fast kernel on this CPU (no AVX512-VNNI, AVX-VNNI or AMX): it runs "
            "many times slower than float32 here (docs/engine.md); use float32",
            UninerWarning,
            stacklevel=2,
        )
    return replace_linears(model, Int8Linear)


def replace_linears(model: Any, convert: Callable[[torch.nn.Linear], torch.nn.Module]) -> Any:
    """Replace every linear layer of ``model`` but its output layer by ``convert(layer)`` (in
    place); returns the model. The output layer's logits decide greedy near-ties: it stays."""
    head = model.get_output_embeddings()
    targets = [
        (name, module)
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and module is not head
    ]
    for name, module in targets:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, convert(module))
    return model
