"""Load a model and serve it with uvicorn: what ``uniner serve`` runs."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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

    model = NERModel.from_pretrained(
        config.model,
        adapter=config.adapter,
        device=config.device,
        dtype=config.dtype,
        backend=config.backend,
    )
    return create_app(model, config)


def serve(config: ServeConfig) -> None:
    """Serve until interrupted (blocking). The page is at ``http://host:port/``."""
    try:
        import uvicorn
    except ImportError as err:
        raise MissingDependencyError("uvicorn", "serve") from err
    app = build_app(config)
    logger.info(
        "serving %s on http://%s:%d/ (%s)",
        config.model or "the default model",
        config.host,
        config.port,
        "API key required" if config.api_key is not None else "no API key",
    )
    if config.api_key is None and not _loopback(config.host):
        logger.warning(
            "listening on %s without an API key: anyone who reaches this port can use the "
            "model (--api-key or UNINER_API_KEY)",
            config.host,
        )
    uvicorn.run(app, host=config.host, port=config.port, log_level="info")


@contextmanager
def running(app: FastAPI, *, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread for the block; yields its base URL.

    For notebooks, benchmarks and tests that need a real HTTP server in this process (sharing
    a model that is already loaded). ``port=None`` picks a free port.

    >>> with running(create_app(model)) as url:  # doctest: +SKIP
    ...     httpx.post(f"{url}/extract", json={"text": "Ada", "types": ["person"]})
    """
    import uvicorn

    port = free_port(host) if port is None else port
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uniner-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on {host}:{port}")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
