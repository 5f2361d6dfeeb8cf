"""Load a GGUF checkpoint once, de-quantize it, and keep a safetensors copy in the cache.

transformers can read GGUF files (``gguf_file=``) but de-quantizes on every load (about 25 s
for SmolLM2-135M). The converted copy is keyed by the file's name, size and mtime, so it is
rebuilt when the file changes and re-used otherwise.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from uniner.errors import ModelLoadError
from uniner.paths import cache_dir


def converted_dir(gguf_path: str | Path) -> Path:
    """Where the safetensors copy of ``gguf_path`` lives (whether or not it exists yet)."""
    path = Path(gguf_path).resolve()
    stat = path.stat()
    key = hashlib.sha256(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return cache_dir() / "gguf" / f"{path.stem}-{key}"


def convert_gguf(gguf_path: str | Path, *, force: bool = False) -> Path:
    """Return a directory with the de-quantized model and tokenizer of a GGUF file.

    The conversion is written to a temporary directory and renamed into place, so an
    interrupted conversion never leaves a half-written model that a later load would trust.
    """
    path = Path(gguf_path)
    if not path.is_file():
        raise ModelLoadError(f"GGUF file not found: {path}")
    target = converted_dir(path)
    if target.is_dir() and not force:
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
    except Exception as err:  # transformers raises many kinds for a bad file
        raise ModelLoadError(f"could not read GGUF file {path}: {err}") from err
    # A GGUF-loaded model carries a quantizer marker that makes save_pretrained refuse;
    # the weights are already plain float tensors, so the marker can go.
    setattr(model, "hf_quantizer", None)  # noqa: B010 - typed as a module attribute
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        _keep_uniner_card(path, tmp)
        if force and target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _keep_uniner_card(path: Path, folder: Path) -> None:
    """A file ``uniner export`` wrote names its prompt style and template version
    (``uniner.style``, ``uniner.template_version``): keep them as the copy's ``uniner.json``,
    so the converted student is asked in the style it was trained with."""
    from gguf import GGUFReader

    from uniner.checkpoints.card import ModelCard

    fields = GGUFReader(path).fields

    def text(key: str) -> str | None:
        field = fields.get(key)
        return None if field is None else bytes(field.parts[field.data[0]]).decode("utf-8")

    style = text("uniner.style")
    if style is not None:
        ModelCard(style=style, template_version=text("uniner.template_version")).save(folder)
