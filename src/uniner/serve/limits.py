"""Guards in front of the routes: a request-body size limit and readable validation messages."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLargeError(Exception):
    """A streamed (chunked) body passed the size limit while being read."""


class BodySizeLimit:
    """Answer 413 to a request whose body is larger than ``max_bytes``.

    The declared ``Content-Length`` is checked before anything is read; a chunked body with no
    length is counted as it arrives and cut off at the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await self._answer(send, 400, "Content-Length is not a number")
                return
            if length > self.max_bytes:
                await self._answer(send, 413, self._too_large(length))
                return
        await self.app(scope, self._counting(receive), send)

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLargeError(self._too_large(seen))
            return message

        return counted

    def _too_large(self, size: int) -> str:
        return f"request body of {size} bytes; the limit is {self.max_bytes} (max_body_bytes)"

    @staticmethod
    async def _answer(send: Send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def validation_message(errors: Sequence[Any]) -> str:
    """One line per problem, e.g. ``types: Input should be a valid list``."""
    lines = []
    for error in errors:
        if error.get("type") == "json_invalid":
            lines.append(f"malformed JSON: {error.get('ctx', {}).get('error', error.get('msg'))}")
            continue
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        where = ".".join(loc) or "body"
        lines.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(lines) or "invalid request"


def undecodable_message(err: UnicodeDecodeError) -> str:
    """What is wrong with a body that is not text, e.g. ``the request body is not valid UTF-8:
    byte 0xff at offset 10 (invalid start byte)``."""
    encoding = err.encoding.upper().replace("_", "-")
    bad = err.object[err.start : err.end]
    what = f"byte 0x{bad.hex()}" if len(bad) == 1 else f"bytes 0x{bad.hex()}"
    return (
        f"the request body is not valid {encoding}: {what} at offset {err.start} ({err.reason}); "
        "send JSON encoded as UTF-8"
    )
