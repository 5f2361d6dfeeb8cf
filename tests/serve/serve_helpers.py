"""Helpers of the serve tests: a real uvicorn server on a free loopback port, in a thread.

Running uvicorn in-process (rather than as a subprocess) lets the tests share one loaded
engine; it is still the real server: real sockets, real HTTP, the real app.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from uniner.serve.config import ServeConfig

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_NAMES = {
    "person": ["Ada Lovelace", "Charles Babbage"],
    "location": ["London"],
    "date": ["1843"],
    "product": ["Analytical Engine"],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(model: Any, config: ServeConfig | None = None) -> Iterator[str]:
    """Serve ``model`` with uvicorn until the block ends; yields the base URL."""
    import uvicorn

    from uniner.serve.app import create_app

    port = free_port()
    app = create_app(model, config or ServeConfig(port=port))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
