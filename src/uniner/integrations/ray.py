"""Ray Data: the student over a ``ray.data.Dataset``, one model per actor (``uniner[ray]``).

:class:`Extractor` is a callable class for ``Dataset.map_batches``: each actor loads the
student once, then turns batches of rows (``pyarrow`` tables) into the same rows plus three
columns: ``id`` (the ``id_column`` value as a string, else the hash of the text), ``entities``
(a list of ``{start, end, text, type, score}`` structs, as ``uniner extract --format
parquet`` writes) and ``problem`` (null, or why the row's text could not be read: ``empty``,
``not text``). :func:`extract_dataset` makes the ``map_batches`` call.

>>> import ray  # doctest: +SKIP
>>> from uniner.integrations.ray import ExtractorConfig, extract_dataset
>>> corpus = ray.data.read_parquet("s3://bucket/corpus/")  # doctest: +SKIP
>>> config = ExtractorConfig(["person", "city"], model="path/to/student", backend="vllm")
>>> mentions = extract_dataset(corpus, config, actors=8, num_gpus=1)  # doctest: +SKIP
>>> mentions.write_parquet("s3://bucket/mentions/")  # doctest: +SKIP

A document is judged, identified and answered exactly as the corpus job does it
(:mod:`uniner.extract`), so the rows agree with ``uniner extract`` on the same input; a job
that must survive being stopped without Ray's own retries is what ``--shard`` is for
(docs/extraction.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from uniner.engine.backends.base import BackendName
from uniner.engine.options import ExtractOptions
from uniner.errors import MissingDependencyError
from uniner.extract.documents import Fields, make_document
from uniner.extract.rows import entities_type, pyarrow
from uniner.types import clean_types

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

COLUMNS = ("id", "entities", "problem")  # what Extractor adds to each batch


@dataclass(frozen=True)
class ExtractorConfig:
    """What each actor loads and asks.

    Attributes:
        types: the entity types asked about every row (stripped, de-duplicated).
        model: a model folder, hub id or ``.gguf``; None is the embedded default student.
        adapter: a LoRA adapter folder to put on ``model``.
        backend: ``transformers`` (CPU or GPU) or ``vllm`` (GPU, ``uniner[vllm]``).
        device: ``cpu``, ``cuda``…; default CUDA when the actor has a GPU.
        dtype: ``auto`` (None), ``float32``, ``bfloat16``…
        text_column: the column holding the text.
        id_column: the column holding the id; None uses the hash of the text (and the dataset
            must then have no ``id`` column of its own).
        dataset: the dataset name, for students trained with dataset-specific prompts.
        options: the engine's options.
        batch_size: windows decoded together (``NERModel.predict``'s ``batch_size``).
    """

    types: list[str]
    model: str | None = None
    adapter: str | None = None
    backend: BackendName = "transformers"
    device: str | None = None
    dtype: str | None = None
    text_column: str = "text"
    id_column: str | None = None
    dataset: str | None = None
    options: ExtractOptions = field(default_factory=ExtractOptions)
    batch_size: int = 8

    def __post_init__(self) -> None:
        object.__setattr__(self, "types", clean_types(self.types))
        if isinstance(self.options, dict):
            object.__setattr__(self, "options", ExtractOptions(**self.options))
        if not self.text_column or self.id_column == "":
            raise ValueError(
                f"text_column and id_column must name columns, got {self.text_column!r} and "
                f"{self.id_column!r}"
            )
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int):
            raise ValueError(f"batch_size must be a positive int, got {self.batch_size!r}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {self.batch_size!r}")


class Extractor:
    """``map_batches`` callable: loads the student once, then answers batches of rows.

    Args:
        config: the model and the questions.
        model: an already loaded model (any :class:`~uniner.types.Predictor`) instead of
            loading ``config.model``; for use outside Ray.
    """

    def __init__(self, config: ExtractorConfig, *, model: Any = None) -> None:
        self.config = config
        if model is None:
            from uniner.engine import NERModel

            model = NERModel.from_pretrained(
                config.model,
                adapter=config.adapter,
                device=config.device,
                dtype=config.dtype,
                backend=config.backend,
            )
        self.model = model

    def __call__(self, batch: pa.Table) -> pa.Table:
        pa = pyarrow()
        config = self.config
        taken = [c for c in COLUMNS if c in batch.column_names and c != config.id_column]
        if taken:
            raise ValueError(
                f"the dataset already has the column(s) {taken} that Extractor adds; rename "
                "them (or pass id_column='id')"
            )
        texts = batch.column(config.text_column).to_pylist()
        ids = (
            batch.column(config.id_column).to_pylist() if config.id_column else [None] * len(texts)
        )
        fields = Fields(config.text_column, config.id_column)
        documents = [
            make_document("", str(i), text, raw_id, fields=fields, raw=repr(text))
            for i, (text, raw_id) in enumerate(zip(texts, ids, strict=True))
        ]
        readable = [d.text for d in documents if d.text is not None]
        predictions = iter(
            self.model.predict(
                readable,
                config.types,
                dataset=config.dataset,
                batch_size=config.batch_size,
                progress=False,
                **dataclasses.asdict(config.options),
            )
            if readable
            else []
        )
        entities = [
            [_entity(e) for e in next(predictions).entities] if d.text is not None else []
            for d in documents
        ]
        if config.id_column in COLUMNS:
            batch = batch.drop_columns([config.id_column])
        batch = batch.append_column("id", pa.array([d.id for d in documents], pa.string()))
        batch = batch.append_column("entities", pa.array(entities, entities_type()))
        problems = [d.problem for d in documents]
        return batch.append_column("problem", pa.array(problems, pa.string()))


def _entity(entity: Any) -> dict[str, Any]:
    score = entity.score if entity.score is not None else 0.0
    return {**entity.to_dict(), "score": score}


def extract_dataset(
    dataset: ray.data.Dataset,
    config: ExtractorConfig,
    *,
    actors: int = 1,
    num_gpus: float = 0,
    num_cpus: float | None = None,
    documents_per_batch: int = 64,
) -> ray.data.Dataset:
    """``dataset`` with the mentions of ``config.types`` in three added columns (lazy, as
    every Ray Data transform).

    Args:
        dataset: rows with a ``config.text_column``.
        config: the model and the questions.
        actors: how many actors, each with its own copy of the model.
        num_gpus: GPUs per actor (1 for one model per GPU).
        num_cpus: CPUs per actor (Ray's default, 1, when None); leave some of each node's
            CPUs to Ray's read and write tasks, or materialise the input first.
        documents_per_batch: rows per model call.

    Raises:
        ValueError: ``actors`` or ``documents_per_batch`` is not positive.
    """
    if actors < 1 or documents_per_batch < 1:
        raise ValueError(
            f"actors and documents_per_batch must be positive, got {actors!r} and "
            f"{documents_per_batch!r}"
        )
    return dataset.map_batches(
        Extractor,
        fn_constructor_kwargs={"config": config},
        batch_size=documents_per_batch,
        batch_format="pyarrow",
        concurrency=actors,  # a fixed pool: each actor loads the model once
        num_gpus=num_gpus or None,
        num_cpus=num_cpus,
    )


@contextlib.contextmanager
def local_cluster(num_cpus: int, *, quiet: bool = True) -> Iterator[None]:
    """A Ray cluster on this machine for the block's duration (tests, benchmarks, one-machine
    runs); with ``quiet``, without Ray Data's progress bars and its workers' logs on stderr.

    Raises:
        MissingDependencyError: Ray Data is not installed.
        RuntimeError: Ray is already initialised in this process.
    """
    try:
        import ray
        import ray.data
    except ImportError as err:
        raise MissingDependencyError("ray[data]", "ray") from err
    if ray.is_initialized():
        raise RuntimeError("Ray is already initialised in this process; use that cluster")
    context = ray.data.DataContext.get_current()
    if quiet:
        context.enable_progress_bars = False
        for name in ("ray", "ray.data"):
            logging.getLogger(name).setLevel(logging.ERROR)
    ray.init(
        num_cpus=num_cpus,
        include_dashboard=False,
        log_to_driver=not quiet,
        logging_level=logging.ERROR if quiet else logging.INFO,
    )
    try:
        yield
    finally:
        ray.shutdown()
