"""The score threshold over HTTP: validated 0..1, passed to the model, applied by the engine."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from uniner.serve.app import create_app
from uniner.serve.config import ServeConfig
from uniner.serve.gazetteer import GazetteerModel

TEXT = "Ada Lovelace met Charles Babbage in London."


@pytest.fixture
def model() -> GazetteerModel:
    return GazetteerModel({"person": ["Ada Lovelace"], "city": ["London"]})


@pytest.fixture
def client(model: GazetteerModel) -> TestClient:
    return TestClient(create_app(model, ServeConfig(max_wait_ms=0)))


@pytest.mark.parametrize("value", [0, 0.25, 1, 1.0])
def test_a_threshold_in_range_reaches_the_model(
    client: TestClient, model: GazetteerModel, value: float
) -> None:
    body = {"text": TEXT, "types": ["person"], "threshold": value}
    assert client.post("/extract", json=body).status_code == 200
    assert model.calls[-1]["options"] == {"threshold": value}
    assert isinstance(model.calls[-1]["options"]["threshold"], float)


def test_no_threshold_sends_no_option(client: TestClient, model: GazetteerModel) -> None:
    assert client.post("/extract", json={"text": TEXT, "types": ["person"]}).status_code == 200
    assert model.calls[-1]["options"] == {}


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        (1.5, "threshold: Input should be less than or equal to 1"),
        (-0.1, "threshold: Input should be greater than or equal to 0"),
        ("0.5", "threshold: Input should be a valid number"),
        (True, "threshold: Input should be a valid number"),
        ([0.5], "threshold: Input should be a valid number"),
    ],
)
def test_a_bad_threshold_is_a_422_naming_the_field(
    client: TestClient, model: GazetteerModel, value: Any, detail: str
) -> None:
    response = client.post("/extract", json={"text": TEXT, "types": ["person"], "threshold": value})
    assert response.status_code == 422
    assert detail in response.json()["detail"]
    assert model.calls == []  # refused before the model


def test_nan_is_refused(client: TestClient, model: GazetteerModel) -> None:
    # Python's JSON parser reads the NaN literal; a threshold must still be a finite number.
    body = '{"text": "Ada", "types": ["person"], "threshold": NaN}'
    response = client.post("/extract", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "threshold: Input should be a finite number" in response.json()["detail"]
    assert model.calls == []


def test_texts_with_different_thresholds_do_not_share_a_model_call(
    client: TestClient, model: GazetteerModel
) -> None:
    for value in (0.2, 0.8, 0.2):
        body = {"text": TEXT, "types": ["person"], "threshold": value}
        assert client.post("/extract", json=body).status_code == 200
    assert [c["options"] for c in model.calls] == [{"threshold": v} for v in (0.2, 0.8, 0.2)]


def test_the_model_endpoint_reports_the_threshold_range(client: TestClient) -> None:
    card = client.get("/model").json()
    assert card["number_options"] == {"threshold": [0.0, 1.0]}
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ExtractRequest"]
    threshold = schema["properties"]["threshold"]["anyOf"][0]
    assert (threshold["minimum"], threshold["maximum"]) == (0.0, 1.0)


@pytest.mark.slow
def test_the_engine_behind_the_api_drops_mentions_below_the_threshold() -> None:
    from uniner.engine import NERModel

    engine = NERModel.from_pretrained(device="cpu", dtype="float32")
    client = TestClient(create_app(engine, ServeConfig(max_wait_ms=0)))
    text = "Ada Lovelace met Charles Babbage in London in 1833."
    types = ["person", "city", "year"]
    everything = client.post("/extract", json={"text": text, "types": types}).json()["entities"]
    scores = sorted({e["score"] for e in everything})
    assert len(scores) >= 2, f"expected mentions of different scores: {everything}"
    cut = (scores[0] + scores[-1]) / 2
    body = {"text": text, "types": types, "threshold": cut}
    kept = client.post("/extract", json=body).json()["entities"]
    assert kept == [e for e in everything if e["score"] >= cut]
    assert 0 < len(kept) < len(everything)
    [library] = engine.predict([text], types, threshold=cut)
    assert [(e["start"], e["end"], e["type"]) for e in kept] == [e.span for e in library.entities]


def test_a_request_without_a_threshold_answers_as_before(client: TestClient) -> None:
    body = {"text": TEXT, "types": ["person", "city"]}
    answer = client.post("/extract", json=body).json()
    assert answer == {
        "text": TEXT,
        "entities": [
            {"start": 0, "end": 12, "text": "Ada Lovelace", "type": "person", "score": 1.0},
            {"start": 36, "end": 42, "text": "London", "type": "city", "score": 1.0},
        ],
    }
