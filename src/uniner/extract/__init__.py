"""Running the student over files of texts: reading them, and writing its predictions in the
uniner, GLiNER or Hugging Face shapes."""

from __future__ import annotations

from uniner.extract.files import (
    OUTPUT_FORMATS,
    entity_dict,
    extract_file,
    prediction_record,
    read_texts,
)

__all__ = ["OUTPUT_FORMATS", "entity_dict", "extract_file", "prediction_record", "read_texts"]
