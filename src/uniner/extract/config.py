"""The options of one corpus extraction job (``uniner extract --output DIR``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, cast

from uniner.corpus.readers import TxtMode
from uniner.engine.options import ExtractOptions
from uniner.entity_types import (
    EntityType,
    TypesLike,
    describe,
    merge_descriptions,
    names_or_records,
)
from uniner.extract.files import OUTPUT_FORMATS
from uniner.extract.sharding import WHOLE, Shard, check_shard

# uniner, gliner, hf: JSON-lines parts whose entities have that shape; parquet: Parquet parts.
CORPUS_FORMATS = (*OUTPUT_FORMATS, "parquet")


@dataclass
class ExtractConfig:
    """Everything that decides what a corpus job reads, asks and writes.

    Attributes:
        inputs: files, folders or saved ``datasets`` folders, read in this order.
        output: the output folder (parts, manifest, ``bad.jsonl``).
        types: the entity types asked about every document (stripped, de-duplicated): names,
            or names with descriptions as :meth:`uniner.NERModel.predict` takes them; kept as
            the names, their descriptions in ``descriptions``.
        fmt: ``uniner``, ``gliner`` or ``hf`` (JSON lines, entities in that shape) or
            ``parquet`` (Parquet, entities as ``{start, end, text, type, score}`` structs).
        text_field: the JSON field / column holding the text.
        id_field: the JSON field / column holding a document id; None uses the hash of the
            text.
        txt_mode: ``line``: each non-blank line of a ``.txt`` file is a document; ``file``:
            the whole file is.
        include_text: write each document's text into its row.
        dataset: the dataset name, for students trained with dataset-specific prompts.
        options: the engine's options, all of them recorded in the manifest.
        batch_size: windows decoded together (``NERModel.predict``'s ``batch_size``).
        documents_per_batch: documents per model call; each finished batch is on disk, so a
            killed job loses at most this many documents' work.
        documents_per_file: documents per output part (the last one may hold fewer); a part
            holds one row per readable document among them.
        shard: ``(I, N)``: this job takes the documents whose id falls in shard ``I`` of
            ``N`` (:mod:`uniner.extract.sharding`).
        descriptions: type name -> its description, for the types that have one (recorded in
            the manifest only when there is one, so a names-only job's manifest is as before).

    >>> config = ExtractConfig(["docs.jsonl"], "out", ["person", "city"], fmt="parquet")
    >>> config.shard
    (0, 1)
    """

    inputs: list[str]
    output: str
    types: list[str] | TypesLike
    fmt: str = "uniner"
    text_field: str = "text"
    id_field: str | None = None
    txt_mode: TxtMode = "line"
    include_text: bool = True
    dataset: str | None = None
    options: ExtractOptions = field(default_factory=ExtractOptions)
    batch_size: int = 8
    documents_per_batch: int = 64
    documents_per_file: int = 10_000
    shard: Shard = WHOLE
    descriptions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.inputs, str) or not self.inputs:
            raise ValueError(f"inputs must be a non-empty list of paths, got {self.inputs!r}")
        self.inputs = [str(p) for p in self.inputs]
        self.output = str(self.output)
        self.types, self.descriptions = merge_descriptions(self.types, self.descriptions)
        if isinstance(self.options, dict):
            self.options = ExtractOptions(**self.options)
        self.shard = check_shard(tuple(self.shard))  # type: ignore[arg-type]
        if self.fmt not in CORPUS_FORMATS:
            raise ValueError(f"fmt must be one of {CORPUS_FORMATS}, got {self.fmt!r}")
        if self.txt_mode not in ("line", "file"):
            raise ValueError(f"txt_mode must be 'line' or 'file', got {self.txt_mode!r}")
        if not self.text_field or self.id_field == "":
            raise ValueError(
                f"text_field and id_field must name fields, got {self.text_field!r} and "
                f"{self.id_field!r}"
            )
        for name in ("batch_size", "documents_per_batch", "documents_per_file"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")

    @property
    def suffix(self) -> str:
        """The parts' file suffix."""
        return ".parquet" if self.fmt == "parquet" else ".jsonl"

    @property
    def entity_types(self) -> list[EntityType]:
        """The types with their descriptions."""
        names = cast(list[str], self.types)  # __post_init__ keeps the names
        return describe(names, self.descriptions)

    @property
    def asked(self) -> list[str] | list[EntityType]:
        """The types as the model is asked them (:func:`~uniner.entity_types.names_or_records`)."""
        return names_or_records(self.entity_types)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["shard"] = list(self.shard)
        if not self.descriptions:
            del d["descriptions"]
        if not self.options.draft:  # same answers: jobs without drafts record what they did
            del d["options"]["draft"], d["options"]["draft_tokens"]
        if not self.options.batch_invariant:  # as before the option: older jobs still resume
            del d["options"]["batch_invariant"]
        return d
