"""What the engine produces: one type query's :class:`Answer`, one window's :class:`Job`, and
one text's :class:`Prediction` (assembled in :mod:`uniner.engine.assembly`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from uniner.engine.windows import Window
from uniner.types import Entity


@dataclass
class Answer:
    """One type query's answer text, with what is needed to score its mentions."""

    type: str
    text: str
    char_ends: list[int]  # token i ends at char_ends[i] of the decoded answer
    logprobs: list[float]
    finished: bool
    decoding: dict[str, int] | None = None  # decode steps and drafts (``draft=True`` only)


@dataclass
class Job:
    """One window of one input text; a backend fills ``answers`` (one per type, in order)."""

    text_index: int
    window: Window
    passage: str
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Prediction:
    """The mentions found in one text.

    Attributes:
        text: the input text.
        entities: every grounded mention, sorted by position (overlaps across types kept
            unless ``flat``).
        answers: the raw answer generated for each type (of the first window).
        meta: how the text was processed: ``windows`` (their ``[start, end]``), ``ungrounded``
            (answer strings not found in the text), ``truncated`` (answers cut by
            ``max_new_tokens``), and with ``keep_ungrounded`` the strings themselves.
    """

    text: str
    entities: list[Entity] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
