"""The output row of one document, as a JSON object or an Arrow row.

Every row carries the document's ``id`` (its id field, else the hash of its text), its
``source`` and ``position``, its ``text`` (unless left out) and ``entities``, each in the
chosen shape (:func:`uniner.extract.files.entity_dict`). In Parquet, and in the Ray
integration's output, ``entities`` is a list of ``{start, end, text, type, score}`` structs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from uniner.errors import MissingDependencyError
from uniner.extract.documents import CorpusDocument
from uniner.extract.files import entity_dict
from uniner.types import Entity

if TYPE_CHECKING:
    import pyarrow as pa


def document_row(
    document: CorpusDocument, entities: Sequence[Entity], *, fmt: str, include_text: bool
) -> dict[str, Any]:
    """The output record of one readable document and its mentions."""
    row: dict[str, Any] = {
        "id": document.id,
        "source": document.source,
        "position": document.position,
    }
    if include_text:
        row["text"] = document.text
    row["entities"] = [entity_dict(e, fmt) for e in entities]
    return row


def bad_row(document: CorpusDocument) -> dict[str, Any]:
    """The record of a document that could not be read, as ``bad.jsonl`` lists it."""
    return {
        "id": document.id,
        "source": document.source,
        "position": document.position,
        "problem": document.problem,
    }


def pyarrow() -> Any:
    """The ``pyarrow`` module, or the install command when it is missing."""
    try:
        import pyarrow
    except ImportError as err:
        raise MissingDependencyError("pyarrow", "parquet") from err
    return pyarrow


def entities_type() -> pa.DataType:
    """The Arrow type of the ``entities`` column (the uniner shape)."""
    pa = pyarrow()
    return pa.list_(
        pa.struct(
            [
                ("start", pa.int64()),
                ("end", pa.int64()),
                ("text", pa.string()),
                ("type", pa.string()),
                ("score", pa.float64()),
            ]
        )
    )


def arrow_schema(*, include_text: bool) -> pa.Schema:
    """The schema of a Parquet part: every column typed even when a part has no mention."""
    pa = pyarrow()
    columns = [("id", pa.string()), ("source", pa.string()), ("position", pa.string())]
    if include_text:
        columns.append(("text", pa.string()))
    columns.append(("entities", entities_type()))
    return pa.schema(columns)
