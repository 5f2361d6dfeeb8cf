"""The HTTP API's request and response bodies, and the limit checks a request must pass.

Field types are strict (a number is not a string, a string is not a list) and unknown fields
are refused, so a misspelt option fails loudly instead of being ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from uniner.engine.options import REQUEST_NUMBERS, REQUEST_OPTIONS
from uniner.entity_types import EntityType, entity_types, names_or_records
from uniner.serve.config import ServeConfig
from uniner.types import Entity


class TypeIn(BaseModel):
    """An entity type with what it means: ``{"name": "drug", "description": "a medication"}``."""

    model_config = ConfigDict(strict=True, extra="forbid")

    name: str = Field(description="The type's name: the label its mentions get.")
    description: str | None = Field(
        default=None, description="What the type means; the model reads it beside the name."
    )


class ExtractRequest(BaseModel):
    """``POST /extract``: one ``text`` or a list of ``texts``, the ``types`` to find, options."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "Ada Lovelace was born in London.", "types": ["person", "city"]},
                {
                    "text": "Take aspirin, 81 mg a day.",
                    "types": [
                        {"name": "drug", "description": "a medication given to treat a disease"},
                        "dose",
                    ],
                },
            ]
        },
    )

    text: str | None = Field(default=None, description="One text (or use `texts`).")
    texts: list[str] | None = Field(default=None, description="Several texts, one answer each.")
    types: list[str | TypeIn] = Field(
        description="Entity types to extract: names, e.g. ['person', 'city'], or objects "
        "{'name', 'description'} for types whose meaning the model should be told."
    )
    dataset: str | None = Field(
        default=None, description="Dataset name for a supervised model's `Dataset:` prefix."
    )
    keep_ungrounded: bool | None = Field(
        default=None, description="Keep answers not found verbatim in the text."
    )
    flat: bool | None = Field(default=None, description="Resolve overlapping mentions.")
    constrained: bool | None = Field(
        default=None, description="Constrain decoding to substrings of the text."
    )
    threshold: float | None = Field(
        default=None,
        ge=REQUEST_NUMBERS["threshold"][0],
        le=REQUEST_NUMBERS["threshold"][1],
        allow_inf_nan=False,
        description="Drop mentions scored below this (0..1); the score is exp of the mean "
        "log-probability of the tokens that wrote the mention.",
    )

    @model_validator(mode="after")
    def _one_of_text_or_texts(self) -> ExtractRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' (a string) or 'texts' (a list)")
        return self


class EntityOut(BaseModel):
    """One mention: ``text == input[start:end]``."""

    start: int
    end: int
    text: str
    type: str
    score: float | None = None


class UngroundedOut(BaseModel):
    """An answer string not found in the text (listed only with ``keep_ungrounded``)."""

    type: str
    text: str


class ExtractResult(BaseModel):
    """One text's mentions (the shape ``uniner extract`` prints)."""

    text: str
    entities: list[EntityOut]
    ungrounded: list[UngroundedOut] | None = Field(
        default=None, description="Only with keep_ungrounded: answers not found in the text."
    )


class ExtractBatchResult(BaseModel):
    """The answer to a request with ``texts``: one result per text, in order."""

    results: list[ExtractResult]


# An option a request set: its name and value (a flag, or the threshold).
OptionValue = tuple[str, bool | float]
# (types, dataset, options): texts asked with equal keys can share one model call.
BatchKey = tuple[tuple[str | EntityType, ...], str | None, tuple[OptionValue, ...]]


class RequestLimitError(ValueError):
    """A request breaks a limit or a rule; ``status`` is the HTTP code to answer with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CheckedRequest:
    """A request that passed every limit: what the batcher needs."""

    texts: list[str]
    types: tuple[str | EntityType, ...]  # names, or records when a type has a description
    dataset: str | None
    options: tuple[OptionValue, ...]  # only the options the client set, sorted

    @property
    def key(self) -> BatchKey:
        """Texts with equal keys can share one model call."""
        return (self.types, self.dataset, self.options)


def check_request(request: ExtractRequest, config: ServeConfig) -> CheckedRequest:
    """Apply the configured limits; raise RequestLimitError with a message naming the limit."""
    texts = [request.text] if request.text is not None else list(request.texts or [])
    if not texts:
        raise RequestLimitError("'texts' is empty: give at least one text")
    if len(texts) > config.max_texts:
        raise RequestLimitError(
            f"{len(texts)} texts in one request; the limit is {config.max_texts} (max_texts)"
        )
    for index, text in enumerate(texts):
        _check_text(text, index, config)
    types = _check_types(request.types, config)
    options = tuple(
        sorted(
            (name, value)
            for name in (*REQUEST_OPTIONS, *REQUEST_NUMBERS)
            if (value := getattr(request, name)) is not None
        )
    )
    dataset = request.dataset.strip() or None if request.dataset is not None else None
    return CheckedRequest(texts, types, dataset, options)


def _check_text(text: str, index: int, config: ServeConfig) -> None:
    if len(text) > config.max_text_chars:
        raise RequestLimitError(
            f"text {index} has {len(text)} characters; the limit is {config.max_text_chars} "
            "(max_text_chars)"
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        # JSON allows lone surrogates ("\ud800"); no tokenizer can encode them.
        raise RequestLimitError(f"text {index} is not valid Unicode: {err.reason}") from err


def _check_types(types: list[str | TypeIn], config: ServeConfig) -> tuple[str | EntityType, ...]:
    try:
        cleaned = entity_types(
            [t if isinstance(t, str) else EntityType(t.name, t.description) for t in types]
        )
    except (TypeError, ValueError) as err:
        raise RequestLimitError(str(err)) from err
    if len(cleaned) > config.max_types:
        raise RequestLimitError(
            f"{len(cleaned)} entity types in one request; the limit is {config.max_types} "
            "(max_types)"
        )
    for entity_type in cleaned:
        name, description = entity_type.name, entity_type.description or ""
        if len(name) > config.max_type_chars:
            raise RequestLimitError(
                f"entity type {name[:40]!r}... has {len(name)} characters; the "
                f"limit is {config.max_type_chars} (max_type_chars)"
            )
        if len(description) > config.max_description_chars:
            raise RequestLimitError(
                f"the description of entity type {name[:40]!r} has {len(description)} "
                f"characters; the limit is {config.max_description_chars} (max_description_chars)"
            )
        try:
            (name + description).encode("utf-8")
        except UnicodeEncodeError as err:
            raise RequestLimitError(f"entity type is not valid Unicode: {err.reason}") from err
    return tuple(names_or_records(cleaned))


@dataclass(frozen=True)
class Found:
    """What the model found in one text: what the batcher hands back to the request."""

    entities: list[Entity] = field(default_factory=list)
    ungrounded: list[dict[str, str]] | None = None

    @classmethod
    def of(cls, prediction: Any) -> Found:
        """From an engine ``Prediction`` (``meta["ungrounded_mentions"]`` when kept)."""
        meta = getattr(prediction, "meta", None) or {}
        return cls(list(prediction.entities), meta.get("ungrounded_mentions"))


def result_of(text: str, found: Found) -> ExtractResult:
    """The response body for one text (mentions in text order, score always present)."""
    ungrounded = None
    if found.ungrounded is not None:
        ungrounded = [UngroundedOut(type=u["type"], text=u["text"]) for u in found.ungrounded]
    return ExtractResult(
        text=text,
        entities=[
            EntityOut(start=e.start, end=e.end, text=e.text, type=e.type, score=e.score)
            for e in sorted(found.entities)
        ],
        ungrounded=ungrounded,
    )
