"""Load a model and serve it with uvicorn: what ``uniner serve`` runs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from uniner.errors import MissingDependencyError
from uniner.serve.config import ServeConfig

if TYPE_CHECKING:
    from fastapi import FastAPI

logger = logging.getLogger(__name__)


def build_app(config: ServeConfig) -> FastAPI:
    """Load ``config.model`` with the engine and wrap it in the HTTP app."""
    try:
        import fastapi  # noqa: F401 - only checking that the extra is installed
    except ImportError as err:
        raise MissingDependencyError("fastapi", "serve") from err
    from uniner.engine import NERModel
    from uniner.serve.app import create_app

    model = NERModel.from_pretrained(config.model, adapter=config.adapter, device=config.device)
    return create_app(model, config)


def serve(config: ServeConfig) -> None:
    """Serve until interrupted (blocking). The page is at ``http://host:port/``."""
    try:
        import uvicorn
    except ImportError as err:
        raise MissingDependencyError("uvicorn", "serve") from err
    app = build_app(config)
    logger.info(
        "serving %s on http://%s:%d/", config.model or "the default model", config.host, config.port
    )
    uvicorn.run(app, host=config.host, port=config.port, log_level="info")
