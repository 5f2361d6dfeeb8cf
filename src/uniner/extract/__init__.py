"""Running the student over texts: files of texts in memory (``files``), or a whole corpus,
streamed into numbered parts with a manifest, resumable and sharded (``corpus``); outputs in
the uniner, GLiNER or Hugging Face shapes, or Parquet."""

from __future__ import annotations

from uniner.extract.config import CORPUS_FORMATS, ExtractConfig
from uniner.extract.corpus import ExtractResult, extract_corpus
from uniner.extract.files import (
    OUTPUT_FORMATS,
    entity_dict,
    extract_file,
    prediction_record,
    read_texts,
)

__all__ = [
    "CORPUS_FORMATS",
    "OUTPUT_FORMATS",
    "ExtractConfig",
    "ExtractResult",
    "entity_dict",
    "extract_corpus",
    "extract_file",
    "prediction_record",
    "read_texts",
]
