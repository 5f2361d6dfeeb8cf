"""Fixtures of the serve tests: the tiny engine, live servers, the artifacts folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serve_helpers import ARTIFACTS, DEMO_NAMES

from uniner.serve.app import create_app
from uniner.serve.config import ServeConfig
from uniner.serve.gazetteer import GazetteerModel
from uniner.serve.server import running


@pytest.fixture(scope="session")
def tiny_engine(tiny_model_dir: Path) -> Any:
    """The real engine on the tiny random model; short answers keep it fast."""
    from uniner.engine import NERModel

    return NERModel.from_pretrained(tiny_model_dir, device="cpu", max_new_tokens=8)


@pytest.fixture(scope="module")
def gazetteer_url() -> Iterator[str]:
    with running(create_app(GazetteerModel(DEMO_NAMES))) as url:
        yield url


@pytest.fixture(scope="module")
def tiny_url(tiny_engine: Any) -> Iterator[str]:
    with running(create_app(tiny_engine, ServeConfig(max_wait_ms=20))) as url:
        yield url


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
