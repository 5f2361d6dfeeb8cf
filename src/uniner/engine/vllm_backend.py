"""Moved to :mod:`uniner.engine.backends.vllm`; re-exported here for one release.

``VLLMModel`` was a ``NERModel`` subclass; a :class:`~uniner.engine.model.NERModel` now holds
its backend: ``NERModel.from_pretrained(..., backend="vllm")``, or
``NERModel(VLLMBackend(llm, tokenizer, style=...))`` to wrap a ``vllm.LLM`` built by hand.
"""

from __future__ import annotations

from typing import Any

from uniner.engine.backends.vllm import (
    LIST_CLOSE,
    LORA_RANKS,
    Completion,
    Submit,
    VLLMBackend,
    completion_of,
    decode_queries,
    query_prompts,
)
from uniner.engine.model import NERModel
from uniner.engine.options import ExtractOptions
from uniner.prompts import Style

__all__ = [
    "LIST_CLOSE",
    "LORA_RANKS",
    "Completion",
    "Submit",
    "VLLMBackend",
    "VLLMModel",
    "completion_of",
    "decode_queries",
    "query_prompts",
]


def VLLMModel(
    model: Any,
    tokenizer: Any,
    *,
    style: Style,
    name: str = "",
    adapter: str | None = None,
    options: ExtractOptions | None = None,
) -> NERModel:
    """A :class:`NERModel` over a ``vllm.LLM`` built by hand (the old ``VLLMModel(...)``)."""
    backend = VLLMBackend(model, tokenizer, style=style, name=name, adapter=adapter)
    return NERModel(backend, options=options)
