"""The fast path against the naive reference on real CrossNER passages, with the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from uniner.data import load_dataset
from uniner.engine import NERModel
from uniner.engine.decoding import generate_naive
from uniner.engine.queries import encode_passage
from uniner.engine.stopping import StopRule

pytestmark = [pytest.mark.slow, pytest.mark.data]

NEW_TOKENS = 10  # the first words of each answer: enough to catch any drift, cheap on CI


def test_shared_prefix_decoding_equals_naive_generate(
    smollm2_ner: NERModel, shared_data: Path
) -> None:
    dataset = load_dataset(shared_data / "zero-shot-uniner" / "CrossNER_AI.json")
    texts = [r.text for r in dataset.records[:2]]
    types = dataset.types
    assert len(types) == 13
    preds = smollm2_ner.predict(
        texts, types, max_new_tokens=NEW_TOKENS, batch_size=2, stop_repeats=False
    )
    stop = StopRule(smollm2_ner.tokenizer)
    near_ties = []
    for text, pred in zip(texts, preds, strict=True):
        encoded = encode_passage(smollm2_ner.tokenizer, smollm2_ner.style, text, types)
        for k, entity_type in enumerate(types):
            reference = generate_naive(
                smollm2_ner.model,
                smollm2_ner.tokenizer,
                encoded.full(k),
                max_new_tokens=NEW_TOKENS,
            )
            if pred.answers[entity_type] != stop.answer(reference.tokens):
                near_ties.append(min(reference.margins))
    # A difference is only acceptable where the reference itself was at a logit near-tie.
    assert all(margin < 1e-3 for margin in near_ties), near_ties


def test_offsets_on_real_text_slice_back(smollm2_ner: NERModel) -> None:
    text = "Geoffrey Hinton worked at Google in Toronto. Hinton later left Google."
    [pred] = smollm2_ner.predict(
        [text], ["person", "organisation"], constrained=True, max_new_tokens=24
    )
    for entity in pred.entities:
        assert text[entity.start : entity.end] == entity.text
        assert entity.score is not None and 0.0 < entity.score <= 1.0
    assert pred.meta["ungrounded"] == 0
