"""Retries and back-off against a real HTTP server on loopback that misbehaves on cue."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator

import pytest

from chat_servers import ScriptedServer
from uniner.annotate import OpenAITeacher, RetryPolicy, SamplingParams
from uniner.errors import TeacherError

pytestmark = pytest.mark.server

BEHAVIOURS = {
    "ok": lambda n: (200, 0.0),
    "429 twice": lambda n: (429, 0.0) if n < 2 else (200, 0.0),
    "500 once": lambda n: (500, 0.0) if n < 1 else (200, 0.0),
    "503 always": lambda n: (503, 0.0),
    "slow once": lambda n: (200, 1.5) if n < 1 else (200, 0.0),
    "400": lambda n: (400, 0.0),
    "401": lambda n: (401, 0.0),
}


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer(BEHAVIOURS)
    yield scripted
    scripted.close()


def ask(teacher: OpenAITeacher, message: str) -> str:
    async def once() -> str:
        try:
            answer = await teacher.complete(
                [{"role": "user", "content": message}], SamplingParams()
            )
        finally:
            await teacher.aclose()
        return answer.text

    return asyncio.run(once())


def make(server: ScriptedServer, retries: int = 3, timeout: float = 5.0) -> OpenAITeacher:
    policy = RetryPolicy(max_retries=retries, base_delay=0.1, max_delay=1.0, jitter=0.0)
    return OpenAITeacher(server.url, "scripted", timeout=timeout, retry=policy)


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def test_success_reports_usage(server: ScriptedServer) -> None:
    teacher = make(server)

    async def once() -> tuple[str, int, int]:
        r = await teacher.complete([{"role": "user", "content": "ok"}], SamplingParams())
        await teacher.aclose()
        return r.text, r.prompt_tokens, r.completion_tokens

    assert asyncio.run(once()) == ("[('ok', 'thing')]", 11, 7)
    assert len(server.arrivals["ok"]) == 1


def test_429_is_retried_with_exponential_back_off(server: ScriptedServer) -> None:
    assert ask(make(server), "429 twice") == "[('429 twice', 'thing')]"
    waits = gaps(server.arrivals["429 twice"])
    assert len(waits) == 2
    assert 0.1 <= waits[0] < 0.4 and 0.2 <= waits[1] < 0.6  # 0.1 s, then 0.2 s


def test_5xx_is_retried(server: ScriptedServer) -> None:
    assert ask(make(server), "500 once") == "[('500 once', 'thing')]"
    assert len(server.arrivals["500 once"]) == 2


def test_retries_are_bounded(server: ScriptedServer) -> None:
    with pytest.raises(TeacherError, match="gave up after 3 attempts"):
        ask(make(server, retries=2), "503 always")
    assert len(server.arrivals["503 always"]) == 3


def test_time_out_is_retried(server: ScriptedServer) -> None:
    started = time.monotonic()
    assert ask(make(server, timeout=0.5), "slow once") == "[('slow once', 'thing')]"
    assert len(server.arrivals["slow once"]) == 2
    assert time.monotonic() - started < 1.4  # the slow answer was not waited for


@pytest.mark.parametrize("message", ["400", "401"])
def test_client_errors_are_not_retried(server: ScriptedServer, message: str) -> None:
    with pytest.raises(TeacherError, match=f"scripted {message}"):
        ask(make(server), message)
    assert len(server.arrivals[message]) == 1


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="must start with http"):
        OpenAITeacher("localhost:8000", "m")
    with pytest.raises(ValueError, match="timeout must be positive"):
        OpenAITeacher("http://x", "m", timeout=0)


def test_api_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("UNINER_TEACHER_KEY", raising=False)
    assert OpenAITeacher("http://x", "m").api_key == "sk-no-key-needed"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    assert OpenAITeacher("http://x", "m").api_key == "sk-openai"
    monkeypatch.setenv("UNINER_TEACHER_KEY", "sk-uniner")
    assert OpenAITeacher("http://x", "m").api_key == "sk-uniner"
