"""What the server and the spaCy component need from a model: the engine's two methods.

:class:`uniner.engine.NERModel` satisfies this protocol; so does any object with the same
``predict`` and ``info``, which lets a deployment put another extractor behind the same API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from uniner.types import Entity

# The engine's decoding options a client may set per request (all booleans).
ENGINE_OPTIONS: tuple[str, ...] = ("keep_ungrounded", "flat", "constrained")


class PredictionLike(Protocol):
    """One text's result: its mentions (the engine's ``Prediction`` has more fields)."""

    @property
    def entities(self) -> list[Entity]: ...


@runtime_checkable
class Predictor(Protocol):
    """A model that extracts mentions of the given types from a batch of texts."""

    def predict(
        self,
        texts: Sequence[str],
        types: Sequence[str],
        *,
        dataset: str | None = None,
        batch_size: int = 8,
        progress: bool = False,
        **options: Any,
    ) -> Sequence[PredictionLike]: ...

    def info(self) -> dict[str, Any]: ...
