"""A teacher behind any OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp, ...)."""

from __future__ import annotations

import asyncio
import os
import random
import time
from dataclasses import dataclass
from typing import Any

from uniner.annotate.teacher import Messages, SamplingParams, TeacherResponse
from uniner.errors import TeacherError

KEY_VARIABLES = ("UNINER_TEACHER_KEY", "OPENAI_API_KEY")
# Local servers ignore the key, but the SDK insists on one.
DUMMY_KEY = "sk-no-key-needed"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off for retryable failures (429, 5xx, time-outs, dropped connections).

    The n-th retry waits ``min(max_delay, base_delay * 2**n)`` seconds, stretched by up to
    ``jitter`` (a fraction) so that many clients do not retry in step.
    """

    max_retries: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError(f"invalid retry policy: {self!r}")

    def delay(self, retry: int) -> float:
        wait = min(self.max_delay, self.base_delay * 2**retry)
        return wait * (1 + self.jitter * random.random())


def retryable_errors() -> tuple[type[Exception], ...]:
    """The ``openai`` errors worth another try: 429, 5xx, time-outs, lost connections."""
    import openai

    return (
        openai.RateLimitError,
        openai.InternalServerError,
        openai.APITimeoutError,
        openai.APIConnectionError,
    )


def api_key_from_env() -> str:
    """``$UNINER_TEACHER_KEY``, else ``$OPENAI_API_KEY``, else a dummy key for local servers."""
    return next((os.environ[v] for v in KEY_VARIABLES if os.environ.get(v)), DUMMY_KEY)


class OpenAITeacher:
    """Chat completions through the official ``openai`` SDK (``AsyncOpenAI``).

    Args:
        base_url: the endpoint, e.g. ``http://localhost:8000/v1``.
        model: the model name the server knows.
        api_key: None reads the environment (see ``api_key_from_env``).
        timeout: seconds allowed for one request before it counts as a (retryable) time-out.
        retry: the back-off policy. The SDK's own retries are switched off so that this one
            policy is the only one.

    >>> teacher = OpenAITeacher("http://localhost:8000/v1", "my-model")  # doctest: +SKIP
    >>> asyncio.run(teacher.complete(messages, SamplingParams()))          # doctest: +SKIP
    """

    backend = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"teacher URL must start with http:// or https://, got {base_url!r}")
        if not model:
            raise ValueError("the teacher model name is empty")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        self.base_url = base_url
        self.model = model
        self.api_key = api_key or api_key_from_env()
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _client_for_loop(self) -> Any:
        # An httpx client is bound to the event loop it first ran on; make one per loop.
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            from openai import AsyncOpenAI

            self._client = AsyncOpenAI(
                base_url=self.base_url, api_key=self.api_key, timeout=self.timeout, max_retries=0
            )
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def complete(self, messages: Messages, params: SamplingParams) -> TeacherResponse:
        """Send one request, retrying 429, 5xx and time-outs with exponential back-off.

        Raises:
            TeacherError: a non-retryable error, or retries exhausted.
        """
        import openai

        retryable = retryable_errors()
        for attempt in range(self.retry.max_retries + 1):
            try:
                return await self._send(messages, params)
            except retryable as err:
                if attempt == self.retry.max_retries:
                    raise TeacherError(
                        f"{self.base_url}: gave up after {attempt + 1} attempts: {err}"
                    ) from err
                await asyncio.sleep(self.retry.delay(attempt))
            except openai.OpenAIError as err:
                raise TeacherError(f"{self.base_url}: {err}") from err
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(self, messages: Messages, params: SamplingParams) -> TeacherResponse:
        started = time.perf_counter()
        completion = await self._client_for_loop().chat.completions.create(
            model=self.model,
            messages=messages,
            temperature=params.temperature,
            max_tokens=params.max_tokens,
        )
        if not completion.choices:
            raise TeacherError(f"{self.base_url}: the response has no choices")
        choice = completion.choices[0]
        usage = completion.usage
        return TeacherResponse(
            text=choice.message.content or "",
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            seconds=time.perf_counter() - started,
            finish_reason=choice.finish_reason,
        )
