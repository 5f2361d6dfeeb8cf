"""The engine's options, one validated dataclass (``model.extract(..., flat=True)`` sets them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Decoder = Literal["shared", "naive"]

# The options a client of the server or the spaCy component may set per request (booleans).
REQUEST_OPTIONS: tuple[str, ...] = ("keep_ungrounded", "flat", "constrained")
# ... and the numbers among them: name -> (least, greatest) value.
REQUEST_NUMBERS: dict[str, tuple[float, float]] = {"threshold": (0.0, 1.0)}


def check_threshold(value: object) -> float:
    """``value`` as a score threshold: a number in [0, 1] (not a bool, not NaN).

    >>> check_threshold(0.5)
    0.5

    Raises:
        ValueError: anything else, with the value shown.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"threshold must be a number in [0, 1], got {value!r}")
    return float(value)


@dataclass(frozen=True)
class ExtractOptions:
    """How answers are decoded and turned into mentions.

    Attributes:
        max_new_tokens: the longest answer decoded; a longer one is cut and counted in
            ``Prediction.meta["truncated"]``.
        keep_ungrounded: also report answer strings that do not occur in the text, in
            ``Prediction.meta["ungrounded"]`` (they can never be entities: they have no span).
        all_occurrences: every occurrence of an answer string is a mention (else the first).
        flat: resolve overlapping mentions to non-overlapping ones (higher score, then longer).
        constrained: decode under a constraint that makes every answer a JSON list of
            substrings of the passage.
        window_tokens: the most passage tokens in one prompt; longer texts are split.
        window_overlap: tokens shared by consecutive windows.
        decoder: ``shared`` (the fast path) or ``naive`` (the reference: one ``generate``
            call per type query, never cut by ``stop_repeats``).
        stop_repeats: end an answer list at its first item that repeats an earlier one
            (a looping student), closing the list after the last new item.
        threshold: drop mentions whose score is below it (counted in
            ``Prediction.meta["below_threshold"]``); the score is exp of the mean
            log-probability of the tokens that wrote the mention
            (:mod:`uniner.engine.confidence`). 0 keeps every mention.
        draft: decode by draft-and-verify (transformers backend, ``decoder="shared"``): copy
            likely next tokens from the passage and the list format, check them all in one
            forward pass, keep those the model agrees with (:mod:`uniner.engine.drafting`).
            Greedy answers are the same; ``Prediction.meta["decoding"]`` counts the steps.
        draft_tokens: the most draft tokens checked per answer and step.
        batch_invariant: decode every passage (window) in a batch of its own, so that its
            answers depend on its text, types and options only, never on which other
            passages share a call (transformers backend). Batched matmuls round a row
            differently by batch shape, which flips near-ties, in bfloat16 most of all;
            the price is decoding fewer rows per step (docs/engine.md measures both).
    """

    max_new_tokens: int = 64
    keep_ungrounded: bool = False
    all_occurrences: bool = True
    flat: bool = False
    constrained: bool = False
    window_tokens: int = 512
    window_overlap: int = 64
    decoder: Decoder = "shared"
    stop_repeats: bool = True
    threshold: float = 0.0
    draft: bool = False
    draft_tokens: int = 8
    batch_invariant: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.max_new_tokens, int) or self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be a positive int, got {self.max_new_tokens!r}")
        if not isinstance(self.window_tokens, int) or self.window_tokens < 16:
            raise ValueError(f"window_tokens must be an int >= 16, got {self.window_tokens!r}")
        if not 0 <= self.window_overlap < self.window_tokens // 2:
            raise ValueError(
                f"window_overlap must be in [0, window_tokens/2), got {self.window_overlap!r}"
            )
        if self.decoder not in ("shared", "naive"):
            raise ValueError(f"decoder must be 'shared' or 'naive', got {self.decoder!r}")
        check_threshold(self.threshold)
        if not isinstance(self.draft, bool):
            raise ValueError(f"draft must be True or False, got {self.draft!r}")
        if self.draft and self.decoder == "naive":
            raise ValueError("draft=True needs decoder='shared' (the naive reference never drafts)")
        if not isinstance(self.batch_invariant, bool):
            raise ValueError(f"batch_invariant must be True or False, got {self.batch_invariant!r}")
        if isinstance(self.draft_tokens, bool) or not isinstance(self.draft_tokens, int):
            raise ValueError(f"draft_tokens must be a positive int, got {self.draft_tokens!r}")
        if self.draft_tokens < 1:
            raise ValueError(f"draft_tokens must be a positive int, got {self.draft_tokens!r}")
