"""Turn annotated passages into training conversations (paper, section 3).

One conversation per passage: ``Text: <passage>`` / ``I've read this text.`` / then one
question per type with the JSON list of its mentions (first-appearance order, de-duplicated).
Types absent from the passage are asked as negatives (answer ``[]``); the order of the type
questions is shuffled; everything is drawn from one seeded generator. Given type descriptions
(``descriptions=``), a seeded share of the questions (``definition_share``) carries its type's
description, so the student learns to answer with and without one; that share is drawn from
its own generator, so the rest of the data is the same as without descriptions.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from uniner.entity_types import EntityType
from uniner.instruct.conversation import Conversation
from uniner.instruct.negatives import NEGATIVE_STRATEGIES, NegativeSampler, NegativeStrategy
from uniner.instruct.split import Fits, fit_conversations
from uniner.prompts import STYLES, Style, default_style, render
from uniner.types import AnnotatedText, unique

# Without a tokenizer the length is estimated as characters / 3: English BPE averages about
# 4 characters a token, so the estimate errs long and a conversation is never cut later.
CHARS_PER_TOKEN_ESTIMATE = 3


@dataclass
class BuildConfig:
    """Options of the conversation builder.

    Args:
        negatives: how negative types are drawn: ``frequency`` (paper), ``uniform``, ``none``.
        n_negatives: negative types asked per passage (fewer if too few types exist).
        seed: seeds negative sampling, type order and the train/dev split.
        dataset_specific: prefix ``Dataset: <name>`` (supervised sets). ``True`` uses each
            record's own ``dataset``; a string names the dataset for every record. Such a
            record is asked its dataset's label set (``record.types``) and no sampled negatives,
            since another set's type may well be present under its own definition.
        label_negatives: for a dataset-specific record, ask at most this many of its label
            set's types that have no mention in the passage (a seeded uniform sample); ``None``
            asks them all. Every label asked of every passage makes most answers ``[]``, and a
            small student learns to say nothing (docs/RESULTS.md, the ablations).
        max_length: token limit of one rendered conversation; longer ones are split.
        dev_fraction: share of passages held out for the dev set.
        max_dev: at most this many dev passages.
        shuffle_types: shuffle the order of the type questions.
        max_passages: keep a seeded random sample of at most this many passages of each input
            (``None``: all); bounds a CPU run without editing the data files.
        definition_share: with type descriptions, the share of the questions about a described
            type that carry its description (0..1; a seeded draw per question).
    """

    negatives: NegativeStrategy = "frequency"
    n_negatives: int = 2
    seed: int = 0
    dataset_specific: bool | str = False
    label_negatives: int | None = None
    max_length: int = 1024
    dev_fraction: float = 0.05
    max_dev: int = 500
    shuffle_types: bool = True
    max_passages: int | None = None
    definition_share: float = 0.5

    def __post_init__(self) -> None:
        if self.negatives not in NEGATIVE_STRATEGIES:
            raise ValueError(
                f"negatives must be one of {NEGATIVE_STRATEGIES}, got {self.negatives!r}"
            )
        if self.n_negatives < 0:
            raise ValueError(f"n_negatives must be >= 0, got {self.n_negatives}")
        if self.label_negatives is not None and self.label_negatives < 0:
            raise ValueError(f"label_negatives must be >= 0, got {self.label_negatives}")
        if self.max_length < 16:
            raise ValueError(f"max_length must be at least 16 tokens, got {self.max_length}")
        if not 0.0 <= self.dev_fraction < 1.0:
            raise ValueError(f"dev_fraction must be in [0, 1), got {self.dev_fraction}")
        if self.max_dev < 0:
            raise ValueError(f"max_dev must be >= 0, got {self.max_dev}")
        if self.max_passages is not None and self.max_passages < 1:
            raise ValueError(f"max_passages must be at least 1, got {self.max_passages}")
        if not 0.0 <= self.definition_share <= 1.0:
            raise ValueError(f"definition_share must be in [0, 1], got {self.definition_share}")
        if self.dataset_specific == "":
            raise ValueError("dataset_specific must be True, False or a non-empty name")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def length_check(
    max_length: int, tokenizer: Any = None, style: Style | None = None
) -> Callable[[Conversation], bool]:
    """A predicate: does a conversation's rendering fit in ``max_length`` tokens?

    With a tokenizer the rendering is the one the trainer will tokenize (``style``, default
    from the tokenizer); without one the length is a conservative character estimate.
    """
    if tokenizer is None:
        return lambda c: _estimate(c) <= max_length
    chosen: Style = style or default_style(tokenizer)
    if chosen not in STYLES:
        raise ValueError(f"unknown prompt style {chosen!r}; choose one of {STYLES}")

    def fits(c: Conversation) -> bool:
        text = "".join(s for s, _ in render(chosen, c.turns(), tokenizer=tokenizer))
        return len(tokenizer(text, add_special_tokens=True)["input_ids"]) <= max_length

    return fits


def _estimate(c: Conversation) -> int:
    return math.ceil(sum(len(t.content) + 16 for t in c.turns()) / CHARS_PER_TOKEN_ESTIMATE)


def build_conversations(
    records: Iterable[AnnotatedText],
    config: BuildConfig | None = None,
    *,
    fits: Fits | None = None,
    descriptions: Mapping[str, str] | None = None,
    **options: Any,
) -> list[Conversation]:
    """Build the training conversations for annotated passages.

    Args:
        records: the passages with their mentions (teacher annotations or a supervised set).
        config: the options; ``**options`` builds one instead (``negatives="uniform"``, ...).
        fits: the length predicate (default: :func:`length_check` without a tokenizer).
        descriptions: type -> description (e.g. :func:`uniner.entity_types.read_definitions`);
            a ``definition_share`` of the questions about these types carry it.

    Returns:
        One conversation per passage, or several when it had to be split; each has
        ``meta["source"]`` (the passage's index) and an id unique in the list.

    >>> from uniner.types import Entity
    >>> text = "Ada met Bob."
    >>> rec = AnnotatedText(text, [Entity.from_span(text, 0, 3, "person")])
    >>> [c.answers for c in build_conversations([rec], negatives="none")]
    [[('person', ['Ada'])]]
    """
    if config is None:
        config = BuildConfig(**options)
    elif options:
        raise TypeError(f"pass either a config or options, not both: {sorted(options)}")
    records = list(records)
    fits = fits or length_check(config.max_length)
    sampler = NegativeSampler.from_type_lists(
        ([e.type for e in r.entities] for r in records), config.negatives
    )
    rng = random.Random(config.seed)
    described = random.Random(f"{config.seed}:descriptions")  # its own stream: see above
    result: list[Conversation] = []
    for index, record in enumerate(records):
        dataset = _dataset_name(record, config.dataset_specific)
        types = _asked_types(record, dataset, sampler, config, rng)
        chosen = _described(types, descriptions or {}, config.definition_share, described)
        pieces = fit_conversations(record, types, dataset, fits, chosen)
        base = record.id if record.id is not None else f"passage-{index}"
        for k, piece in enumerate(pieces):
            piece.id = base if len(pieces) == 1 else f"{base}#{k}"
            piece.meta = {"source": index}
        result.extend(pieces)
    return result


def _described(
    types: Sequence[str], descriptions: Mapping[str, str], share: float, rng: random.Random
) -> dict[str, str]:
    """The asked types whose question carries its description: a seeded ``share`` of those
    that have one."""
    chosen = [EntityType(t, descriptions[t]) for t in types if t in descriptions]
    return {
        t.name: t.description for t in chosen if t.description is not None and rng.random() < share
    }


def _dataset_name(record: AnnotatedText, dataset_specific: bool | str) -> str | None:
    if isinstance(dataset_specific, str):
        return dataset_specific
    if not dataset_specific:
        return None
    if not record.dataset:
        raise ValueError(
            f"dataset_specific=True needs every record's dataset name; record {record.id!r} "
            "has none (pass the name instead: dataset_specific='<name>')"
        )
    return record.dataset


def _asked_types(
    record: AnnotatedText,
    dataset: str | None,
    sampler: NegativeSampler,
    config: BuildConfig,
    rng: random.Random,
) -> list[str]:
    # Types with mentions, then the types the source says were asked (its known negatives).
    present = unique([e.type for e in sorted(record.entities)])
    absent = [t for t in unique(record.types) if t not in present]
    if dataset is not None and config.label_negatives is not None:
        absent = rng.sample(absent, min(config.label_negatives, len(absent)))
    types = present + absent
    if dataset is None:
        types += sampler.sample(types, config.n_negatives, rng)
    if config.shuffle_types:
        rng.shuffle(types)
    return types


def split_train_dev(
    conversations: Sequence[Conversation], n_passages: int, config: BuildConfig
) -> tuple[list[Conversation], list[Conversation]]:
    """Hold out whole passages (all their pieces) for the dev set, seeded."""
    n_dev = min(config.max_dev, round(config.dev_fraction * n_passages))
    if config.dev_fraction > 0 and n_passages >= 2:
        n_dev = max(n_dev, 1)
    order = list(range(n_passages))
    random.Random(f"{config.seed}:split").shuffle(order)
    dev = set(order[:n_dev])
    train = [c for c in conversations if c.meta["source"] not in dev]
    return train, [c for c in conversations if c.meta["source"] in dev]
