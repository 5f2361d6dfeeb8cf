"""A spaCy pipeline component: ``nlp.add_pipe("uniner", config={"model": ..., "types": [...]})``.

The factory is registered through the ``spacy_factories`` entry point, so an installed uniner
needs no import. The component asks the model for the configured types and

* keeps every mention in ``doc.spans["uniner"]`` (overlaps included),
* sets ``doc.ents`` to a non-overlapping subset (highest score first, then longest),
* puts each mention's score in ``span._.score``.

Model answers are character offsets; spaCy spans are token ranges, so offsets are aligned to
tokens with ``alignment_mode`` ("strict" drops a mention that cuts a token, "contract" shrinks
it to whole tokens inside, "expand" grows it to the tokens it touches).

>>> import spacy  # doctest: +SKIP
>>> nlp = spacy.blank("en")  # doctest: +SKIP
>>> nlp.add_pipe("uniner", config={"model": "path/to/model", "types": ["person"]})  # doctest: +SKIP
>>> [(e.text, e.label_, e._.score) for e in nlp("Ada Lovelace wrote notes.").ents]  # doctest: +SKIP
[('Ada Lovelace', 'person', 0.93)]
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from uniner.engine.options import REQUEST_OPTIONS, check_threshold
from uniner.entity_types import EntityType, describe, merge_descriptions, names_or_records
from uniner.errors import MissingDependencyError
from uniner.types import Entity, Predictor

try:
    from spacy.language import Language
    from spacy.tokens import Doc, Span
    from spacy.util import minibatch
except ImportError as err:  # the factory module cannot exist without spaCy
    raise MissingDependencyError("spacy", "spacy") from err

ALIGNMENT_MODES = ("strict", "contract", "expand")

if not Span.has_extension("score"):
    Span.set_extension("score", default=None)


@dataclass
class UninerComponentConfig:
    """What the component asks and how it writes the answers onto the Doc.

    Args:
        types: entity types to extract (cleaned and de-duplicated): a list of names, or a
            mapping name -> description (or null) for types the model should be told the
            meaning of; kept as the names, their descriptions in ``descriptions``.
        alignment_mode: how character offsets become token spans: strict, contract or expand.
        spans_key: the ``doc.spans`` key that receives every mention.
        overwrite_ents: replace existing ``doc.ents``; if False, add only mentions that do not
            overlap the entities already there.
        batch_size: texts per model call in ``nlp.pipe``.
        dataset: dataset name for a supervised model's ``Dataset:`` prefix.
        threshold: drop mentions whose score is below it (0..1; None: the model's default,
            which keeps every mention). The same as ``options={"threshold": ...}``.
        options: engine options, any :class:`~uniner.engine.ExtractOptions` field (e.g.
            ``flat``, ``constrained``, ``max_new_tokens``).
        descriptions: type name -> description, for the types that have one.
    """

    types: list[str] | dict[str, str | None]
    alignment_mode: str = "expand"
    spans_key: str = "uniner"
    overwrite_ents: bool = True
    batch_size: int = 8
    dataset: str | None = None
    threshold: float | None = None
    options: dict[str, Any] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.types, self.descriptions = merge_descriptions(self.types, self.descriptions)
        if self.alignment_mode not in ALIGNMENT_MODES:
            raise ValueError(
                f"alignment_mode must be one of {ALIGNMENT_MODES}, got {self.alignment_mode!r}"
            )
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        if not self.spans_key:
            raise ValueError("spans_key must be a non-empty string")
        known = engine_option_names()
        unknown = sorted(set(self.options) - set(known))
        if unknown:
            raise ValueError(f"unknown engine options {unknown}; known: {known}")
        self._merge_threshold()

    def _merge_threshold(self) -> None:
        """Check the threshold (the key or the option) and keep it among the options."""
        given = self.options.get("threshold")
        if self.threshold is not None and given is not None and given != self.threshold:
            raise ValueError(
                f"threshold={self.threshold!r} and options.threshold={given!r} disagree; give one"
            )
        chosen = self.threshold if self.threshold is not None else given
        if chosen is not None:
            self.threshold = self.options["threshold"] = check_threshold(chosen)

    @property
    def asked(self) -> list[str] | list[EntityType]:
        """The types as the model is asked them (:func:`~uniner.entity_types.names_or_records`)."""
        return names_or_records(describe(list(self.types), self.descriptions))


def engine_option_names() -> list[str]:
    """The options ``NERModel.predict`` takes (the fields of the engine's ExtractOptions)."""
    try:
        from uniner.engine.options import ExtractOptions
    except ImportError:  # an engine without the options module: the ones the API documents
        return list(REQUEST_OPTIONS)
    return [f.name for f in dataclasses.fields(ExtractOptions)]


class UninerComponent:
    """Annotate Docs with a uniner model's mentions (see the module docstring).

    Args:
        model: anything with the engine's ``predict`` (a loaded ``NERModel``).
        config: the types to ask and how to write the answers.
        name: the pipe's name in the pipeline.
    """

    def __init__(self, model: Predictor, config: UninerComponentConfig, name: str = "uniner"):
        self.model = model
        self.config = config
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        return self._annotate(doc, self._predict([doc.text])[0])

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        """Annotate a stream of Docs, asking the model ``batch_size`` texts at a time."""
        for batch in minibatch(docs, size=batch_size or self.config.batch_size):
            found = self._predict([doc.text for doc in batch])
            for doc, entities in zip(batch, found, strict=True):
                yield self._annotate(doc, entities)

    def _predict(self, texts: list[str]) -> list[list[Entity]]:
        predictions = self.model.predict(
            texts,
            self.config.asked,
            dataset=self.config.dataset,
            batch_size=self.config.batch_size,
            **self.config.options,
        )
        return [list(p.entities) for p in predictions]

    def _annotate(self, doc: Doc, entities: Sequence[Entity]) -> Doc:
        spans = [s for e in entities if (s := self._span(doc, e)) is not None]
        doc.spans[self.config.spans_key] = spans
        kept = [] if self.config.overwrite_ents else list(doc.ents)
        doc.ents = non_overlapping(spans, taken=kept)
        return doc

    def _span(self, doc: Doc, entity: Entity) -> Span | None:
        span = doc.char_span(
            entity.start, entity.end, label=entity.type, alignment_mode=self.config.alignment_mode
        )
        if span is None or len(span) == 0:  # cuts a token (strict) or holds none (contract)
            return None
        span._.score = entity.score
        return span


def non_overlapping(spans: Sequence[Span], taken: Sequence[Span] = ()) -> list[Span]:
    """Spans that share no token, best first: higher score, then longer, then earlier.

    ``taken`` spans are kept as they are and block the tokens they cover.
    """
    used = {i for span in taken for i in range(span.start, span.end)}
    chosen = list(taken)
    ranked = sorted(spans, key=lambda s: (-(s._.score or 0.0), -len(s), s.start))
    for span in ranked:
        tokens = set(range(span.start, span.end))
        if tokens & used:
            continue
        used |= tokens
        chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


# (model, adapter, device) -> loaded model: pipes asking for the same model share one copy.
_MODELS: dict[tuple[str | None, str | None, str | None], Predictor] = {}
_MODELS_LOCK = threading.Lock()


def load_model(name: str | None, adapter: str | None = None, device: str | None = None) -> Any:
    """Load a model with the engine, once per (name, adapter, device) in this process."""
    key = (name, adapter, device)
    with _MODELS_LOCK:
        if key not in _MODELS:
            from uniner.engine import NERModel

            _MODELS[key] = NERModel.from_pretrained(name, adapter=adapter, device=device)
        return _MODELS[key]


@Language.factory(
    "uniner",
    default_config={
        "model": None,
        "types": [],
        "adapter": None,
        "device": None,
        "alignment_mode": "expand",
        "spans_key": "uniner",
        "overwrite_ents": True,
        "batch_size": 8,
        "dataset": None,
        "threshold": None,
        "options": {},
    },
)
def make_uniner_component(
    nlp: Language,
    name: str,
    model: str | None,
    types: list[str] | dict[str, str | None],
    adapter: str | None,
    device: str | None,
    alignment_mode: str,
    spans_key: str,
    overwrite_ents: bool,
    batch_size: int,
    dataset: str | None,
    threshold: float | None,
    options: dict[str, Any],
) -> UninerComponent:
    """spaCy's factory for the ``uniner`` pipe (the arguments are the config's keys)."""
    config = UninerComponentConfig(
        types=types,
        alignment_mode=alignment_mode,
        spans_key=spans_key,
        overwrite_ents=overwrite_ents,
        batch_size=batch_size,
        dataset=dataset,
        threshold=threshold,
        options=dict(options),
    )
    return UninerComponent(load_model(model, adapter, device), config, name=name)
