"""Decoding backends behind one interface, :class:`QueryBackend`; :func:`load_backend` picks
one by name (``transformers``: CPU or GPU; ``vllm``: GPU, ``pip install 'uniner[vllm]'``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from uniner.engine.backends.base import BACKENDS, BackendName, QueryBackend
from uniner.prompts import Style

__all__ = ["BACKENDS", "BackendName", "QueryBackend", "load_backend"]


def load_backend(
    backend: BackendName,
    name_or_path: str | Path | None = None,
    *,
    adapter: str | Path | None = None,
    device: str | None = None,
    dtype: Any = None,
    style: Style | None = None,
) -> QueryBackend:
    """Load a student into the named backend (imported only when asked for)."""
    if backend == "transformers":
        from uniner.engine.backends.transformers import TransformersBackend

        loader: Any = TransformersBackend
    elif backend == "vllm":
        from uniner.engine.backends.vllm import VLLMBackend

        loader = VLLMBackend
    else:
        raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
    loaded: QueryBackend = loader.load(
        name_or_path, adapter=adapter, device=device, dtype=dtype, style=style
    )
    return loaded
