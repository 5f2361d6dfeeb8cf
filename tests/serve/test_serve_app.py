"""The HTTP app with a dictionary model: exact answers, limits, batching, failure isolation."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from bad_inputs import bad_requests, send_bad_requests
from fastapi.testclient import TestClient

from uniner.serve.app import STATIC, create_app
from uniner.serve.config import ServeConfig
from uniner.serve.gazetteer import GazetteerModel, GazetteerPrediction

NAMES = {"person": ["Ada Lovelace", "Charles Babbage"], "city": ["London"]}
TEXT = "Ada Lovelace met Charles Babbage in London."


@pytest.fixture
def model() -> GazetteerModel:
    return GazetteerModel(NAMES, fail_on="POISON")


@pytest.fixture
def client(model: GazetteerModel) -> TestClient:
    config = ServeConfig(max_types=3, max_text_chars=50, max_texts=4, max_wait_ms=0)
    return TestClient(create_app(model, config))


def test_extract_one_text_gives_exact_mentions(client: TestClient) -> None:
    response = client.post("/extract", json={"text": TEXT, "types": ["person", "city"]})
    assert response.status_code == 200
    assert response.json() == {
        "text": TEXT,
        "entities": [
            {"start": 0, "end": 12, "text": "Ada Lovelace", "type": "person", "score": 1.0},
            {"start": 17, "end": 32, "text": "Charles Babbage", "type": "person", "score": 1.0},
            {"start": 36, "end": 42, "text": "London", "type": "city", "score": 1.0},
        ],
    }


def test_extract_texts_answers_each_in_order_and_blanks_skip_the_model(
    client: TestClient, model: GazetteerModel
) -> None:
    texts = ["in London", "   ", "Ada Lovelace"]
    response = client.post("/extract", json={"texts": texts, "types": [" city ", "person"]})
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"text": "in London", "entities": [_mention(3, 9, "London", "city")]},
            {"text": "   ", "entities": []},
            {"text": "Ada Lovelace", "entities": [_mention(0, 12, "Ada Lovelace", "person")]},
        ]
    }
    # Types are cleaned; the blank text never reached the model.
    assert sorted(t for call in model.calls for t in call["texts"]) == ["Ada Lovelace", "in London"]
    assert all(call["types"] == ["city", "person"] for call in model.calls)


def test_options_and_dataset_reach_the_model(client: TestClient, model: GazetteerModel) -> None:
    body = {"text": "London", "types": ["city"], "dataset": "conll", "keep_ungrounded": True}
    assert client.post("/extract", json=body).status_code == 200
    assert model.calls == [
        {
            "texts": ["London"],
            "types": ["city"],
            "dataset": "conll",
            "options": {"keep_ungrounded": True},
        }
    ]


def test_model_endpoint_reports_the_configured_limits(client: TestClient) -> None:
    card = client.get("/model").json()
    assert card["name"] == "gazetteer"
    assert card["template_version"] == "uniner-prompts-1"
    assert card["options"] == ["keep_ungrounded", "flat", "constrained"]
    assert card["limits"] == {
        "max_text_chars": 50,
        "max_texts": 4,
        "max_types": 3,
        "max_type_chars": 100,
        "max_description_chars": 1000,
        "max_body_bytes": 1_000_000,
    }
    assert card["batching"]["max_wait_ms"] == 0


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {"/extract", "/health", "/model"}
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"text": TEXT, "types": []}, 422, "no entity types given"),
        ({"text": TEXT, "types": ["a", "b", "c", "d"]}, 422, "limit is 3 (max_types)"),
        ({"text": "x" * 51, "types": ["city"]}, 422, "51 characters; the limit is 50"),
        ({"texts": ["a"] * 5, "types": ["city"]}, 422, "5 texts in one request; the limit is 4"),
        ({"text": 7, "types": ["city"]}, 422, "text: Input should be a valid string"),
        ({"text": TEXT, "types": "city"}, 422, "types: Input should be a valid list"),
        ({"text": TEXT, "types": ["city"], "flat": "no"}, 422, "flat: Input should be a valid"),
    ],
)
def test_bad_requests_get_a_plain_4xx(
    client: TestClient, body: dict[str, Any], status: int, detail: str
) -> None:
    response = client.post("/extract", json=body)
    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_malformed_json_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/extract", content=b'{"text": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("malformed JSON")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            b'{"text": "\xff\xfe", "types": ["person"]}',
            "the request body is not valid UTF-8: byte 0xff at offset 10 (invalid start byte); "
            "send JSON encoded as UTF-8",
        ),
        (
            '{"text": "Zo\u00eb", "types": ["person"]}'.encode("latin-1"),
            "the request body is not valid UTF-8: byte 0xeb at offset 12 (invalid continuation "
            "byte); send JSON encoded as UTF-8",
        ),
    ],
)
def test_a_body_that_is_not_utf8_gets_a_400_that_says_so(
    client: TestClient, body: bytes, detail: str
) -> None:
    response = client.post("/extract", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"detail": detail}


def test_other_http_errors_keep_their_answers(client: TestClient) -> None:
    assert client.get("/nope").json() == {"detail": "Not Found"}
    wrong_method = client.get("/extract")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"


def test_the_bad_input_corpus_gets_only_4xx_and_leaves_the_server_healthy(
    client: TestClient, model: GazetteerModel
) -> None:
    answers = send_bad_requests(client)
    assert len(answers) >= 50
    assert [a for a in answers if not a.ok] == []
    assert model.calls == []  # no bad request cost model time
    assert client.get("/health").json()["status"] == "ok"
    assert client.post("/extract", json={"text": "London", "types": ["city"]}).status_code == 200


def test_the_corpus_is_sized_from_the_limits() -> None:
    limits = {"max_text_chars": 5, "max_texts": 2, "max_types": 1, "max_type_chars": 3,
              "max_body_bytes": 10}  # fmt: skip
    cases = {case.name: case for case in bad_requests(limits)}
    assert cases["text too long"].body == b'{"text": "aaaaaa", "types": ["person"]}'
    assert cases["type too long"].body == b'{"text": "Ada Lovelace", "types": ["tttt"]}'
    assert len(cases) == len(bad_requests(limits))  # names are unique


def test_a_failing_text_gets_a_422_and_concurrent_requests_still_succeed(
    model: GazetteerModel,
) -> None:
    app = create_app(model, ServeConfig(max_wait_ms=200))

    async def both() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            bad = http.post("/extract", json={"text": "POISON here", "types": ["city"]})
            good = http.post("/extract", json={"text": "to London", "types": ["city"]})
            return list(await asyncio.gather(bad, good))

    bad, good = asyncio.run(both())
    assert bad.status_code == 422
    assert bad.json()["detail"] == "the model refused the input: text contains 'POISON'"
    assert good.status_code == 200
    assert good.json()["entities"] == [_mention(3, 9, "London", "city")]
    # Both shared one batch, which failed and was re-run item by item.
    assert [call["texts"] for call in model.calls] == [
        ["POISON here", "to London"],
        ["POISON here"],
        ["to London"],
    ]


def test_concurrent_requests_are_batched_together(model: GazetteerModel) -> None:
    app = create_app(model, ServeConfig(max_wait_ms=300, max_batch_size=8))
    texts = [f"London {i}" for i in range(6)]

    async def many() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            calls = [http.post("/extract", json={"text": t, "types": ["city"]}) for t in texts]
            return list(await asyncio.gather(*calls))

    responses = asyncio.run(many())
    assert [r.json()["text"] for r in responses] == texts
    assert [call["texts"] for call in model.calls] == [texts]


class SlowModel(GazetteerModel):
    """Sleeps in every call, to run a request past its time limit."""

    def predict(
        self, texts: Sequence[str], types: Sequence[str], **kw: Any
    ) -> list[GazetteerPrediction]:
        time.sleep(0.5)
        return super().predict(texts, types, **kw)


def test_a_request_past_its_time_limit_gets_a_503() -> None:
    config = ServeConfig(request_timeout_s=0.1, max_wait_ms=0)
    client = TestClient(create_app(SlowModel(NAMES), config))
    response = client.post("/extract", json={"text": "London", "types": ["city"]})
    assert response.status_code == 503
    assert response.json()["detail"] == "no result within 0.1 s; retry later"


def test_the_page_and_its_assets_are_served_and_local(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="chips"' in page.text
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    # Offline: no asset may come from another host.
    for path in Path(STATIC).iterdir():
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", path.read_text()), path.name
        assert "@import" not in path.read_text(), path.name


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_batch_size", 0, "max_batch_size must be a positive integer, got 0"),
        ("max_types", True, "max_types must be a positive integer, got True"),
        ("max_wait_ms", -1, r"max_wait_ms must be in \[0, 10000\], got -1"),
        ("request_timeout_s", 0, "request_timeout_s must be positive, got 0"),
        ("port", 70000, r"port must be in \[0, 65535\], got 70000"),
    ],
)
def test_config_rejects_bad_values(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServeConfig(**{field: value})


def _mention(start: int, end: int, text: str, type: str) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text, "type": type, "score": 1.0}


class UngroundingModel(GazetteerModel):
    """Reports one ungrounded answer when asked to keep them, as the engine does in ``meta``."""

    def predict(
        self, texts: Sequence[str], types: Sequence[str], **kw: Any
    ) -> list[GazetteerPrediction]:
        predictions = super().predict(texts, types, **kw)
        if kw.get("keep_ungrounded"):
            for p in predictions:
                p.meta["ungrounded_mentions"] = [{"type": "city", "text": "Paris"}]
        return predictions


def test_ungrounded_answers_are_listed_only_when_asked_for() -> None:
    client = TestClient(create_app(UngroundingModel(NAMES), ServeConfig(max_wait_ms=0)))
    plain = client.post("/extract", json={"text": "London", "types": ["city"]}).json()
    kept = client.post(
        "/extract", json={"text": "London", "types": ["city"], "keep_ungrounded": True}
    ).json()
    assert plain == {"text": "London", "entities": [_mention(0, 6, "London", "city")]}
    assert kept == {**plain, "ungrounded": [{"type": "city", "text": "Paris"}]}


def test_the_package_exports_its_front_door_lazily() -> None:
    import uniner.serve

    assert uniner.serve.create_app is create_app
    assert sorted(uniner.serve.__all__) == uniner.serve.__all__
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        uniner.serve.nope  # noqa: B018


def test_types_with_descriptions_reach_the_model(client: TestClient, model: GazetteerModel) -> None:
    from uniner.entity_types import EntityType

    types = [{"name": " city ", "description": " a  town "}, "person", {"name": "year"}]
    response = client.post("/extract", json={"text": TEXT, "types": types})
    assert response.status_code == 200
    assert [e["type"] for e in response.json()["entities"]] == ["person", "person", "city"]
    assert [call["types"] for call in model.calls] == [
        [EntityType("city", "a town"), EntityType("person"), EntityType("year")]
    ]
    # Without a description the model is asked plain names, as before.
    client.post("/extract", json={"text": TEXT, "types": [{"name": "city"}, "person"]})
    assert model.calls[-1]["types"] == ["city", "person"]


@pytest.mark.parametrize(
    ("types", "detail"),
    [
        ([{"name": "city", "description": "x" * 1001}], "has 1001 characters; the limit is 1000"),
        ([{"name": " ", "description": "a town"}], "non-empty name"),
        ([{"name": "city", "description": 3}], "description: Input should be a valid string"),
        ([{"name": "city", "meaning": "a town"}], "Extra inputs are not permitted"),
        ([{"name": "city", "description": "a"}, "city"], "given twice with different"),
    ],
)
def test_bad_descriptions_get_a_422(client: TestClient, types: list[Any], detail: str) -> None:
    response = client.post("/extract", json={"text": TEXT, "types": types})
    assert response.status_code == 422
    assert detail in str(response.json()["detail"])
