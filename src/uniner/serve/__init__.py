"""Serving: an HTTP API with micro-batching and a web page (``uniner serve``; docs/serving.md).

``config`` (limits) and ``batcher`` need nothing beyond the standard library; ``app`` and
``server`` need the ``serve`` extra (FastAPI, uvicorn) and are imported when first used.

>>> from uniner.serve import ServeConfig, create_app, running  # doctest: +SKIP
>>> with running(create_app(model, ServeConfig(max_types=8))) as url:  # doctest: +SKIP
...     httpx.post(f"{url}/extract", json={"text": "Ada Lovelace", "types": ["person"]})
"""

from __future__ import annotations

from typing import Any

from uniner.serve.batcher import MicroBatcher, QueueFullError
from uniner.serve.config import ServeConfig

__all__ = ["MicroBatcher", "QueueFullError", "ServeConfig", "create_app", "running", "serve"]

# name -> module that defines it; these modules import FastAPI, so they load on first use.
_LAZY = {
    "create_app": "uniner.serve.app",
    "running": "uniner.serve.server",
    "serve": "uniner.serve.server",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'uniner.serve' has no attribute {name!r}")
