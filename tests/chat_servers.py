"""Real HTTP servers on loopback for the tests that talk to a teacher (annotate, distill).

* ``RecordingProxy`` - a pass-through HTTP proxy that logs a hash of every request body it
  forwards and can hold requests back (to freeze a run mid-way).
* ``ScriptedServer`` - a tiny chat-completions server that answers 429/500/slow/400 on cue.
* ``BatchServer`` - OpenAI's Files and Batches endpoints (and chat completions), with batches
  that complete, expire or fail on cue and requests that fail inside a batch.
* ``serve`` - run a request handler on loopback; ``completion`` - a chat-completions body.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

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


class BatchServer:
    """The endpoints the ``openai`` SDK uses for batches, served on loopback.

    ``files.create`` (multipart, purpose ``batch``), ``batches.create`` / ``retrieve`` / ``list``,
    ``files.content``, and ``chat.completions.create`` for the online path. Every request is
    answered by ``answer(user message)``, in a batch or online, with the usage of
    ``completion``, so both paths give the same answers.

    A batch is ``validating`` when created and moves one step each time it is retrieved:
    ``in_progress``, then (while ``hold`` is False) the outcome popped from ``outcomes``
    (``completed`` when empty): ``completed``; ``expired`` (the first ``expire_after``
    requests answered, the rest ``batch_expired`` in the error file); ``failed`` (validation
    failed, no result files). An input file with a custom_id longer than 64 characters or
    repeated, or a line not for ``POST /v1/chat/completions``, fails its batch the same way, with
    the lines named. In a completed or expired batch, a request whose user message contains one
    of ``fail_in_batch`` gets a 500 in the error file. The next ``lose_create_answers`` creates
    make their batch but answer 500, as when a response is lost on the way.

    Counters: ``files_created``, ``batches_created``, ``retrieves``, ``chat_requests``.
    """

    def __init__(self, answer: Callable[[str], str]) -> None:
        self.answer = answer
        self.outcomes: list[str] = []
        self.expire_after = 0
        self.fail_in_batch: tuple[str, ...] = ()
        self.hold = False
        self.lose_create_answers = 0
        self.files: dict[str, dict[str, Any]] = {}  # id -> file object, with its "data"
        self.batches: dict[str, dict[str, Any]] = {}  # id -> batch object
        self.files_created = self.batches_created = self.retrieves = self.chat_requests = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                path = urlsplit(self.path).path.removeprefix("/v1")
                body = self.rfile.read(int(self.headers["content-length"]))
                with owner._lock:
                    if path == "/files":
                        self._json(owner._create_file(self.headers["content-type"], body))
                    elif path == "/batches":
                        self._json(*owner._create_batch(json.loads(body)))
                    elif path == "/chat/completions":
                        owner.chat_requests += 1
                        self._json(owner._complete(json.loads(body)))
                    else:
                        self._json({"error": {"message": f"no route {path}"}}, 404)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path.removeprefix("/v1")
                with owner._lock:
                    if path == "/batches":
                        data = sorted(owner.batches.values(), key=lambda b: -b["created_at"])
                        self._json({"object": "list", "data": data, "has_more": False})
                    elif match := re.fullmatch(r"/batches/([\w-]+)", path):
                        self._json(owner._retrieve(match[1]))
                    elif match := re.fullmatch(r"/files/([\w-]+)/content", path):
                        self._raw(owner.files[match[1]]["data"])
                    else:
                        self._json({"error": {"message": f"no route {path}"}}, 404)

            def _json(self, value: object, status: int = 200) -> None:
                self._raw(json.dumps(value).encode(), status, "application/json")

            def _raw(
                self, data: bytes, status: int = 200, kind: str = "application/octet-stream"
            ) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server, self.url = serve(Handler)

    def close(self) -> None:
        self.server.shutdown()

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def _add_file(self, name: str, data: bytes, purpose: str) -> str:
        file_id = self._new_id("file")
        self.files[file_id] = {
            "id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
            "filename": name, "purpose": purpose, "status": "processed", "data": data,
        }  # fmt: skip
        return file_id

    def _create_file(self, content_type: str, body: bytes) -> dict[str, Any]:
        head = f"content-type: {content_type}\r\n\r\n".encode()
        form = BytesParser(policy=HTTP).parsebytes(head + body)
        fields = {part.get_param("name", header="content-disposition"): part for part in
                  form.iter_parts()}  # fmt: skip
        upload = fields["file"]
        purpose = fields["purpose"].get_payload(decode=True).decode()
        assert purpose == "batch", purpose
        self.files_created += 1
        file_id = self._add_file(upload.get_filename(), upload.get_payload(decode=True), purpose)
        return {k: v for k, v in self.files[file_id].items() if k != "data"}

    def _create_batch(self, request: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """The batch made and the HTTP status, or an error and 500 if its answer is lost."""
        batch = self._make_batch(request)
        if self.lose_create_answers > 0:
            self.lose_create_answers -= 1
            return {"error": {"message": "scripted lost answer"}}, 500
        return batch, 200

    def _make_batch(self, request: dict[str, Any]) -> dict[str, Any]:
        assert request["endpoint"] == "/v1/chat/completions", request
        assert request["completion_window"] == "24h", request
        lines = self.files[request["input_file_id"]]["data"].decode().splitlines()
        invalid = _invalid_lines([json.loads(line) for line in lines])
        self.batches_created += 1
        batch_id = self._new_id("batch")
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": request["endpoint"], "errors": None,
            "input_file_id": request["input_file_id"], "completion_window": "24h",
            "status": "validating", "output_file_id": None, "error_file_id": None,
            "created_at": int(time.time() * 1000) + self.batches_created,
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "metadata": request.get("metadata"),
            "outcome": self.outcomes.pop(0) if self.outcomes else "completed",
            "invalid": invalid,
        }  # fmt: skip
        return self._public(batch_id)

    def _public(self, batch_id: str) -> dict[str, Any]:
        return {k: v for k, v in self.batches[batch_id].items() if k not in ("outcome", "invalid")}

    def _retrieve(self, batch_id: str) -> dict[str, Any]:
        self.retrieves += 1
        batch = self.batches[batch_id]
        if batch["status"] == "validating":
            batch["status"] = "in_progress"
        elif batch["status"] == "in_progress" and not self.hold:
            self._finish(batch)
        return self._public(batch_id)

    def _finish(self, batch: dict[str, Any]) -> None:
        if batch["outcome"] == "failed" or batch["invalid"]:
            batch["status"] = "failed"
            batch["errors"] = {"object": "list", "data": batch["invalid"] or [
                {"code": "invalid_request", "message": "scripted validation failure",
                 "line": 1, "param": None},
            ]}  # fmt: skip
            return
        output, errors = [], []
        requests = self.files[batch["input_file_id"]]["data"].decode().splitlines()
        for number, line in enumerate(map(json.loads, requests)):
            result: dict[str, Any] = {"id": f"req-{number}", "custom_id": line["custom_id"]}
            message = line["body"]["messages"][-1]["content"]
            if batch["outcome"] == "expired" and number >= self.expire_after:
                errors.append({**result, "response": None, "error": {
                    "code": "batch_expired", "message": "This request could not be executed "
                    "before the completion window expired."}})  # fmt: skip
            elif any(marker in message for marker in self.fail_in_batch):
                errors.append({**result, "error": None, "response": {
                    "status_code": 500, "request_id": "r",
                    "body": {"error": {"message": "scripted server error"}}}})  # fmt: skip
            else:
                output.append({**result, "error": None, "response": {
                    "status_code": 200, "request_id": "r",
                    "body": self._complete(line["body"])}})  # fmt: skip
        batch["status"] = "expired" if batch["outcome"] == "expired" else "completed"
        batch["request_counts"].update(completed=len(output), failed=len(errors))
        for key, rows in (("output_file_id", output), ("error_file_id", errors)):
            if rows:
                data = "".join(json.dumps(row) + "\n" for row in rows).encode()
                batch[key] = self._add_file(f"{batch['id']}-{key}.jsonl", data, "batch_output")

    def _complete(self, body: dict[str, Any]) -> dict[str, Any]:
        return completion(self.answer(body["messages"][-1]["content"]))


def _invalid_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The validation errors of a batch input file, as the Batch API reports them."""
    errors = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        custom_id = line.get("custom_id")
        problem = (
            "custom_id must be a string of at most 64 characters"
            if not isinstance(custom_id, str) or not 0 < len(custom_id) <= 64
            else "custom_id is not unique"
            if custom_id in seen
            else "method must be POST and url /v1/chat/completions"
            if (line.get("method"), line.get("url")) != ("POST", "/v1/chat/completions")
            else None
        )
        seen.add(str(custom_id))
        if problem:
            errors.append({"code": "invalid_request", "message": problem, "line": number,
                           "param": None})  # fmt: skip
    return errors


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
