"""The fast training paths give the numbers of the plain ones: per-conversation attention over
packed rows, and the output layer computed at answer tokens only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from uniner.attention import PACKED_SDPA, register_packed_sdpa
from uniner.train.collate import PackingCollator, PaddingCollator

A = {"input_ids": [1, 20, 300, 4000, 5, 6], "labels": [-100, -100, -100, 4000, 5, 6]}
B = {"input_ids": [7, 80, 900, 10], "labels": [-100, -100, 900, 10]}
C = {"input_ids": [11, 12, 13], "labels": [-100, -100, 13]}


def _model(directory: Path, attention: str) -> Any:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(
        directory, attn_implementation=attention, dtype="float32"
    )
    model.config.use_cache = False
    return model


def test_packing_collator_passes_conversation_bounds() -> None:
    batch = PackingCollator()([A, B, C])
    assert batch["cu_seq_lens_q"].tolist() == [0, 6, 10, 13]
    assert batch["cu_seq_lens_k"].tolist() == [0, 6, 10, 13]
    assert (batch["max_length_q"], batch["max_length_k"]) == (6, 6)


def test_label_logits_keep_exactly_the_positions_that_predict_an_answer() -> None:
    batch = PackingCollator(label_logits=True)([A, B])
    # labels [-100,-100,-100,4000,5,6 | -100,-100,900,10]: position i predicts label i + 1.
    assert batch["logits_to_keep"].tolist() == [
        [False, False, True, True, True, False, False, True, True, False]
    ]
    assert batch["shift_labels"].tolist() == [4000, 5, 6, 900, 10]
    padded = PaddingCollator(0, label_logits=True)([B, C])
    assert padded["logits_to_keep"].tolist() == [
        [False, True, True, False],
        [False, True, False, False],
    ]
    assert padded["shift_labels"].tolist() == [900, 10, 13]


def test_packed_sdpa_equals_separate_forwards(tiny_model_dir: Path) -> None:
    import torch

    model = _model(tiny_model_dir, register_packed_sdpa())
    assert model.config._attn_implementation == PACKED_SDPA
    batch = PackingCollator()([A, B, C])
    with torch.no_grad():
        packed = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
        alone = [model(input_ids=torch.tensor([f["input_ids"]])).logits[0] for f in (A, B, C)]
    torch.testing.assert_close(packed[0], torch.cat(alone), atol=1e-5, rtol=1e-4)


def test_packed_sdpa_attends_within_each_sequence_without_any_mask() -> None:
    """The function itself, given bounds and no mask: each slice is its own causal sequence."""
    import torch
    from torch.nn.functional import scaled_dot_product_attention as sdpa

    from uniner.attention import packed_sdpa_forward

    torch.manual_seed(0)
    query, key, value = (torch.randn(1, 2, 7, 8) for _ in range(3))
    module = torch.nn.Module()
    module.num_key_value_groups = 1
    out, _ = packed_sdpa_forward(module, query, key, value, None, cu_seq_lens_q=[0, 4, 7])
    for start, end in ((0, 4), (4, 7)):
        q, k, v = query[:, :, start:end], key[:, :, start:end], value[:, :, start:end]
        alone = sdpa(q, k, v, is_causal=True).transpose(1, 2)
        torch.testing.assert_close(out[:, start:end], alone)


def test_packed_sdpa_falls_back_to_sdpa_with_its_mask(tiny_model_dir: Path) -> None:
    """Left-padded generation (the dev score) needs the padding mask: same logits as sdpa."""
    import torch

    ids = torch.tensor([[0, 0, 5, 6, 7], [1, 2, 3, 4, 5]])
    mask = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    with torch.no_grad():
        ours = _model(tiny_model_dir, register_packed_sdpa())(input_ids=ids, attention_mask=mask)
        plain = _model(tiny_model_dir, "sdpa")(input_ids=ids, attention_mask=mask)
    torch.testing.assert_close(ours.logits[:, 2:], plain.logits[:, 2:], atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("packing", [True, False])
def test_label_only_loss_and_gradients_equal_the_full_logits_ones(
    tiny_model_dir: Path, packing: bool
) -> None:
    import torch

    def loss_and_grad(label_logits: bool) -> tuple[float, Any]:
        model = _model(tiny_model_dir, "sdpa")
        collate = PackingCollator(label_logits) if packing else PaddingCollator(0, label_logits)
        out = model(**collate([A, B, C]))
        out.loss.backward()
        return float(out.loss.detach()), model.lm_head.weight.grad.clone()

    full_loss, full_grad = loss_and_grad(False)
    kept_loss, kept_grad = loss_and_grad(True)
    assert kept_loss == pytest.approx(full_loss, abs=1e-5)
    torch.testing.assert_close(kept_grad, full_grad, atol=1e-6, rtol=1e-4)
