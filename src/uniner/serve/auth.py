"""An API key on the server: ``Authorization: Bearer KEY`` on every route but the open ones.

Deny by default, as llama.cpp's server does (vLLM's guards its registered routes the same
way): every path needs the key, so an unknown path answers 401, not 404, to a client without
it, except :data:`OPEN_PATHS` and what is under :data:`OPEN_PREFIXES`: the health check a load
balancer polls, the page and its static files (they hold no data; the page asks for the key and
sends it), and the API's description. The key itself is ``ServeConfig.api_key``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING

from uniner.serve.config import check_api_key

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

# The paths anyone may GET: the health check, the page, and the API's description.
OPEN_PATHS = frozenset(
    {"/", "/health", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
)
OPEN_PREFIXES = ("/static/",)  # the page's script and style sheet
# What a 401 tells the client to send (RFC 6750).
CHALLENGE = "Bearer"


def is_open(path: str) -> bool:
    """Whether ``path`` is answered without the key."""
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


class ApiKeyAuth:
    """Answer 401 to a request for a closed path without ``Authorization: Bearer <key>``.

    The key is compared as SHA-256 digests with :func:`hmac.compare_digest`, so the time taken
    says nothing about how much of a guess was right, nor about the key's length.
    """

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        check_api_key(api_key)
        self.app = app
        self._digest = hashlib.sha256(api_key.encode("ascii")).digest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_open(scope["path"]):
            await self.app(scope, receive, send)
            return
        problem = self._problem(dict(scope.get("headers") or []).get(b"authorization"))
        if problem is None:
            await self.app(scope, receive, send)
            return
        await _unauthorized(send, problem)

    def _problem(self, header: bytes | None) -> str | None:
        """None when the header carries the key; else what is wrong, for the client."""
        if header is None:
            return "this server needs an API key: send 'Authorization: Bearer <key>'"
        scheme, _, token = header.strip().partition(b" ")
        if scheme.lower() != b"bearer" or not token.strip():
            return "the Authorization header must be 'Bearer <key>'"
        given = hashlib.sha256(token.strip()).digest()
        if not hmac.compare_digest(given, self._digest):
            return "wrong API key"
        return None


async def _unauthorized(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        (b"www-authenticate", CHALLENGE.encode()),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})
