"""``export_gguf``: a student as one GGUF file that llama.cpp (and Ollama) run.

The pieces: :mod:`uniner.export.student` loads the student merged, :mod:`~.architectures`
checks that llama.cpp computes what the engine does and names the hyperparameters,
:mod:`~.tensors` names and encodes the weights, :mod:`~.vocab` carries the tokenizer over. The
file format itself is the ``gguf`` package's ``GGUFWriter``.
"""

from __future__ import annotations

import os
from pathlib import Path

import gguf

from uniner.export.architectures import add_hyperparameters, architecture_of
from uniner.export.student import MergedStudent, load_student
from uniner.export.tensors import FILE_TYPES, QUANTS, Quant, gguf_tensors
from uniner.export.vocab import add_tokenizer, vocabulary_source
from uniner.prompts import TEMPLATE_VERSION

# uniner's own keys in the file (llama.cpp ignores keys it does not know): how to prompt it.
STYLE_KEY = "uniner.style"
TEMPLATE_KEY = "uniner.template_version"


def export_gguf(
    student: str | Path | None,
    out: str | Path,
    *,
    quant: Quant = "f16",
    tokenizer_gguf: str | Path | None = None,
    card: bool = True,
) -> Path:
    """Write ``student`` (any adapter merged into its base) as a GGUF file.

    >>> export_gguf(None, "student.gguf", quant="q8_0")  # doctest: +SKIP
    PosixPath('student.gguf')

    Args:
        student: a student folder, hub id, ``.gguf`` file or LoRA adapter; None is the
            embedded default (SmolLM2-135M-Instruct with the packaged adapter).
        out: the ``.gguf`` file to write (replaced if it exists; written whole or not at all).
        quant: ``f16`` or ``q8_0`` for the weight matrices (norms stay float32).
        tokenizer_gguf: a GGUF file of the student's base model to take llama.cpp's tokenizer
            metadata from, when the student does not record one (see :mod:`uniner.export.vocab`).
        card: also write a Hugging Face model card beside the file
            (:func:`uniner.export.card.write_gguf_card`).

    Returns:
        The path of the GGUF file.

    Raises:
        ValueError: an unknown ``quant``, an architecture or setting llama.cpp would compute
            differently, or no GGUF with the student's tokens to take the tokenizer from.
        ModelLoadError: the student cannot be loaded.
    """
    if quant not in QUANTS:
        raise ValueError(f"quant must be one of {QUANTS}, got {quant!r}")
    target = Path(out)
    if target.suffix != ".gguf":
        raise ValueError(f"the output must be a .gguf file, got {str(out)!r}")
    merged = load_student(student)
    config = merged.model.config
    architecture = architecture_of(config)
    candidates = [Path(tokenizer_gguf)] if tokenizer_gguf is not None else merged.gguf_sources
    source = vocabulary_source(merged.tokenizer, candidates, student=merged.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    writer = gguf.GGUFWriter(partial, architecture.name)
    try:
        _write(writer, merged, source, quant)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    if card:
        from uniner.export.card import write_gguf_card

        write_gguf_card(merged, target, quant)
    return target


def _write(
    writer: gguf.GGUFWriter, merged: MergedStudent, source: gguf.GGUFReader, quant: Quant
) -> None:
    config = merged.model.config
    architecture = architecture_of(config)
    writer.add_name(_display_name(merged))
    add_hyperparameters(writer, config)
    writer.add_file_type(FILE_TYPES[quant])
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    add_tokenizer(writer, source, merged.tokenizer, merged.style)
    writer.add_string(STYLE_KEY, merged.style)
    writer.add_string(TEMPLATE_KEY, TEMPLATE_VERSION)
    for tensor in gguf_tensors(merged.model.state_dict(), config, architecture, quant):
        writer.add_tensor(tensor.name, tensor.data, raw_dtype=tensor.dtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _display_name(merged: MergedStudent) -> str:
    if merged.folder is not None:
        return f"uniner student {merged.folder.resolve().name} ({merged.name})"
    return f"uniner student {merged.name}"
