"""Read texts from files and write predictions as JSONL, in uniner, GLiNER or HF shapes.

* ``uniner``: ``{"text", "entities": [{"start", "end", "text", "type", "score"}]}``
* ``gliner``: entities as ``{"start", "end", "text", "label", "score"}`` (GLiNER's predict)
* ``hf``: entities as ``{"entity_group", "score", "word", "start", "end"}`` (the
  token-classification pipeline with an aggregation strategy)
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uniner.errors import DataFormatError
from uniner.types import Entity

if TYPE_CHECKING:
    from uniner.engine.model import NERModel, Prediction

OUTPUT_FORMATS = ("uniner", "gliner", "hf")


def entity_dict(entity: Entity, fmt: str) -> dict[str, Any]:
    """One mention in the requested output shape."""
    score = entity.score if entity.score is not None else 0.0
    if fmt == "uniner":
        return {**entity.to_dict(), "score": score}
    if fmt == "gliner":
        d = {"start": entity.start, "end": entity.end, "text": entity.text}
        return {**d, "label": entity.type, "score": score}
    if fmt == "hf":
        return {
            "entity_group": entity.type,
            "score": score,
            "word": entity.text,
            "start": entity.start,
            "end": entity.end,
        }
    raise ValueError(f"unknown output format {fmt!r}; choose one of {OUTPUT_FORMATS}")


def prediction_record(prediction: Prediction, fmt: str = "uniner") -> dict[str, Any]:
    """The JSONL record of one prediction."""
    return {
        "text": prediction.text,
        "entities": [entity_dict(e, fmt) for e in prediction.entities],
    }


def read_texts(path: str | Path) -> list[str]:
    """Texts from ``.jsonl`` (a ``"text"`` field per line) or plain text (one per line).

    Raises:
        DataFormatError: a JSONL line is not an object with a string ``text``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file not found: {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix != ".jsonl":
        return [line for line in lines if line.strip()]
    texts = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataFormatError(path, number, f"a JSON object ({err.msg})") from err
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise DataFormatError(path, number, 'an object with a string "text" field')
        texts.append(record["text"])
    return texts


def extract_file(
    model: NERModel,
    input_path: str | Path,
    output_path: str | Path,
    types: Sequence[str],
    *,
    fmt: str = "uniner",
    batch_size: int = 8,
    progress: bool = True,
    **options: Any,
) -> int:
    """Extract mentions from every text of ``input_path`` into JSONL; returns the count."""
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; choose one of {OUTPUT_FORMATS}")
    texts = read_texts(input_path)
    predictions = model.predict(texts, types, batch_size=batch_size, progress=progress, **options)
    write_predictions(predictions, output_path, fmt)
    return len(predictions)


def write_predictions(predictions: Sequence[Prediction], output_path: str | Path, fmt: str) -> None:
    """Write one JSONL record per prediction (:func:`prediction_record`) to ``output_path``."""
    output = Path(output_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as f:
        for line in _jsonl(predictions, fmt):
            f.write(line + "\n")


def _jsonl(predictions: Sequence[Prediction], fmt: str) -> Iterator[str]:
    for prediction in predictions:
        yield json.dumps(prediction_record(prediction, fmt), ensure_ascii=False)
