"""The records that flow between uniner's stages.

An :class:`Entity` is one mention with character offsets into its source text; an
:class:`AnnotatedText` is a text with its mentions and the types that were asked about it; a
:class:`Dataset` is a named, typed collection of annotated texts. Readers produce these,
the engine predicts them, metrics compare them, the instruction builder turns them into
conversations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from uniner.entity_types import TypesLike


@dataclass(frozen=True, order=True)
class Entity:
    """One mention: ``text == source[start:end]`` (end exclusive), of type ``type``.

    >>> source = "Ada Lovelace wrote notes."
    >>> Entity.from_span(source, 0, 12, "person")
    Entity(start=0, end=12, text='Ada Lovelace', type='person', score=None)
    """

    start: int
    end: int
    text: str
    type: str
    score: float | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not (isinstance(self.start, int) and isinstance(self.end, int)):
            raise TypeError(f"Entity offsets must be int, got {self.start!r}, {self.end!r}")
        if not 0 <= self.start <= self.end:
            raise ValueError(
                f"Entity offsets must satisfy 0 <= start <= end, got "
                f"({self.start}, {self.end}) for {self.text!r}"
            )
        if len(self.text) != self.end - self.start:
            raise ValueError(
                f"Entity text {self.text!r} has length {len(self.text)} but its "
                f"span ({self.start}, {self.end}) has length {self.end - self.start}"
            )
        if not isinstance(self.type, str) or not self.type:
            raise ValueError(f"Entity type must be a non-empty string, got {self.type!r}")

    @classmethod
    def from_span(
        cls, source: str, start: int, end: int, type: str, score: float | None = None
    ) -> Entity:
        """Make an entity whose text is sliced from ``source`` (so it cannot disagree)."""
        if end > len(source):
            raise ValueError(
                f"span ({start}, {end}) runs past the end of a text of length {len(source)}"
            )
        return cls(start, end, source[start:end], type, score)

    def check(self, source: str) -> None:
        """Raise ValueError unless this mention's text is exactly ``source[start:end]``."""
        if source[self.start : self.end] != self.text:
            raise ValueError(
                f"mention {self.text!r} does not match the text at "
                f"({self.start}, {self.end}): {source[self.start : self.end]!r}"
            )

    @property
    def span(self) -> tuple[int, int, str]:
        """The (start, end, type) triple the strict metric compares."""
        return (self.start, self.end, self.type)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "type": self.type,
        }
        if self.score is not None:
            d["score"] = self.score
        return d


@dataclass
class AnnotatedText:
    """A text, its mentions, and the entity types that were asked about it.

    ``types`` matters for evaluation: a type that was asked and has no mention is a
    negative (answer ``[]``); a type never asked says nothing. When a reader cannot know
    which types were asked, it uses the dataset's whole type set.

    ``answers`` holds, per asked type, the answer string exactly as the source gave it (an
    official test file's gold answer, a model's raw answer): the official metric compares
    answer strings, not spans. Empty when the source gave mentions only.
    """

    text: str
    entities: list[Entity] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    id: str | None = None
    dataset: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError(f"AnnotatedText.text must be str, got {type(self.text).__name__}")
        for entity in self.entities:
            entity.check(self.text)

    def mentions_of(self, type: str) -> list[Entity]:
        """The mentions of one type, in text order."""
        return sorted(e for e in self.entities if e.type == type)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "text": self.text,
            "entities": [e.to_dict() for e in sorted(self.entities)],
            "types": list(self.types),
        }
        if self.id is not None:
            d["id"] = self.id
        if self.dataset is not None:
            d["dataset"] = self.dataset
        if self.answers:
            d["answers"] = dict(self.answers)
        if self.meta:
            d["meta"] = self.meta
        return d

    @classmethod
    def from_dict(cls, data: Any) -> AnnotatedText:
        """The inverse of :meth:`to_dict` (``text``, ``entities`` required; an entity's
        ``text``, when given, must be the text at its offsets).

        Raises:
            ValueError: ``data`` is not such a record (the message says what is wrong).
        """
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise ValueError("a record needs a string 'text'")
        text = data["text"]
        raw_entities = data.get("entities")
        if not isinstance(raw_entities, list):
            raise ValueError("a record needs an 'entities' list")
        entities = [_entity_from_dict(text, raw) for raw in raw_entities]
        types = data.get("types") or []
        if not (isinstance(types, list) and all(isinstance(t, str) for t in types)):
            raise ValueError(f"'types' must be a list of strings, got {types!r}")
        answers = data.get("answers") or {}
        if not (isinstance(answers, dict) and all(isinstance(a, str) for a in answers.values())):
            raise ValueError(f"'answers' must map types to strings, got {answers!r}")
        meta = data.get("meta") or {}
        if not isinstance(meta, dict):
            raise ValueError(f"'meta' must be an object, got {meta!r}")
        record_id, dataset = data.get("id"), data.get("dataset")
        return cls(
            text,
            sorted(set(entities)),
            list(types),
            id=None if record_id is None else str(record_id),
            dataset=None if dataset is None else str(dataset),
            meta=dict(meta),
            answers=dict(answers),
        )


