"""The score threshold: mentions scored below it are dropped and counted, in every path."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from uniner.engine import NERModel
from uniner.engine.assembly import assemble
from uniner.engine.options import ExtractOptions
from uniner.engine.results import Answer, Job
from uniner.engine.windows import Window

TEXT = "Ada met Bob in Paris."


def _job(logprobs: list[float]) -> Job:
    # One token per character group: '["' 'Ada' '", "' 'Bob' '"]' -> each name is its own token.
    pieces = ['["', "Ada", '", "', "Bob", '"]']
    text = "".join(pieces)
    assert json.loads(text) == ["Ada", "Bob"]
    ends = [sum(len(p) for p in pieces[: i + 1]) for i in range(len(pieces))]
    answer = Answer("person", text, ends, logprobs, finished=True)
    return Job(0, Window(0, len(TEXT)), TEXT, [answer])


# The literal '"Ada"' spans tokens 0-2 and '"Bob"' tokens 2-4: each score is exp(mean logprob).
LOGPROBS = [0.0, math.log(0.9), 0.0, math.log(0.2), 0.0]
ADA = math.exp(math.log(0.9) / 3)  # 0.9655
BOB = math.exp(math.log(0.2) / 3)  # 0.5848


def test_scores_are_exp_of_the_mean_logprob_of_the_mentions_tokens() -> None:
    prediction = assemble(TEXT, [_job(LOGPROBS)], ["person"], ExtractOptions())
    assert [(e.text, e.score) for e in prediction.entities] == [
        ("Ada", pytest.approx(ADA)),
        ("Bob", pytest.approx(BOB)),
    ]
    assert prediction.meta["below_threshold"] == 0


@pytest.mark.parametrize(
    ("threshold", "kept", "dropped"),
    [(0.0, ["Ada", "Bob"], 0), (BOB, ["Ada", "Bob"], 0), (0.6, ["Ada"], 1), (0.97, [], 2)],
)
def test_mentions_below_the_threshold_are_dropped_and_counted(
    threshold: float, kept: list[str], dropped: int
) -> None:
    opts = ExtractOptions(threshold=threshold)
    prediction = assemble(TEXT, [_job(LOGPROBS)], ["person"], opts)
    assert [e.text for e in prediction.entities] == kept
    assert prediction.meta["below_threshold"] == dropped
    # The raw answer is the model's, whatever the threshold (the official metric reads it).
    assert prediction.answers == {"person": '["Ada", "Bob"]'}


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), True, "0.5", None])
def test_a_bad_threshold_is_refused_with_its_value(bad: object) -> None:
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0, 1\], got"):
        ExtractOptions(threshold=bad)  # type: ignore[arg-type]


class FixedAnswers:
    """A backend that answers every person query with ``LOGPROBS``' answer (other types: [])."""

    model = None
    style = "chat"
    name = "fixed"
    adapter = None
    max_length = 2048

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def info(self) -> dict[str, Any]:
        return {"name": self.name}

    def answer(
        self, passages: Sequence[str], types: Sequence[str], *args: Any, **kwargs: Any
    ) -> list[list[Answer]]:
        empty = Answer("", "[]", [1, 2], [0.0, 0.0], finished=True)
        return [
            [
                _job(LOGPROBS).answers[0] if t == "person" else dataclasses.replace(empty, type=t)
                for t in types
            ]
            for _ in passages
        ]


def test_the_front_door_applies_the_threshold_per_call_and_per_model(
    tiny_model_dir: Path,
) -> None:
    from transformers import AutoTokenizer

    backend = FixedAnswers(AutoTokenizer.from_pretrained(tiny_model_dir))
    model = NERModel(backend)
    [everything] = model.predict([TEXT], ["person", "city"])
    assert [e.text for e in everything.entities] == ["Ada", "Bob"]
    [kept] = model.predict([TEXT], ["person", "city"], threshold=0.6)
    assert [e.text for e in kept.entities] == ["Ada"]
    assert kept.meta["below_threshold"] == 1
    assert model.extract(TEXT, ["person"], threshold=0.6, flat=True) == kept.entities
    strict = NERModel(backend, options=ExtractOptions(threshold=0.97))
    assert strict.extract(TEXT, ["person"]) == []
    assert strict.extract(TEXT, ["person"], threshold=0.0) == everything.entities
    with pytest.raises(ValueError, match="threshold must be a number"):
        model.extract(TEXT, ["person"], threshold=2)


@pytest.mark.slow
def test_the_default_student_drops_its_less_sure_mentions() -> None:
    model = NERModel.from_pretrained(device="cpu", dtype="float32")
    text = "Ada Lovelace met Charles Babbage in London in 1833."
    types = ["person", "city", "year"]
    [everything] = model.predict([text], types)
    scores = sorted({e.score for e in everything.entities if e.score is not None})
    assert len(scores) >= 2, f"expected mentions of different scores: {everything.entities}"
    cut = (scores[0] + scores[-1]) / 2
    [kept] = model.predict([text], types, threshold=cut)
    assert kept.entities == [e for e in everything.entities if (e.score or 0.0) >= cut]
    assert kept.meta["below_threshold"] == len(everything.entities) - len(kept.entities) > 0
    assert kept.answers == everything.answers
