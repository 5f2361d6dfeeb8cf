"""``batch_invariant``: a passage's answers do not depend on the passages batched with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from uniner.engine import NERModel

TEXTS = [
    "Ada Lovelace met Charles Babbage in London in 1833.",
    "Paris is big.",
    "The Treaty of Versailles was signed on 28 June 1919 by Germany and the Allies.",
    "IBM sold 4% of its shares for $90 billion on Monday.",
]


@pytest.fixture(scope="module")
def tiny_bf16(tiny_model_dir: Path) -> NERModel:
    # bfloat16: where batch shape changes the rounding most.
    return NERModel.from_pretrained(tiny_model_dir, device="cpu", dtype="bfloat16")


def _batch_rows(model: NERModel, call: Any) -> list[int]:
    """The batch dimension of every forward pass ``call()`` makes."""
    rows: list[int] = []

    def record(_module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        ids = kwargs.get("input_ids", args[0] if args else None)
        rows.append(int(ids.shape[0]))

    handle = model.model.register_forward_pre_hook(record, with_kwargs=True)
    try:
        call()
    finally:
        handle.remove()
    return rows


def test_batched_passages_share_forward_passes_unless_invariant(tiny_bf16: NERModel) -> None:
    def run(invariant: bool) -> None:
        tiny_bf16.predict(
            TEXTS, ["person"], batch_size=4, max_new_tokens=4, batch_invariant=invariant
        )

    assert max(_batch_rows(tiny_bf16, lambda: run(False))) == len(TEXTS)
    # One type, one passage per batch: every pass decodes a single row.
    assert set(_batch_rows(tiny_bf16, lambda: run(True))) == {1}


def test_invariant_answers_are_those_of_the_passage_alone(tiny_bf16: NERModel) -> None:
    types = ["person", "date", "location"]

    def answers(texts: list[str]) -> dict[str, dict[str, str]]:
        preds = tiny_bf16.predict(
            texts, types, batch_size=8, max_new_tokens=12, batch_invariant=True
        )
        return {text: pred.answers for text, pred in zip(texts, preds, strict=True)}

    alone = {text: answers([text])[text] for text in TEXTS}
    assert answers(TEXTS) == alone
    assert answers(TEXTS[::-1]) == alone
    assert answers(TEXTS[1:3]) == {text: alone[text] for text in TEXTS[1:3]}


def test_batch_invariant_must_be_a_bool(tiny_bf16: NERModel) -> None:
    with pytest.raises(ValueError, match="batch_invariant must be True or False, got 1"):
        tiny_bf16.predict(TEXTS[:1], ["person"], batch_invariant=1)


def test_a_corpus_job_records_batch_invariance_only_when_asked(tmp_path: Path) -> None:
    from uniner.extract import ExtractConfig

    def options(**chosen: Any) -> dict[str, Any]:
        config = ExtractConfig([str(tmp_path)], str(tmp_path / "out"), ["person"], options=chosen)
        return dict(config.to_dict()["options"])

    assert "batch_invariant" not in options()  # the manifests of earlier jobs still match
    assert options(batch_invariant=True)["batch_invariant"] is True
