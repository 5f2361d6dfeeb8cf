"""llama.cpp's OpenAI-compatible server (``llama-cpp-python[server]``) on loopback, for tests:
start it on a GGUF file, wait until it answers, stop it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from chat_servers import free_port


def start_llama_server(
    gguf: Path, log: Path, *, alias: str, n_ctx: int, threads: int
) -> tuple[str, subprocess.Popen[bytes]]:
    """The server's base URL (``http://127.0.0.1:PORT/v1``) once it answers, and its process;
    its output goes to ``log``. Fails the test if it exits or stays silent for 120 s."""
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
               "--n_threads", str(threads), "--model_alias", alias]  # fmt: skip
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(url, process, log)
    except BaseException:
        stop(process)
        raise
    return url, process


def stop(process: subprocess.Popen[bytes]) -> None:
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