def _entity_from_dict(text: str, raw: Any) -> Entity:
    if not (isinstance(raw, dict) and isinstance(raw.get("start"), int)):
        raise ValueError(f"entity {raw!r} needs integer 'start' and 'end'")
    if not isinstance(raw.get("end"), int):
        raise ValueError(f"entity {raw!r} needs integer 'start' and 'end'")
    entity_type = raw.get("type")
    if not isinstance(entity_type, str) or not entity_type:
        raise ValueError(f"entity {raw!r} needs an entity type string in 'type'")
    entity = Entity.from_span(text, raw["start"], raw["end"], entity_type, raw.get("score"))
    if raw.get("text") is not None and raw["text"] != entity.text:
        raise ValueError(f"entity text {raw['text']!r} but the text there is {entity.text!r}")
    return entity


@dataclass
class Dataset:
    """A named collection of annotated texts from one domain and split."""

    name: str
    records: list[AnnotatedText]
    types: list[str] = field(default_factory=list)
    domain: str = "general"
    split: str = "test"

    def __post_init__(self) -> None:
        if not self.types:
            self.types = unique(
                t for r in self.records for t in (r.types or [e.type for e in r.entities])
            )

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[AnnotatedText]:
        return iter(self.records)


class PredictionLike(Protocol):
    """One text's result as the evaluation, the server and the spaCy component read it (the
    engine's ``Prediction`` has more fields)."""

    @property
    def text(self) -> str: ...
    @property
    def entities(self) -> Sequence[Entity]: ...
    @property
    def answers(self) -> dict[str, str]: ...


@runtime_checkable
class Predictor(Protocol):
    """A model that extracts mentions of the given types from a batch of texts, and says what
    it is. :class:`uniner.NERModel` is one; so is any object with the same two methods, which
    lets evaluation, the server and spaCy put another extractor behind the same code. Callers
    give ``types`` as plain names unless a type has a description
    (:func:`uniner.entity_types.names_or_records`)."""

    def predict(
        self,
        texts: Sequence[str],
        types: TypesLike,
        *,
        dataset: str | None = None,
        batch_size: int = 8,
        progress: bool = False,
        **options: Any,
    ) -> Sequence[PredictionLike]: ...

    def info(self) -> dict[str, Any]: ...


def unique(items: Iterable[str]) -> list[str]:
    """The items in first-seen order, duplicates dropped."""
    return list(dict.fromkeys(items))


def clean_types(types: Sequence[str] | str) -> list[str]:
    """Strip and de-duplicate user-given entity types; reject non-strings and an empty list."""
    if isinstance(types, str):
        types = [types]
    cleaned = []
    for t in types:
        if not isinstance(t, str):
            raise TypeError(f"entity types must be strings, got {t!r} ({type(t).__name__})")
        if t.strip():
            cleaned.append(" ".join(t.split()))
    if not cleaned:
        raise ValueError("no entity types given: name at least one type, e.g. ['person']")
    return unique(cleaned)
