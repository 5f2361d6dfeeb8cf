"""The one interface a decoding backend offers the engine's front door."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol

from uniner.engine.options import ExtractOptions
from uniner.engine.results import Answer
from uniner.entity_types import EntityType
from uniner.prompts import Style

BackendName = Literal["transformers", "vllm"]
BACKENDS: tuple[BackendName, ...] = ("transformers", "vllm")


class QueryBackend(Protocol):
    """Answers type queries about passages; everything around it (types, windows, parsing,
    grounding, scores) is the front door's, shared by every backend.

    Attributes:
        model: the underlying model object (a transformers model, a ``vllm.LLM``).
        tokenizer: the model's fast tokenizer: prompts, windows and answers are its tokens.
        style: the prompt style it was trained on, ``uniner`` or ``chat``.
        name: what to call the model in ``info()``.
        adapter: the LoRA adapter on top of the base, if any.
        card: the merged ``uniner.json`` of the base and adapter (``{}`` when they have none),
            or None for a model wrapped from memory, whose training is unknown.
    """

    model: Any
    tokenizer: Any
    style: Style
    name: str
    adapter: str | None
    card: dict[str, Any] | None

    @property
    def max_length(self) -> int:
        """The longest sequence (prompt + answer) the model takes."""
        ...

    def info(self) -> dict[str, Any]:
        """Name, adapter, style, maximum length, device, dtype (and backend)."""
        ...

    def answer(
        self,
        passages: Sequence[str],
        types: Sequence[str | EntityType],
        dataset: str | None,
        opts: ExtractOptions,
        *,
        batch_size: int,
        progress: bool,
    ) -> list[list[Answer]]:
        """One :class:`Answer` per type, in ``types`` order, for each passage."""
        ...


class HeldModel:
    """The state every backend holds, set as given (the fields of :class:`QueryBackend`); a
    backend subclasses it and adds its loading and answering."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        style: Style,
        name: str = "",
        adapter: str | None = None,
        card: dict[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.style: Style = style
        self.name = name
        self.adapter = adapter
        self.card = card
