"""The model card of an exported GGUF file, rendered by :mod:`uniner.checkpoints.readme`.

It goes to ``README.md`` beside the file (the name the Hugging Face hub reads), unless a
``README.md`` that uniner did not write is already there: then to ``<stem>.README.md``, so that
exporting into a project folder never replaces the project's own README.
"""

from __future__ import annotations

from pathlib import Path

from uniner.checkpoints import ModelCard
from uniner.checkpoints.readme import (
    README,
    GGUFInfo,
    StudentFacts,
    gather,
    render_readme,
    written_by_uniner,
)
from uniner.export.student import MergedStudent
from uniner.prompts import TEMPLATE_VERSION


def card_path(gguf_file: Path) -> Path:
    """Where the card of ``gguf_file`` goes (see the module docstring)."""
    beside = gguf_file.with_name(README)
    if not beside.exists() or written_by_uniner(beside):
        return beside
    return gguf_file.with_name(f"{gguf_file.stem}.{README}")


def write_gguf_card(merged: MergedStudent, gguf_file: Path, quant: str) -> Path:
    """Write the card of ``gguf_file`` (exported from ``merged``); returns its path."""
    info = GGUFInfo(gguf_file.name, quant, gguf_file.stat().st_size)
    if merged.folder is not None:
        facts = gather(merged.folder, name=gguf_file.stem)
    else:  # a hub id: nothing recorded beyond its name
        card = ModelCard(style=merged.style, template_version=TEMPLATE_VERSION)
        facts = StudentFacts(name=gguf_file.stem, card=card, base=merged.name)
    if facts.card.style is None:
        facts.card.style = merged.style
    path = card_path(gguf_file)
    path.write_text(render_readme(facts, gguf=info), encoding="utf-8")
    return path
