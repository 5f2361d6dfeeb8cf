"""What a teacher is: anything that turns chat messages into a response.

Prompt building (``uniner.prompts``) and response parsing (``annotate.parsing``) live apart
from the transport, so a teacher only moves messages and answers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Protocol, runtime_checkable

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class SamplingParams:
    """Decoding settings sent with every request (part of the cache key).

    Attributes:
        temperature: 0 (the paper's setting) is greedy decoding.
        max_tokens: the longest answer, in tokens.
    """

    temperature: float = 0.0
    max_tokens: int = 1024

    def __post_init__(self) -> None:
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"temperature must be in [0, 2], got {self.temperature!r}")
        if not isinstance(self.max_tokens, int) or self.max_tokens < 1:
            raise ValueError(f"max_tokens must be a positive int, got {self.max_tokens!r}")


@dataclass(frozen=True)
class TeacherResponse:
    """One answer and what it cost.

    ``batch`` marks an answer that came through the Batch API, billed at half price.
    """

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    finish_reason: str | None = None
    batch: bool = False


@runtime_checkable
class Teacher(Protocol):
    """A teacher LLM. ``backend`` and ``model`` name it in the cache key."""

    backend: str
    model: str

    async def complete(self, messages: Messages, params: SamplingParams) -> TeacherResponse:
        """Answer one conversation; raise ``TeacherError`` when it cannot, after retries."""
        ...


def request_key(backend: str, model: str, messages: Messages, params: SamplingParams) -> str:
    """The cache key of a request: SHA-256 of backend, model, messages and sampling params."""
    payload = {"backend": backend, "model": model, "messages": messages, "params": asdict(params)}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
