"""A corpus of bad requests that a healthy server must answer with 4xx, never 5xx.

The cases are built from the server's own limits (read from ``GET /model``), so "one
character too long" is exact whatever the configuration. ``benchmarks/load_serve.py`` and the
CI tests send the same corpus and then check that ``/health`` still answers ``ok``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

JSON = "application/json"


@dataclass(frozen=True)
class BadRequest:
    """One bad request: what it sends and why it must fail."""

    name: str
    body: bytes
    method: str = "POST"
    path: str = "/extract"
    content_type: str = JSON


@dataclass(frozen=True)
class BadAnswer:
    """How the server answered one bad request."""

    name: str
    status: int
    detail: str

    @property
    def ok(self) -> bool:
        """A bad request must get a 4xx."""
        return 400 <= self.status < 500


def _json(name: str, payload: Any) -> BadRequest:
    return BadRequest(name, json.dumps(payload).encode())


def _raw(name: str, body: bytes | str, content_type: str = JSON) -> BadRequest:
    return BadRequest(
        name, body.encode() if isinstance(body, str) else body, content_type=content_type
    )


def bad_requests(limits: dict[str, int]) -> list[BadRequest]:
    """Every case, sized against ``limits`` (the ``limits`` object of ``GET /model``)."""
    return _malformed() + _wrong_shapes() + _wrong_types() + _over_limits(limits) + _wrong_routes()


def _malformed() -> list[BadRequest]:
    return [
        _raw("empty body", b""),
        _raw("truncated object", '{"text": "Ada", "types": ["person"'),
        _raw("lone brace", "{"),
        _raw("not json", "Ada Lovelace, person"),
        _raw("single quotes", "{'text': 'Ada', 'types': ['person']}"),
        _raw("trailing comma", '{"text": "Ada", "types": ["person"],}'),
        _raw("trailing garbage", '{"text": "Ada", "types": ["person"]} x'),
        _raw("invalid utf-8", b'{"text": "\xff\xfe", "types": ["person"]}'),
        _raw("NaN text", '{"text": NaN, "types": ["person"]}'),
        _raw("deeply nested", "[" * 5000 + "]" * 5000),
        _raw("unterminated string", '{"text": "Ada, "types": ["person"]}'),
    ]


def _wrong_shapes() -> list[BadRequest]:
    return [
        _json("top-level array", [{"text": "Ada", "types": ["person"]}]),
        _json("top-level null", None),
        _json("top-level string", "Ada"),
        _json("top-level number", 42),
        _json("top-level true", True),
        _json("empty object", {}),
        _json("missing types", {"text": "Ada"}),
        _json("missing text", {"types": ["person"]}),
        _json("text and texts", {"text": "Ada", "texts": ["Ada"], "types": ["person"]}),
        _json("null text and no texts", {"text": None, "types": ["person"]}),
        _json("unknown field", {"text": "Ada", "types": ["person"], "lang": "en"}),
        _json("misspelt option", {"text": "Ada", "types": ["person"], "keep_ungroundd": True}),
        _raw("form content type", "text=Ada&types=person", "application/x-www-form-urlencoded"),
    ]


def _wrong_types() -> list[BadRequest]:
    ok = {"text": "Ada Lovelace", "types": ["person"]}
    return [
        _json("text is a number", {**ok, "text": 3}),
        _json("text is a list", {**ok, "text": ["Ada"]}),
        _json("text is an object", {**ok, "text": {"value": "Ada"}}),
        _json("text is a bool", {**ok, "text": True}),
        _json("types is a string", {**ok, "types": "person"}),
        _json("types is a number", {**ok, "types": 1}),
        _json("types is an object", {**ok, "types": {"person": 1}}),
        _json("types is null", {**ok, "types": None}),
        _json("types is empty", {**ok, "types": []}),
        _json("types are blank", {**ok, "types": ["", "  ", "\n"]}),
        _json("type is a number", {**ok, "types": [1]}),
        _json("type is null", {**ok, "types": [None]}),
        _json("type is a list", {**ok, "types": [["person"]]}),
        _json("one type is a number", {**ok, "types": ["person", 3]}),
        _json("texts is a string", {"texts": "Ada", "types": ["person"]}),
        _json("texts is empty", {"texts": [], "types": ["person"]}),
        _json("texts holds a number", {"texts": ["Ada", 3], "types": ["person"]}),
        _json("texts holds null", {"texts": [None], "types": ["person"]}),
        _json("texts is nested", {"texts": [["Ada"]], "types": ["person"]}),
        _json("option is a string", {**ok, "keep_ungrounded": "yes"}),
        _json("option is a number", {**ok, "flat": 1}),
        _json("option is a string false", {**ok, "constrained": "false"}),
        _json("dataset is a number", {**ok, "dataset": 5}),
        _raw("lone surrogate in text", '{"text": "Ada \\ud800", "types": ["person"]}'),
        _raw("lone surrogate in type", '{"text": "Ada", "types": ["per\\udfffson"]}'),
        _json("huge number text", {**ok, "text": 10**400}),
    ]


def _over_limits(limits: dict[str, int]) -> list[BadRequest]:
    ok = {"text": "Ada Lovelace", "types": ["person"]}
    many_types = [f"type {i}" for i in range(limits["max_types"] + 1)]
    long_text = "a" * (limits["max_text_chars"] + 1)
    return [
        _json("too many types", {**ok, "types": many_types}),
        _json("type too long", {**ok, "types": ["t" * (limits["max_type_chars"] + 1)]}),
        _json("text too long", {**ok, "text": long_text}),
        _json("text too long in texts", {"texts": ["Ada", long_text], "types": ["person"]}),
        _json("too many texts", {"texts": ["Ada"] * (limits["max_texts"] + 1), "types": ["x"]}),
        _json("many blank types", {**ok, "types": [""] * 5000}),
        _raw("body too large", b'{"text": "' + b"a" * limits["max_body_bytes"] + b'"}'),
    ]


def _wrong_routes() -> list[BadRequest]:
    body = json.dumps({"text": "Ada", "types": ["person"]}).encode()
    return [
        BadRequest("GET on /extract", b"", method="GET"),
        BadRequest("PUT on /extract", body, method="PUT"),
        BadRequest("DELETE on /extract", b"", method="DELETE"),
        BadRequest("unknown path", body, path="/extract/v2"),
        BadRequest("POST on /health", body, path="/health"),
    ]


def send_bad_requests(client: httpx.Client) -> list[BadAnswer]:
    """Send the whole corpus through ``client`` (its ``base_url`` set to the server)."""
    limits = client.get("/model").raise_for_status().json()["limits"]
    answers = []
    for case in bad_requests(limits):
        response = client.request(
            case.method, case.path, content=case.body, headers={"content-type": case.content_type}
        )
        answers.append(BadAnswer(case.name, response.status_code, _detail(response)))
    return answers


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", "")
    except (ValueError, AttributeError):
        return response.text[:200]
    return detail if isinstance(detail, str) else json.dumps(detail)[:200]
