"""The server's options: which model to load, where to listen, and the limits it enforces."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from uniner.engine.model import Backend


@dataclass
class ServeConfig:
    """Options of ``uniner serve``; every limit is reported by ``GET /model``.

    Args:
        model: hub id or local path of the model (None: the engine's default student).
        adapter: optional LoRA adapter path, passed to the engine.
        device: torch device for the engine (None: the engine decides).
        dtype: ``auto`` (bfloat16 where the device has it natively, else float32),
            ``float32``, ``bfloat16`` or ``float16``.
        backend: ``transformers`` or ``vllm`` (a GPU, ``pip install 'uniner[vllm]'``).
        host: address to bind.
        port: TCP port to bind.
        max_batch_size: most texts the micro-batcher hands the model in one call.
        max_wait_ms: longest a text waits for companions before its batch runs anyway.
        max_text_chars: longest text accepted, in characters.
        max_texts: most texts in one request.
        max_types: most entity types in one request.
        max_type_chars: longest entity type name, in characters.
        max_description_chars: longest description of an entity type, in characters (each
            is read once per text, beside its type's question).
        max_body_bytes: largest request body accepted.
        max_queue: most texts waiting for the model; beyond it the server answers 503.
        request_timeout_s: longest a request waits for its results before a 503.
        api_key: when set, every route but ``/health``, the page and the API docs answers 401
            without ``Authorization: Bearer <api_key>`` (``uniner serve --api-key`` or
            ``UNINER_API_KEY``). Visible ASCII, no spaces; never printed (left out of ``repr``).

    >>> ServeConfig(port=8080).max_batch_size
    8
    """

    model: str | None = None
    adapter: str | None = None
    device: str | None = None
    dtype: str = "auto"
    backend: Backend = "transformers"
    host: str = "127.0.0.1"
    port: int = 8000
    max_batch_size: int = 8
    max_wait_ms: float = 10.0
    max_text_chars: int = 4000
    max_texts: int = 32
    max_types: int = 16
    max_type_chars: int = 100
    max_description_chars: int = 1000
    max_body_bytes: int = 1_000_000
    max_queue: int = 512
    request_timeout_s: float = 120.0
    api_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        positive = (
            "max_batch_size",
            "max_text_chars",
            "max_texts",
            "max_types",
            "max_type_chars",
            "max_description_chars",
            "max_body_bytes",
            "max_queue",
        )
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ServeConfig.{name} must be a positive integer, got {value!r}")
        if not 0 <= self.max_wait_ms <= 10_000:
            raise ValueError(
                f"ServeConfig.max_wait_ms must be in [0, 10000], got {self.max_wait_ms}"
            )
        if not self.request_timeout_s > 0:
            raise ValueError(
                f"ServeConfig.request_timeout_s must be positive, got {self.request_timeout_s}"
            )
        if not 0 <= self.port <= 65535:
            raise ValueError(f"ServeConfig.port must be in [0, 65535], got {self.port}")
        if self.api_key is not None:
            check_api_key(self.api_key)

    def limits(self) -> dict[str, Any]:
        """The limits a client must respect (what ``GET /model`` reports)."""
        keep = (
            "max_text_chars",
            "max_texts",
            "max_types",
            "max_type_chars",
            "max_description_chars",
            "max_body_bytes",
        )
        return {name: value for name, value in asdict(self).items() if name in keep}

    def batching(self) -> dict[str, Any]:
        """The micro-batcher's settings (also reported by ``GET /model``)."""
        return {
            "max_batch_size": self.max_batch_size,
            "max_wait_ms": self.max_wait_ms,
            "max_queue": self.max_queue,
            "request_timeout_s": self.request_timeout_s,
        }


def check_api_key(key: object) -> None:
    """Raise unless ``key`` can travel in an HTTP header: a non-empty string of visible ASCII.

    The message names the offending character, never the key.
    """
    if not isinstance(key, str):
        raise TypeError(f"ServeConfig.api_key must be a string or None, got {type(key).__name__}")
    if not key:
        raise ValueError("ServeConfig.api_key must not be empty (None: no key)")
    for index, char in enumerate(key):
        if not "!" <= char <= "~":
            raise ValueError(
                "ServeConfig.api_key must be visible ASCII without spaces: "
                f"character {index} is {char!r}"
            )
