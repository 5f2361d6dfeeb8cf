"""The page at ``/`` in a real headless Chromium (Debian's, via Playwright), on live servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from serve_helpers import DEMO_NAMES, running

from uniner.serve.app import create_app
from uniner.serve.config import ServeConfig
from uniner.serve.gazetteer import GazetteerModel

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TEXT = "Ada Lovelace worked with Charles Babbage in London on the Analytical Engine in 1843."


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    # Offline: any request to another host fails the test.
    page.on("request", lambda r: None if "127.0.0.1" in r.url else outside.append(r.url))
    yield page
    context.close()
    assert outside == []


def run_extraction(page: Any, url: str, text: str, add: list[str], remove: list[str]) -> None:
    page.goto(url)
    page.fill("#text", text)
    for chip in remove:
        page.click(f'.chip[data-type="{chip}"] button')
    for chip in add:
        page.fill("#type-input", chip)
        page.press("#type-input", "Enter")
    page.click("#run")
    page.wait_for_selector("body[data-state=done]")


def marks(page: Any) -> list[tuple[str, str, int, int]]:
    found = page.eval_on_selector_all(
        "mark.entity",
        """els => els.map(e => [e.querySelector('.entity-text').textContent, e.dataset.type,
                               Number(e.dataset.start), Number(e.dataset.end)])""",
    )
    return [tuple(mark) for mark in found]


def table(page: Any) -> list[list[str]]:
    return page.eval_on_selector_all(
        "#mentions tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )


def test_the_page_highlights_each_mention_with_its_type(
    page: Any, gazetteer_url: str, artifacts: Path
) -> None:
    run_extraction(page, gazetteer_url, TEXT, add=["product"], remove=["organization"])
    chips = page.eval_on_selector_all(".chip", "els => els.map(e => e.dataset.type)")
    assert chips == ["person", "location", "date", "product"]
    assert marks(page) == [
        ("Ada Lovelace", "person", 0, 12),
        ("Charles Babbage", "person", 25, 40),
        ("London", "location", 44, 50),
        ("Analytical Engine", "product", 58, 75),
        ("1843", "date", 79, 83),
    ]
    # Each type has its own colour; the label shows the type.
    colours = page.eval_on_selector_all(
        "mark.entity", "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    assert colours[0] == colours[1] and len(set(colours)) == 4
    assert page.inner_text("#highlighted").replace("\n", " ").startswith("Ada LovelacePERSON")
    assert table(page)[0] == ["person", "Ada Lovelace", "0", "12", "1.000"]
    assert len(table(page)) == 5
    assert page.is_hidden("#error")
    assert page.is_hidden("#no-mentions")
    shot = artifacts / "serve-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000  # docs/img/serve-page.png is a copy of this file


def test_the_page_shows_api_errors_plainly(page: Any, gazetteer_url: str, artifacts: Path) -> None:
    run_extraction(
        page, gazetteer_url, TEXT, add=[], remove=["person", "organization", "location", "date"]
    )
    assert page.is_visible("#error")
    assert page.inner_text("#error") == (
        "Error 422: no entity types given: name at least one type, e.g. ['person']"
    )
    assert page.is_hidden("#output")
    page.screenshot(path=str(artifacts / "serve-page-error.png"))


def test_the_page_with_the_real_engine_matches_the_api(
    page: Any, tiny_url: str, artifacts: Path
) -> None:
    text = "Grace Hopper wrote the first compiler at Remington Rand."
    run_extraction(page, tiny_url, text, add=["software"], remove=["date"])
    assert page.is_hidden("#error")
    # The random model has no uniner.json: the description field says it learnt none.
    page.wait_for_function("document.getElementById('model-info').textContent.startsWith('model:')")
    assert "did not learn descriptions" in page.get_attribute("#type-description", "placeholder")
    assert page.is_visible("#output")
    api = httpx.post(
        f"{tiny_url}/extract",
        json={"text": text, "types": ["person", "organization", "location", "software"]},
        timeout=120,
    ).json()
    # The random model's answers, whatever they are, appear exactly as the API gives them.
    expected_rows = [
        [e["type"], e["text"], str(e["start"]), str(e["end"]), _score(e["score"])]
        for e in api["entities"]
    ]
    assert table(page) == expected_rows
    for mention, kind, start, end in marks(page):
        assert text[start:end] == mention
        assert kind in {"person", "organization", "location", "software"}
    # The highlighted view, labels left out, is the text itself, character for character.
    shown = page.eval_on_selector(
        "#highlighted",
        """box => { const copy = box.cloneNode(true);
                    copy.querySelectorAll('.entity-label').forEach(l => l.remove());
                    return copy.textContent; }""",
    )
    assert shown == text
    assert page.is_visible("#no-mentions") == (expected_rows == [])
    page.screenshot(path=str(artifacts / "serve-page-tiny.png"), full_page=True)


def _score(score: float | None) -> str:
    return "—" if score is None else f"{score:.3f}"


KEY = "page-key-7"


@pytest.fixture(scope="module")
def keyed_url() -> Iterator[str]:
    config = ServeConfig(api_key=KEY)
    with running(create_app(GazetteerModel(DEMO_NAMES), config)) as url:
        yield url


def test_the_page_asks_for_the_key_keeps_it_for_the_tab_and_sends_it(
    page: Any, keyed_url: str, artifacts: Path
) -> None:
    page.goto(keyed_url)
    # The page learns from /model's 401 that this server needs a key.
    page.wait_for_selector("#auth:not([hidden])")
    assert page.inner_text("#model-info") == "model information: this server needs an API key"
    page.screenshot(path=str(artifacts / "serve-page-key.png"))
    # A wrong key: the server's sentence, and the key field again.
    page.fill("#api-key", "not-the-key")
    page.click("#use-key")
    page.click("#run")
    page.wait_for_selector("body[data-state=done]")
    assert page.inner_text("#error") == "Error 401: wrong API key"
    assert page.is_visible("#auth")
    assert page.is_hidden("#output")
    # The right one: model information, then the extraction, as without a key.
    page.fill("#api-key", KEY)
    page.press("#api-key", "Enter")
    page.wait_for_function(
        "document.getElementById('model-info').textContent.startsWith('model: gazetteer')"
    )
    assert page.is_hidden("#auth")
    assert page.evaluate("sessionStorage.getItem('uniner-api-key')") == KEY
    run_extraction(page, keyed_url, TEXT, add=[], remove=["organization", "location", "date"])
    assert page.is_hidden("#auth")  # kept for the tab: not asked again after the reload
    assert page.is_hidden("#error")
    assert marks(page) == [("Ada Lovelace", "person", 0, 12), ("Charles Babbage", "person", 25, 40)]


def test_a_type_may_carry_a_description(page: Any, gazetteer_url: str) -> None:
    sent: list[Any] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if "/extract" in r.url else None)
    page.goto(gazetteer_url)
    page.fill("#text", TEXT)
    page.fill("#type-input", "product")
    page.fill("#type-description", "  a made   thing ")
    page.press("#type-description", "Enter")
    assert page.get_attribute('.chip[data-type="product"]', "title") == "a made thing"
    assert page.input_value("#type-description") == ""
    page.click("#run")
    page.wait_for_selector("body[data-state=done]")
    assert sent[-1]["types"] == [
        "person",
        "organization",
        "location",
        "date",
        {"name": "product", "description": "a made thing"},
    ]
    assert ("Analytical Engine", "product", 58, 75) in marks(page)
    # A model whose info does not say (the gazetteer) keeps the plain hint.
    assert page.get_attribute("#type-description", "placeholder") == "what it means (optional)"
