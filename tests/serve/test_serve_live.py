"""The real server (uvicorn, loopback HTTP) with the real engine: tiny model, SmolLM2, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from bad_inputs import send_bad_requests
from serve_helpers import free_port, running

from uniner.prompts import TEMPLATE_VERSION
from uniner.serve.app import create_app
from uniner.serve.config import ServeConfig

pytestmark = [pytest.mark.server, pytest.mark.slow]

TEXT = "Ada Lovelace worked with Charles Babbage in London."
TYPES = ["person", "location"]


def assert_well_formed(result: dict[str, Any], text: str, types: list[str]) -> None:
    """Whatever a random model says, every mention must be a typed slice of the text."""
    assert result["text"] == text
    assert set(result) == {"text", "entities"}
    for mention in result["entities"]:
        assert set(mention) == {"start", "end", "text", "type", "score"}
        assert 0 <= mention["start"] < mention["end"] <= len(text)
        assert text[mention["start"] : mention["end"]] == mention["text"]
        assert mention["type"] in types
        assert mention["score"] is None or 0.0 <= mention["score"] <= 1.0
    offsets = [(m["start"], m["end"], m["type"]) for m in result["entities"]]
    assert offsets == sorted(offsets)


def test_tiny_engine_answers_one_and_many_texts(tiny_url: str, tiny_engine: Any) -> None:
    with httpx.Client(base_url=tiny_url, timeout=60) as http:
        one = http.post("/extract", json={"text": TEXT, "types": TYPES})
        many = http.post("/extract", json={"texts": [TEXT, "", "London."], "types": TYPES})
        card = http.get("/model").json()
    assert one.status_code == 200
    assert_well_formed(one.json(), TEXT, TYPES)
    # The server gives what the library gives for the same input.
    expected = [e.span for e in tiny_engine.extract(TEXT, TYPES)]
    assert [(m["start"], m["end"], m["type"]) for m in one.json()["entities"]] == expected
    assert many.status_code == 200
    results = many.json()["results"]
    assert [r["text"] for r in results] == [TEXT, "", "London."]
    assert results[0] == one.json()
    assert results[1]["entities"] == []
    assert card["style"] == tiny_engine.info()["style"]
    assert card["limits"]["max_types"] == ServeConfig().max_types


def test_tiny_engine_bad_inputs_get_only_4xx_and_the_server_stays_healthy(tiny_url: str) -> None:
    with httpx.Client(base_url=tiny_url, timeout=60) as http:
        answers = send_bad_requests(http)
        health = http.get("/health")
        after = http.post("/extract", json={"text": TEXT, "types": TYPES})
    assert len(answers) >= 50
    assert [(a.name, a.status, a.detail) for a in answers if not a.ok] == []
    assert health.json()["status"] == "ok"
    assert after.status_code == 200


def test_concurrent_clients_share_batches(tiny_url: str) -> None:
    def post(i: int) -> httpx.Response:
        with httpx.Client(base_url=tiny_url, timeout=120) as http:
            return http.post("/extract", json={"text": f"{TEXT} ({i})", "types": TYPES})

    with httpx.Client(base_url=tiny_url) as http:
        before = http.get("/health").json()["batcher"]
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(16)))
    with httpx.Client(base_url=tiny_url) as http:
        after = http.get("/health").json()["batcher"]
    assert [r.status_code for r in responses] == [200] * 16
    for i, r in enumerate(responses):
        assert_well_formed(r.json(), f"{TEXT} ({i})", TYPES)
    items = after["items"] - before["items"]
    batches = after["batches"] - before["batches"]
    assert items == 16
    assert batches < 16  # some requests shared a model call
    assert after["largest_batch"] > 1


def test_smollm2_serves_a_request(smollm2_dir: Path) -> None:
    from uniner.engine import NERModel

    model = NERModel.from_pretrained(smollm2_dir, device="cpu", max_new_tokens=16)
    with running(create_app(model)) as url, httpx.Client(base_url=url, timeout=300) as http:
        card = http.get("/model").json()
        response = http.post(
            "/extract", json={"text": TEXT, "types": ["person"], "constrained": True}
        )
        health = http.get("/health").json()
    assert card["name"] == model.info()["name"]
    assert card["max_length"] == model.info()["max_length"]
    assert card["template_version"] == TEMPLATE_VERSION
    assert response.status_code == 200
    assert_well_formed(response.json(), TEXT, ["person"])
    assert health["batcher"]["items"] == 1


def test_the_cli_serves_until_stopped(tiny_model_dir: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "uniner", "serve", "--model", str(tiny_model_dir),
               "--port", str(port), "--max-types", "2", "--device", "cpu"]  # fmt: skip
    # The key comes from the environment, as a deployment would pass it.
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "UNINER_API_KEY": "cli-key"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=env)  # fmt: skip
    try:
        keyed = {"Authorization": "Bearer cli-key"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, headers=keyed) as http:
            _wait_healthy(http, process)
            refused = httpx.get(f"http://127.0.0.1:{port}/model", timeout=60)
            assert http.get("/model").json()["limits"]["max_types"] == 2
            too_many = http.post("/extract", json={"text": TEXT, "types": ["a", "b", "c"]})
            ok = http.post("/extract", json={"text": TEXT, "types": TYPES})
        assert refused.status_code == 401
        assert too_many.status_code == 422
        assert "the limit is 2 (max_types)" in too_many.json()["detail"]
        assert ok.status_code == 200
        assert_well_formed(ok.json(), TEXT, TYPES)
    finally:
        process.terminate()
        process.wait(30)


def _wait_healthy(http: httpx.Client, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"uniner serve exited: {process.stdout.read() if process.stdout else ''}"
            )
        try:
            if http.get("/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError("uniner serve did not become healthy in 180 s")
