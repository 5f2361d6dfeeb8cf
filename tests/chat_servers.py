"""Real HTTP servers on loopback for the tests that talk to a teacher (annotate, distill).

* ``RecordingProxy`` - a pass-through HTTP proxy that logs a hash of every request body it
  forwards and can hold requests back (to freeze a run mid-way).
* ``ScriptedServer`` - a tiny chat-completions server that answers 429/500/slow/400 on cue.
* ``serve`` - run a request handler on loopback; ``completion`` - a chat-completions body.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RecordingProxy:
    """Forwards POSTs to ``upstream``, logging ``sha256(body)`` of each forwarded request.

    ``forward_limit``: requests beyond it are held (never forwarded) until it is raised.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.forwarded: list[str] = []
        self.forward_limit: int | None = None
        self._generation = 0  # bumped to drop the requests held so far
        self._lock = threading.Condition()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if not proxy._admit(hashlib.sha256(body).hexdigest()):
                    return
                reply = httpx.post(
                    proxy.upstream + self.path.removeprefix("/v1"),
                    content=body,
                    headers={"content-type": "application/json"},
                    timeout=120,
                )
                self.send_response(reply.status_code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(reply.content)))
                self.end_headers()
                self.wfile.write(reply.content)

            def log_message(self, *args: object) -> None:
                pass

        self.server, self.url = serve(Handler)

    def _admit(self, digest: str) -> bool:
        """Wait while the limit is reached; False means: drop this request unforwarded."""
        with self._lock:
            generation = self._generation
            while True:
                if self._generation != generation:
                    return False
                if self.forward_limit is None or len(self.forwarded) < self.forward_limit:
                    self.forwarded.append(digest)
                    return True
                self._lock.wait(timeout=1)

    def release(self, *, drop_held: bool = False) -> None:
        """Lift the limit; held requests are forwarded, or dropped with ``drop_held``."""
        with self._lock:
            self.forward_limit = None
            if drop_held:
                self._generation += 1
            self._lock.notify_all()

    def close(self) -> None:
        self.release(drop_held=True)
        self.server.shutdown()


# Script: the user message decides the behaviour of each attempt.
Behaviour = Callable[[int], tuple[int, float]]  # attempt number -> (status, delay seconds)


class ScriptedServer:
    """A chat-completions endpoint whose answers follow ``behaviours[user message]``.

    Records the arrival time of every attempt per message in ``arrivals``.
    """

    def __init__(self, behaviours: dict[str, Behaviour]) -> None:
        self.arrivals: dict[str, list[float]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["content-length"])))
                message = request["messages"][-1]["content"]
                attempts = server.arrivals.setdefault(message, [])
                attempts.append(time.monotonic())
                status, delay = behaviours[message](len(attempts) - 1)
                time.sleep(delay)
                body = json.dumps(
                    completion(f"[('{message}', 'thing')]")
                    if status == 200
                    else {"error": {"message": f"scripted {status}"}}
                ).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, *args: object) -> None:
                pass

        self.server, self.url = serve(Handler)

    def close(self) -> None:
        self.server.shutdown()


def serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``handler`` on a free loopback port in a daemon thread; the server and its
    OpenAI-style base URL (``http://127.0.0.1:PORT/v1``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def completion(content: str) -> dict[str, object]:
    """An OpenAI chat-completions response whose message is ``content``."""
    return {
        "id": "x", "object": "chat.completion", "created": 0, "model": "scripted",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }  # fmt: skip


def uniner_command(*args: str) -> list[str]:
    """``uniner ARGS`` run with this interpreter."""
    return [sys.executable, "-m", "uniner", *args]


def subprocess_env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}
