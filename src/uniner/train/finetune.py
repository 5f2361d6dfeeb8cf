"""``finetune``: train a student further on a team's own annotated files, in one call.

The embedded default (SmolLM2-135M-Instruct with the packaged LoRA adapter) or any uniner student
folder trains on the passages of files :func:`uniner.data.load_dataset` reads (CoNLL, span JSON,
JSONL, Label Studio, doccano, Prodigy, spaCy DocBin), asked with the dataset-specific template
(``Dataset: <name>``) as the default's own supervised sets were. A seeded share of the passages
is held out as the dev split; the trainer keeps the checkpoint with the best dev F1, and the
split is scored with the strict span metric before and after::

    files -> passages -> conversations -> seeded train / dev split    (input errors stop here)
          -> strict F1 of the source on dev (before)
          -> train: the source's adapter continued (or a new one over merged weights)
          -> strict F1 of the result on dev (after) -> finetune_result.json

>>> from uniner.train.finetune import FinetuneConfig, finetune
>>> result = finetune(FinetuneConfig(["ours.conll"], "students/mine"))  # doctest: +SKIP
>>> result.before.f1, result.after.f1  # doctest: +SKIP
(0.31, 0.55)
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from dataclasses import KW_ONLY, asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uniner.data.io import load_dataset, write_dataset
from uniner.errors import DataFormatError
from uniner.evaluation.strict import SpanPair, StrictScore, strict_score
from uniner.instruct.builder import BuildConfig, build_conversations, split_train_dev
from uniner.instruct.conversation import Conversation
from uniner.instruct.io import write_conversations
from uniner.train.config import DTYPES, Dtype, TrainConfig
from uniner.types import AnnotatedText, Dataset, Entity, Predictor

if TYPE_CHECKING:
    from uniner.engine import NERModel

DEFAULT_SOURCE = "default"
CONFIG_NAME = "finetune_config.json"
RESULT_NAME = "finetune_result.json"
DATA_DIR = "data"  # in ``out``: train.jsonl, dev.jsonl and the dev passages, dev_passages.jsonl


@dataclass
class FinetuneConfig:
    """Options of :func:`finetune`; defaults suit a few hundred to a few thousand passages.

    Args:
        data: the annotated files; each is read with its own name's label map.
        out: the new student's folder: a LoRA adapter that ``NERModel.from_pretrained(out)``
            loads, with ``finetune_result.json`` and the data it was trained and scored on.
        source: ``"default"`` (the embedded student), or a uniner student folder: a LoRA
            adapter (trained further from its weights) or merged weights (a new adapter is
            trained over them).
        dataset: the name in the template's ``Dataset:`` line; default the first file's dataset
            name (its file name, or its folder's for ``train.json`` and the like).
        input_format: force the reader format of every file (default: guessed per file).
        label_map: label -> type for every file (``PER`` -> ``person``): a bundled map's name
            or a YAML/JSON file, as :func:`uniner.data.load_dataset` takes it.
        label_negatives: ask a passage at most this many of its labels that have no mention
            (seeded); None asks them all, as the default student's supervised sets were.
        dev_fraction / max_dev: the share of passages held out as the dev split, at most
            ``max_dev`` passages and at least one.
        max_train: train on a seeded sample of at most this many of the other passages (a
            learning curve); the dev split stays the same whatever it is.
        epochs / learning_rate / batch_size / max_steps / max_length / dtype: as in
            :class:`~uniner.train.TrainConfig`; the learning rate defaults to LoRA's, 2e-4.
        evaluations_per_epoch: dev evaluations (each a checkpoint) per epoch; the one with the
            best dev F1 is the result.
        dev_score_queries: dev questions the trainer's dev F1 asks at each evaluation.
        score_before: score the source on the dev split before training (else ``before`` is
            None: a learning curve scores it once).
        score_batch_size: passages per decoding batch when scoring the dev split.
        seed: seeds the split, the sample, the questions asked and their order, and training.
    """

    data: Sequence[str | Path]
    out: str | Path
    _: KW_ONLY
    source: str = DEFAULT_SOURCE
    dataset: str | None = None
    input_format: str | None = None
    label_map: str | None = None
    label_negatives: int | None = None
    dev_fraction: float = 0.1
    max_dev: int = 200
    max_train: int | None = None
    epochs: float = 3.0
    learning_rate: float | None = None
    batch_size: int = 8
    max_steps: int = -1
    max_length: int = 1024
    dtype: Dtype = "auto"
    evaluations_per_epoch: int = 2
    dev_score_queries: int = 64
    score_before: bool = True
    score_batch_size: int = 8
    seed: int = 0
    files: list[Path] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.data, (str, Path)):
            raise TypeError(f"data must be a list of files, got {self.data!r}")
        self.files = [Path(p) for p in self.data]
        self.out = Path(self.out)
        if not self.files:
            raise ValueError("finetune needs at least one annotated data file")
        for path in self.files:
            if not path.is_file():
                raise FileNotFoundError(f"data file not found: {path}")
        self._check_numbers()
        self.source_dir()  # an unknown source fails here, before anything is read or loaded
        self.build_options(self.dataset or "any")  # their own checks, now
        self.train_options(Path("."), eval_every=1)

    def _check_numbers(self) -> None:
        if self.dataset is not None and not self.dataset.strip():
            raise ValueError(f"dataset must be a non-empty name, got {self.dataset!r}")
        if not 0 < self.dev_fraction < 1:
            raise ValueError(f"dev_fraction must be in (0, 1), got {self.dev_fraction}")
        at_least_one = {
            "max_dev": self.max_dev,
            "evaluations_per_epoch": self.evaluations_per_epoch,
            "dev_score_queries": self.dev_score_queries,
            "score_batch_size": self.score_batch_size,
        }
        if self.max_train is not None:
            at_least_one["max_train"] = self.max_train
        for name, value in at_least_one.items():
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")

    def source_dir(self) -> Path | None:
        """The source student's folder; None for the embedded default.

        Raises:
            ValueError: ``source`` is neither ``"default"`` nor a student folder.
            CacheMismatchError: the folder's student learnt another prompt template.
        """
        from uniner.checkpoints import ModelCard, default_adapter

        if self.source == DEFAULT_SOURCE:
            if default_adapter() is None:
                raise ValueError(
                    "this build of uniner has no packaged default adapter to fine-tune; pass "
                    "source (--from) a student folder"
                )
            return None
        path = Path(self.source)
        if not path.is_dir():
            raise ValueError(
                f"source (--from) must be {DEFAULT_SOURCE!r} or a uniner student folder; "
                f"{self.source!r} is no folder"
            )
        if not any((path / name).is_file() for name in ("adapter_config.json", "config.json")):
            raise ValueError(
                f"{path} is not a student folder: it holds neither a LoRA adapter "
                "(adapter_config.json) nor model weights (config.json)"
            )
        ModelCard.load(path)  # refuses a student of another prompt template
        return path

    def build_options(self, dataset: str) -> BuildConfig:
        """The conversation builder's options for ``dataset``'s template."""
        return BuildConfig(
            negatives="none",
            dataset_specific=dataset,
            label_negatives=self.label_negatives,
            seed=self.seed,
            dev_fraction=self.dev_fraction,
            max_dev=self.max_dev,
            max_length=self.max_length,
        )

    def train_options(self, data_dir: Path, *, eval_every: int) -> TrainConfig:
        """The trainer's options: LoRA from the source, the best dev F1 kept."""
        source = self.source_dir()
        card = _source_card(source)
        return TrainConfig(
            _trained_model(source),
            data_dir / "train.jsonl",
            self.out,
            dev_data=data_dir / "dev.jsonl",
            lora=True,
            epochs=self.epochs,
            max_steps=self.max_steps,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            max_length=self.max_length,
            dtype=self.dtype,
            style=card.get("style"),
            save_steps=eval_every,
            logging_steps=min(10, eval_every),
            dev_score_queries=self.dev_score_queries,
            best_metric="dev_f1",
            seed=self.seed,
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("files")
        d.update(data=[str(p) for p in self.files], out=str(self.out))
        return d


@dataclass(frozen=True)
class FinetuneSplit:
    """The passages read, split into the ones trained on and the held-out dev passages."""

    dataset: str
    train: list[AnnotatedText]
    dev: list[AnnotatedText]
    train_conversations: list[Conversation]
    dev_conversations: list[Conversation]
    duplicates: int  # passages left out because an earlier one had the same text


@dataclass(frozen=True)
class FinetuneResult:
    """What :func:`finetune` made, and the strict scores on the dev split."""

    out: Path
    dataset: str
    train_passages: int
    dev_passages: int
    before: StrictScore | None
    after: StrictScore
    train_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "dataset": self.dataset,
            "train_passages": self.train_passages,
            "dev_passages": self.dev_passages,
            "metric": "strict",
            "before": score_summary(self.before) if self.before else None,
            "after": score_summary(self.after),
            "train_seconds": round(self.train_seconds, 1),
        }


def finetune(config: FinetuneConfig) -> FinetuneResult:
    """Train ``config.source`` further on ``config.data``; score it before and after.

    Writes into ``config.out``: the student (a LoRA adapter and ``uniner.json``, as
    :func:`uniner.train.train` does), ``finetune_config.json``, ``finetune_result.json`` and
    ``data/`` (the train and dev conversations, and the dev passages as uniner JSONL).

    Raises:
        ValueError: a file has no annotated entity, or too few passages to hold some out
            (before any model is loaded).
    """
    split = split_data(config)
    out = Path(config.out)
    data_dir = out / DATA_DIR
    data_dir.mkdir(parents=True, exist_ok=True)
    write_conversations(split.train_conversations, data_dir / "train.jsonl")
    write_conversations(split.dev_conversations, data_dir / "dev.jsonl")
    dev = Dataset(split.dataset, split.dev, split="dev")
    write_dataset(dev, data_dir / "dev_passages.jsonl", format="jsonl")
    train_config = config.train_options(data_dir, eval_every=_eval_every(config, split))
    written = {**config.to_dict(), "train_config": train_config.to_dict()}
    (out / CONFIG_NAME).write_text(json.dumps(written, indent=2, ensure_ascii=False) + "\n")

    before = None
    if config.score_before:
        source = _load(config.source_dir(), config.dtype)
        before = score_dev(source, split, batch_size=config.score_batch_size)
        del source  # its memory is the trainer's
    from uniner.train.trainer import train

    started = time.perf_counter()
    train(train_config)
    seconds = time.perf_counter() - started
    after = score_dev(_load(out, config.dtype), split, batch_size=config.score_batch_size)
    result = FinetuneResult(
        out, split.dataset, len(split.train), len(split.dev), before, after, seconds
    )
    text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    (out / RESULT_NAME).write_text(text)
    return result


def split_data(config: FinetuneConfig) -> FinetuneSplit:
    """Read the files and split their passages into train and dev, seeded; no model loads.

    Raises:
        ValueError: a file is empty or has no annotated entity, or fewer than two passages
            were read (one to train on, one to hold out).
    """
    records: list[AnnotatedText] = []
    dataset_name = config.dataset
    for path in config.files:
        read = _read(path, config.input_format, config.label_map)
        dataset_name = dataset_name or read.name
        # A record that says nothing of the labels it was asked is asked its file's whole set.
        records += [r if r.types else replace(r, types=list(read.types)) for r in read]
    records, duplicates = _first_of_each_text(records)
    if len(records) < 2:
        raise ValueError(
            f"{len(records)} passage(s) in {[str(p) for p in config.files]}: fine-tuning needs "
            "at least two, one to train on and one to hold out for the dev split"
        )
    assert dataset_name is not None  # there is at least one file
    build = config.build_options(dataset_name)
    conversations = build_conversations(records, build)
    train_c, dev_c = split_train_dev(conversations, len(records), build)
    dev_sources = {c.meta["source"] for c in dev_c}
    train_sources = sorted({c.meta["source"] for c in train_c})
    if not train_sources:
        raise ValueError(
            f"every one of the {len(records)} passages went to the dev split; lower "
            f"dev_fraction ({config.dev_fraction}) or max_dev ({config.max_dev})"
        )
    if config.max_train is not None and config.max_train < len(train_sources):
        draw = random.Random(f"{config.seed}:train")
        train_sources = sorted(draw.sample(train_sources, config.max_train))
        kept = set(train_sources)
        train_c = [c for c in train_c if c.meta["source"] in kept]
    return FinetuneSplit(
        dataset_name,
        [records[i] for i in train_sources],
        [records[i] for i in sorted(dev_sources)],
        train_c,
        dev_c,
        duplicates,
    )


def score_dev(model: Predictor, split: FinetuneSplit, *, batch_size: int = 8) -> StrictScore:
    """Strict span F1 of ``model`` on the dev passages, asked with the dataset's template.

    Passages asking the same labels share one ``predict`` call.
    """
    # label tuple -> indices of the dev passages that ask it
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, record in enumerate(split.dev):
        groups.setdefault(tuple(record.types), []).append(i)
    predicted: dict[int, Sequence[Entity]] = {}
    for labels, indices in groups.items():
        texts = [split.dev[i].text for i in indices]
        outputs = model.predict(texts, list(labels), dataset=split.dataset, batch_size=batch_size)
        for i, output in zip(indices, outputs, strict=True):
            predicted[i] = output.entities
    return strict_score(
        SpanPair(gold.entities, predicted[i], gold.types, gold.id)
        for i, gold in enumerate(split.dev)
    )


def score_summary(score: StrictScore) -> dict[str, Any]:
    """Precision, recall and F1 (percent, one decimal) with their counts; no error lists."""
    return {
        "precision": round(100 * score.precision, 1),
        "recall": round(100 * score.recall, 1),
        "f1": round(100 * score.f1, 1),
        "correct": score.correct,
        "predicted": score.predicted,
        "gold": score.gold,
    }


def _read(path: Path, input_format: str | None, label_map: str | None) -> Dataset:
    if path.stat().st_size == 0:
        raise DataFormatError(path, None, "the file is empty; expected annotated passages")
    read = load_dataset(path, format=input_format, label_map=label_map)
    if not any(r.entities for r in read):
        raise DataFormatError(
            path,
            None,
            f"no annotated entity in its {len(read)} passage(s); fine-tuning learns from "
            "annotated mentions (is the format right? pass input_format / --format)",
        )
    return read


def _first_of_each_text(records: list[AnnotatedText]) -> tuple[list[AnnotatedText], int]:
    """The records less those repeating an earlier one's text, so that no passage is on both
    sides of the split; and how many were left out."""
    seen: set[str] = set()
    kept = []
    for record in records:
        if record.text not in seen:
            seen.add(record.text)
            kept.append(record)
    return kept, len(records) - len(kept)


def _eval_every(config: FinetuneConfig, split: FinetuneSplit) -> int:
    """Steps between dev evaluations: ``evaluations_per_epoch`` an epoch, and at least one
    evaluation in the run."""
    per_epoch = math.ceil(len(split.train_conversations) / config.batch_size)
    total = config.max_steps if config.max_steps > 0 else math.ceil(config.epochs * per_epoch)
    return max(1, min(math.ceil(per_epoch / config.evaluations_per_epoch), total))


def _source_card(source: Path | None) -> dict[str, Any]:
    from uniner.checkpoints import default_adapter, read_model_card

    return read_model_card(source if source is not None else default_adapter())


def _trained_model(source: Path | None) -> str:
    """What the trainer starts from: an adapter folder it continues, or merged weights."""
    from uniner.checkpoints import default_adapter

    return str(source if source is not None else default_adapter())


def _load(folder: Path | None, dtype: str) -> NERModel:
    """The student in ``folder`` (None: the embedded default), for scoring."""
    from uniner.engine import NERModel

    return NERModel.from_pretrained(folder, dtype=dtype)
