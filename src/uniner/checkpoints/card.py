"""``uniner.json``: the model card a trained student carries, read and written in one place.

It says how to prompt the student (``style``), which prompt template it learnt
(``template_version``: a mismatch raises instead of answering in the wrong format), what it
was trained on (``base_model``), whether the folder is a LoRA adapter (``adapter``) and, for a
student trained with type descriptions, which description question it learnt
(``description_template_version``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uniner.errors import CacheMismatchError
from uniner.prompts import DESCRIPTION_TEMPLATE_VERSION, TEMPLATE_VERSION

MODEL_CARD = "uniner.json"
_FIELDS = ("style", "template_version", "base_model", "adapter", "description_template_version")


@dataclass
class ModelCard:
    """What ``uniner.json`` holds; unknown keys are kept in ``extra`` and written back."""

    style: str | None = None
    template_version: str | None = TEMPLATE_VERSION
    base_model: str | None = None
    adapter: bool | None = None
    description_template_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def path(directory: str | Path) -> Path:
        return Path(directory) / MODEL_CARD

    @classmethod
    def exists(cls, directory: str | Path) -> bool:
        """Whether ``directory`` holds a model card (a finished ``uniner train`` does)."""
        return cls.path(directory).is_file()

    @classmethod
    def load(cls, directory: str | Path) -> ModelCard | None:
        """The card in ``directory``, or None when it has none.

        Raises:
            CacheMismatchError: the card names a prompt-template version other than ours.
        """
        if not cls.exists(directory):
            return None
        data = json.loads(cls.path(directory).read_text(encoding="utf-8"))
        card = cls(**{k: data[k] for k in _FIELDS if k in data})
        card.extra = {k: v for k, v in data.items() if k not in _FIELDS}
        if card.template_version is not None and card.template_version != TEMPLATE_VERSION:
            raise CacheMismatchError(
                f"{directory} was trained with prompt template {card.template_version!r}, but "
                f"this uniner uses {TEMPLATE_VERSION!r}; retrain it or install the matching uniner"
            )
        return card

    def to_dict(self) -> dict[str, Any]:
        known = {k: getattr(self, k) for k in _FIELDS if getattr(self, k) is not None}
        return {**known, **self.extra}

    def save(self, directory: str | Path) -> Path:
        """Write the card into ``directory``; returns its path."""
        path = self.path(directory)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path


def read_model_card(*dirs: str | Path | None) -> dict[str, Any]:
    """The merged cards of the given directories (later ones win), as a dict.

    Raises:
        CacheMismatchError: a card names a prompt-template version other than ours.
    """
    merged: dict[str, Any] = {}
    for directory in dirs:
        card = ModelCard.load(directory) if directory is not None else None
        if card is not None:
            merged.update(card.to_dict())
    return merged


def description_mismatch(card: dict[str, Any]) -> str | None:
    """Why a student with this (merged) card may not use type descriptions, or None if it can.

    A student that never saw the description question tends to answer ``[]`` to it (the v4
    student: 0.4 F1 on the zero-shot sets' first 100 passages with their definitions, 33.9 by
    name, docs/RESULTS.md); one trained on another version of it learnt other words.
    """
    learnt = card.get("description_template_version")
    if learnt == DESCRIPTION_TEMPLATE_VERSION:
        return None
    if learnt is None:
        return (
            "this student was not trained with type descriptions (its uniner.json has no "
            "description_template_version): it may ignore them or answer none; give the types "
            "by name, or train with `uniner build-data --definitions`"
        )
    return (
        f"this student learnt the description question {learnt!r}, but this uniner asks "
        f"{DESCRIPTION_TEMPLATE_VERSION!r}: give the types by name or retrain it"
    )
