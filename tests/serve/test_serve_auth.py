"""The API key (``ServeConfig.api_key``, ``uniner serve --api-key``, ``UNINER_API_KEY``).

The app's rules with FastAPI's test client, then the same over real HTTP (uvicorn on loopback).
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from bad_inputs import send_bad_requests
from fastapi.testclient import TestClient
from serve_helpers import DEMO_NAMES, running

from uniner.serve.app import create_app
from uniner.serve.config import ServeConfig
from uniner.serve.gazetteer import GazetteerModel

KEY = "s3cret-Key_42"
BODY = {"text": "Ada Lovelace lived in London.", "types": ["person"]}
ADA = {"start": 0, "end": 12, "text": "Ada Lovelace", "type": "person", "score": 1.0}


@pytest.fixture
def model() -> GazetteerModel:
    return GazetteerModel(DEMO_NAMES)


@pytest.fixture
def client(model: GazetteerModel) -> TestClient:
    return TestClient(create_app(model, ServeConfig(api_key=KEY, max_wait_ms=0)))


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "this server needs an API key: send 'Authorization: Bearer <key>'"),
        (bearer("wrong"), "wrong API key"),
        (bearer(KEY + "x"), "wrong API key"),
        (bearer(KEY[:-1]), "wrong API key"),
        ({"Authorization": KEY}, "the Authorization header must be 'Bearer <key>'"),
        ({"Authorization": f"Basic {KEY}"}, "the Authorization header must be 'Bearer <key>'"),
        ({"Authorization": "Bearer "}, "the Authorization header must be 'Bearer <key>'"),
        ({"Authorization": "Bearer k\u00e9y".encode("latin-1")}, "wrong API key"),
    ],
)
def test_the_api_answers_401_without_the_right_key(
    client: TestClient, model: GazetteerModel, headers: dict[str, Any], detail: str
) -> None:
    for response in (client.post("/extract", json=BODY, headers=headers),
                     client.get("/model", headers=headers)):  # fmt: skip
        assert response.status_code == 401
        assert response.json() == {"detail": detail}
        assert response.headers["www-authenticate"] == "Bearer"
    assert model.calls == []


def test_the_key_opens_the_api(client: TestClient) -> None:
    extract = client.post("/extract", json=BODY, headers=bearer(KEY))
    assert extract.status_code == 200
    assert extract.json() == {"text": BODY["text"], "entities": [ADA]}
    # The scheme is case-insensitive (RFC 7235).
    card = client.get("/model", headers={"Authorization": f"bearer {KEY}"})
    assert card.status_code == 200
    assert card.json()["name"] == "gazetteer"
    assert "api_key" not in str(card.json())


def test_health_the_page_and_the_docs_stay_open(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    assert 'id="api-key"' in client.get("/").text
    for path in ("/static/app.js", "/static/style.css", "/docs", "/openapi.json"):
        assert client.get(path).status_code == 200, path
    # The docs say which routes take the key, so /docs's "Authorize" button can send it.
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"] == {
        "HTTPBearer": {"type": "http", "scheme": "bearer"}
    }
    assert spec["paths"]["/extract"]["post"]["security"] == [{"HTTPBearer": []}]
    assert spec["paths"]["/model"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in spec["paths"]["/health"]["get"]


def test_closed_by_default_unknown_paths_and_big_bodies_get_401_first(client: TestClient) -> None:
    assert client.get("/nope").status_code == 401
    assert client.get("/nope", headers=bearer(KEY)).status_code == 404
    assert client.post("/health/../extract", json=BODY).status_code == 401
    big = b'{"text": "' + b"a" * 2_000_000 + b'"}'
    headers = {"content-type": "application/json"}
    assert client.post("/extract", content=big, headers=headers).status_code == 401
    assert (
        client.post("/extract", content=big, headers={**headers, **bearer(KEY)}).status_code == 413
    )


def test_without_a_key_the_api_is_open(model: GazetteerModel) -> None:
    client = TestClient(create_app(model, ServeConfig(max_wait_ms=0)))
    assert client.post("/extract", json=BODY).status_code == 200
    assert client.post("/extract", json=BODY, headers=bearer("anything")).status_code == 200
    assert "securitySchemes" not in client.get("/openapi.json").json().get("components", {})


@pytest.mark.parametrize(
    ("key", "error", "message"),
    [
        ("", ValueError, r"api_key must not be empty \(None: no key\)"),
        ("two words", ValueError, "visible ASCII without spaces: character 3 is ' '"),
        ("cl\u00e9", ValueError, "visible ASCII without spaces: character 2 is '\u00e9'"),
        ("tab\t", ValueError, r"character 3 is '\\t'"),
        (42, TypeError, "api_key must be a string or None, got int"),
    ],
)
def test_config_refuses_keys_that_cannot_travel_in_a_header(
    key: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        ServeConfig(api_key=key)


def test_the_key_is_never_printed() -> None:
    config = ServeConfig(api_key=KEY)
    assert KEY not in repr(config)
    assert KEY not in str(config.limits()) + str(config.batching())


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        ([], {}, None),
        ([], {"UNINER_API_KEY": "from-env"}, "from-env"),
        ([], {"UNINER_API_KEY": ""}, None),
        (["--api-key", "from-flag"], {"UNINER_API_KEY": "from-env"}, "from-flag"),
    ],
)
def test_the_cli_takes_the_key_from_the_flag_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], env: dict[str, str], expected: str | None
) -> None:
    import uniner.serve.server
    from uniner.cli import build_parser

    monkeypatch.delenv("UNINER_API_KEY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    served: list[ServeConfig] = []
    monkeypatch.setattr(uniner.serve.server, "serve", served.append)
    args: argparse.Namespace = build_parser().parse_args(["serve", *argv])
    assert args.func(args) == 0
    assert [config.api_key for config in served] == [expected]


@pytest.fixture(scope="module")
def keyed_url() -> Iterator[str]:
    config = ServeConfig(api_key=KEY, max_wait_ms=0)
    with running(create_app(GazetteerModel(DEMO_NAMES), config)) as url:
        yield url


@pytest.mark.server
def test_over_http_401_without_or_with_a_wrong_key_200_with_it(keyed_url: str) -> None:
    with httpx.Client(base_url=keyed_url, timeout=30) as http:
        missing = http.post("/extract", json=BODY)
        wrong = http.post("/extract", json=BODY, headers=bearer("nope"))
        right = http.post("/extract", json=BODY, headers=bearer(KEY))
        health = http.get("/health")
        page = http.get("/static/app.js")
    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert missing.headers["www-authenticate"] == wrong.headers["www-authenticate"] == "Bearer"
    assert wrong.json() == {"detail": "wrong API key"}
    assert right.json() == {"text": BODY["text"], "entities": [ADA]}
    assert health.status_code == page.status_code == 200


@pytest.mark.server
def test_over_http_keyed_clients_get_the_usual_answers_to_bad_input(keyed_url: str) -> None:
    with httpx.Client(base_url=keyed_url, timeout=30, headers=bearer(KEY)) as http:
        answers = send_bad_requests(http)
        assert http.post("/extract", json=BODY).status_code == 200
    assert [(a.name, a.status, a.detail) for a in answers if not a.ok] == []
    assert not [a for a in answers if a.status == 401]


@pytest.mark.server
@pytest.mark.parametrize("path", ["/static/../model", "/static/..%2fmodel", "/static/%2e%2e/model"])
def test_over_http_a_path_climbing_out_of_static_reaches_no_route(
    keyed_url: str, path: str
) -> None:
    # Sent as raw bytes: HTTP clients normalize "..", an attacker's client need not. The open
    # /static/ prefix only ever reaches the static files, which refuse to leave their folder.
    host, port = keyed_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 404 Not Found"
    assert rest.endswith(b'{"detail":"Not Found"}')
