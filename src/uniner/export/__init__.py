"""Export: a student as a file other runtimes load (GGUF for llama.cpp and Ollama).

* :mod:`~uniner.export.writer` - :func:`export_gguf`, the front door;
* :mod:`~uniner.export.student` - the student loaded with its adapter merged;
* :mod:`~uniner.export.architectures` - which models can be written, and their settings;
* :mod:`~uniner.export.tensors` - weights as llama.cpp names, lays out and types them;
* :mod:`~uniner.export.vocab` - the tokenizer and chat template;
* :mod:`~uniner.export.card` - the model card beside the file.
"""

from __future__ import annotations

from uniner.export.tensors import QUANTS, Quant
from uniner.export.writer import export_gguf

__all__ = ["QUANTS", "Quant", "export_gguf"]
