"""uniner: UniversalNER - targeted distillation of an LLM into a small open-NER student.

>>> from uniner import NERModel
>>> model = NERModel.from_pretrained()          # the embedded default student
>>> model.extract("Ada Lovelace was born in London.", ["person", "city"])  # doctest: +SKIP
[Entity(start=0, end=12, text='Ada Lovelace', type='person', score=...), ...]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from uniner.entity_types import EntityType
from uniner.errors import (
    CacheMismatchError,
    DataFormatError,
    DatasetNotFoundError,
    MissingDependencyError,
    ModelLoadError,
    TeacherError,
    UninerError,
)
from uniner.types import AnnotatedText, Dataset, Entity

if TYPE_CHECKING:
    from uniner.engine import NERModel

__version__ = "0.1.0"

__all__ = [
    "AnnotatedText",
    "CacheMismatchError",
    "DataFormatError",
    "Dataset",
    "DatasetNotFoundError",
    "Entity",
    "EntityType",
    "MissingDependencyError",
    "ModelLoadError",
    "NERModel",
    "TeacherError",
    "UninerError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # NERModel pulls in torch and transformers; import it only when asked for.
    if name == "NERModel":
        from uniner.engine import NERModel

        return NERModel
    raise AttributeError(f"module 'uniner' has no attribute {name!r}")
