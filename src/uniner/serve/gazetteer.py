"""A dictionary extractor with the engine's interface.

It finds listed names (whole words, case-sensitive) for the asked types. It needs no model,
so it serves demos and smoke tests of a deployment, and it gives tests exact, known answers
for the API, the page and the spaCy component.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from uniner.entity_types import TypesLike, entity_types, names_or_records, type_names
from uniner.types import Entity


@dataclass
class GazetteerPrediction:
    """One text's mentions (a subset of the engine's ``Prediction``)."""

    text: str
    entities: list[Entity]
    answers: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


class GazetteerModel:
    """Find fixed names per type: ``{"person": ["Ada Lovelace"], "city": ["London"]}``.

    A text containing ``fail_on`` raises ValueError, so tests can check that one failing
    text does not break its batch.

    >>> model = GazetteerModel({"city": ["London"]})
    >>> model.predict(["Ada went to London."], ["city"])[0].entities
    [Entity(start=12, end=18, text='London', type='city', score=1.0)]
    """

    def __init__(self, names: Mapping[str, Sequence[str]], *, fail_on: str | None = None) -> None:
        self.names = {t: list(v) for t, v in names.items()}
        self.fail_on = fail_on
        self.calls: list[dict[str, Any]] = []  # each predict call's arguments, in order

    def predict(
        self,
        texts: Sequence[str],
        types: TypesLike,
        *,
        dataset: str | None = None,
        batch_size: int = 8,
        progress: bool = False,
        **options: Any,
    ) -> list[GazetteerPrediction]:
        asked = names_or_records(entity_types(types))
        self.calls.append(
            {"texts": list(texts), "types": asked, "dataset": dataset, "options": options}
        )
        names = type_names(entity_types(asked))
        return [self._one(text, names) for text in texts]

    def _one(self, text: str, types: Sequence[str]) -> GazetteerPrediction:
        if self.fail_on is not None and self.fail_on in text:
            raise ValueError(f"text contains {self.fail_on!r}")
        found = []
        for entity_type in types:
            for name in self.names.get(entity_type, []):
                for match in re.finditer(rf"\b{re.escape(name)}\b", text):
                    found.append(Entity.from_span(text, *match.span(), entity_type, 1.0))
        return GazetteerPrediction(text, sorted(found))

    def info(self) -> dict[str, Any]:
        return {"name": "gazetteer", "style": None, "types": sorted(self.names)}
