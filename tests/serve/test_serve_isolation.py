"""On a real uvicorn server: slow clients and slow batches do not stall other requests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from serve_helpers import DEMO_NAMES, running

from uniner.serve.app import create_app
from uniner.serve.config import ServeConfig
from uniner.serve.gazetteer import GazetteerModel, GazetteerPrediction

pytestmark = pytest.mark.server


class SleepyModel(GazetteerModel):
    """Takes ``seconds`` for every batch, like a large model would."""

    def __init__(self, seconds: float) -> None:
        super().__init__(DEMO_NAMES)
        self.seconds = seconds

    def predict(
        self, texts: Sequence[str], types: Sequence[str], **kw: Any
    ) -> list[GazetteerPrediction]:
        time.sleep(self.seconds)
        return super().predict(texts, types, **kw)


def test_a_client_that_sends_half_a_body_does_not_block_others(gazetteer_url: str) -> None:
    host, port = urlsplit(gazetteer_url).hostname, urlsplit(gazetteer_url).port
    with socket.create_connection((host, port)) as slow:
        slow.sendall(
            b"POST /extract HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 200\r\n\r\n{"text": "Ada Lovel'
        )
        started = time.monotonic()
        response = httpx.post(
            f"{gazetteer_url}/extract",
            json={"text": "in London", "types": ["location"]},
            timeout=10,
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert [e["text"] for e in response.json()["entities"]] == ["London"]
    assert elapsed < 2.0


def test_health_and_validation_answer_while_a_batch_runs() -> None:
    config = ServeConfig(max_wait_ms=0)
    with running(create_app(SleepyModel(3.0), config)) as url:
        body = {"text": "Ada Lovelace", "types": ["person"]}
        slow = threading.Thread(
            target=httpx.post, args=(f"{url}/extract",), kwargs={"json": body, "timeout": 30}
        )
        slow.start()
        time.sleep(0.3)  # the batch is running now
        started = time.monotonic()
        health = httpx.get(f"{url}/health", timeout=10)
        invalid = httpx.post(f"{url}/extract", json={"text": "x", "types": []}, timeout=10)
        elapsed = time.monotonic() - started
        slow.join(30)
    assert health.json()["status"] == "ok"
    assert invalid.status_code == 422
    assert elapsed < 2.0  # neither waited for the 3 s batch
