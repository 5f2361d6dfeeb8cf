"""Read texts from files and write predictions as JSONL, in uniner, GLiNER or HF shapes, or
as pre-annotations an annotation tool imports.

* ``uniner``: ``{"text", "entities": [{"start", "end", "text", "type", "score"}]}``
* ``gliner``: entities as ``{"start", "end", "text", "label", "score"}`` (GLiNER's predict)
* ``hf``: entities as ``{"entity_group", "score", "word", "start", "end"}`` (the
  token-classification pipeline with an aggregation strategy)
* ``label-studio``: a JSON list of tasks whose ``predictions`` carry the model's version and
  scores (:mod:`uniner.data.label_studio`); ``doccano``: JSON lines ``{"text", "label"}``
  (:mod:`uniner.data.doccano`); ``spacy``: a ``DocBin`` (:mod:`uniner.data.docbin`). Each
  reads back, through :func:`uniner.data.load_dataset`, as the same mentions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uniner.data._io import read_text
from uniner.errors import DataFormatError
from uniner.types import AnnotatedText, Entity

if TYPE_CHECKING:
    from uniner.engine.model import NERModel, Prediction

OUTPUT_FORMATS = ("uniner", "gliner", "hf")
# pre-annotations for annotation tools: written whole, to a file, never streamed
ANNOTATION_FORMATS = ("label-studio", "doccano", "spacy")


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
        DataFormatError: the file is not UTF-8 text, or a JSONL line is not an object with a
            string ``text`` (names the file and the line).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file not found: {path}")
    lines = read_text(path).splitlines()
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
    """Extract mentions from every text of ``input_path`` into JSONL (or, for ``fmt`` in
    ``ANNOTATION_FORMATS``, an annotation tool's pre-annotations); returns the count."""
    if fmt not in (*OUTPUT_FORMATS, *ANNOTATION_FORMATS):
        choices = (*OUTPUT_FORMATS, *ANNOTATION_FORMATS)
        raise ValueError(f"unknown output format {fmt!r}; choose one of {choices}")
    texts = read_texts(input_path)
    predictions = model.predict(texts, types, batch_size=batch_size, progress=progress, **options)
    write_predictions(predictions, output_path, fmt, model_version=model_version(model))
    return len(predictions)


def model_version(model: Any) -> str:
    """How Label Studio's ``predictions`` name the model: its name, ``+`` its adapter."""
    info = model.info()
    name = str(info.get("name") or "uniner")
    return f"{name}+{info['adapter']}" if info.get("adapter") else name


def write_predictions(
    predictions: Sequence[Prediction],
    output_path: str | Path,
    fmt: str,
    *,
    model_version: str | None = None,
) -> None:
    """Write one JSONL record per prediction (:func:`prediction_record`) to ``output_path``,
    or, for one of ``ANNOTATION_FORMATS``, the predictions as that tool's pre-annotations
    (``model_version`` names the model in Label Studio's ``predictions``)."""
    output = Path(output_path)
    if fmt in ANNOTATION_FORMATS:
        write_pre_annotations(predictions, output, fmt, model_version=model_version)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as f:
        for line in _jsonl(predictions, fmt):
            f.write(line + "\n")


def _jsonl(predictions: Sequence[Prediction], fmt: str) -> Iterator[str]:
    for prediction in predictions:
        yield json.dumps(prediction_record(prediction, fmt), ensure_ascii=False)


def write_pre_annotations(
    predictions: Sequence[Prediction],
    output_path: str | Path,
    fmt: str,
    *,
    model_version: str | None = None,
) -> None:
    """Write the predictions for an annotation tool to correct: ``fmt`` is ``label-studio``
    (tasks with ``predictions``, each scored), ``doccano`` or ``spacy``.

    >>> import json, tempfile
    >>> from uniner.engine.results import Prediction
    >>> ada = Prediction("Ada.", [Entity(0, 3, "Ada", "person", 0.9)])
    >>> out = Path(tempfile.mkdtemp()) / "tasks.json"
    >>> write_pre_annotations([ada], out, "label-studio", model_version="demo")
    >>> json.loads(out.read_text())[0]["predictions"][0]["result"][0]["value"]["labels"]
    ['person']
    """
    from uniner.data.docbin import write_docbin
    from uniner.data.doccano import write_doccano
    from uniner.data.label_studio import write_label_studio

    output = Path(output_path)
    records = [AnnotatedText(p.text, list(p.entities)) for p in predictions]
    if fmt == "label-studio":
        write_label_studio(records, output, model_version=model_version or "uniner")
    elif fmt == "doccano":
        write_doccano(records, output)
    elif fmt == "spacy":
        write_docbin(records, output)
    else:
        raise ValueError(f"unknown annotation format {fmt!r}; choose one of {ANNOTATION_FORMATS}")
