"""The packed prefix tree: layout, mask, gathering, and token-for-token equality with naive."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from uniner.engine.decoding import generate_naive, generate_shared, packable
from uniner.engine.queries import EncodedPassage, encode_passage
from uniner.engine.tree import build_tree

PAD = 0
# Prefixes of different lengths, suffixes of different lengths per type.
PASSAGES = [
    EncodedPassage([1, 2, 3], [[10], [20, 21, 22]], ["a", "b"]),
    EncodedPassage([4, 5], [[30, 31], [40]], ["a", "b"]),
]


def test_layout_right_aligns_every_block_in_shared_columns() -> None:
    tree = build_tree(PASSAGES, PAD)
    assert tree.prefix_width == 3 and tree.block_widths == [2, 3]
    assert tree.ids.tolist() == [[1, 2, 3, 0, 10, 20, 21, 22], [0, 4, 5, 30, 31, 0, 0, 40]]
    assert tree.answer_columns().tolist() == [4, 7]
    # Each block counts its positions from the end of its own prefix.
    assert tree.positions.tolist() == [[0, 1, 2, 0, 3, 3, 4, 5], [0, 0, 1, 2, 3, 0, 0, 2]]


def test_mask_lets_a_block_see_its_prefix_and_itself_only() -> None:
    tree = build_tree(PASSAGES, PAD)
    sees = tree.attention_mask(torch.float32)[:, 0] == 0
    # Row 0, last token of block b (column 7): prefix 0-2 and its own 5-7, not block a (4).
    assert sees[0, 7].nonzero().flatten().tolist() == [0, 1, 2, 5, 6, 7]
    # Row 1, block a's last token (column 4): its prefix 1-2 (column 0 is padding) and 3-4.
    assert sees[1, 4].nonzero().flatten().tolist() == [1, 2, 3, 4]
    # Nothing ever looks ahead.
    assert not torch.triu(sees, diagonal=1).any()


def test_gather_gives_each_query_its_prefix_and_block(tiny_model_dir: Path) -> None:
    from transformers import AutoConfig, DynamicCache

    tree = build_tree(PASSAGES, PAD)
    config = AutoConfig.from_pretrained(tiny_model_dir)
    cache = DynamicCache(config=config)
    width = tree.ids.shape[1]
    # Keys that name their own (row, column), to see where each gathered one came from.
    marks = (torch.arange(2)[:, None] * 100 + torch.arange(width)[None, :]).float()
    for layer in range(config.num_hidden_layers):
        keys = marks[:, None, :, None].expand(2, config.num_key_value_heads, width, 4)
        cache.update(keys.clone(), keys.clone(), layer)
    # Queries 1 and 2: (row 0, block b) and (row 1, block a).
    gathered, mask = tree.gather(cache, [1, 2], config, [False, False])
    seen = gathered.layers[0].keys[:, 0, :, 0]
    assert [row[real.bool()].int().tolist() for row, real in zip(seen, mask, strict=True)] == [
        [0, 1, 2, 5, 6, 7],
        [101, 102, 103, 104],
    ]


@pytest.fixture(scope="module")
def sharp_model(tiny_llama: Callable[..., Path], smollm2_dir: Path, tmp_path_factory) -> object:  # type: ignore[no-untyped-def]
    """A tiny random Llama with large weights: its answers depend on every position."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = tiny_llama(smollm2_dir, tmp_path_factory.mktemp("sharp"), initializer_range=0.5)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    return model, AutoTokenizer.from_pretrained(folder)


def test_shared_decoding_equals_naive_token_for_token(sharp_model) -> None:  # type: ignore[no-untyped-def]
    model, tokenizer = sharp_model
    texts = ["Ada Lovelace met Charles Babbage in London.", "Zoë lives in Reykjavík, Iceland."]
    types = ["person", "programming language", "city"]
    encoded = [encode_passage(tokenizer, "chat", t, types) for t in texts]
    shared = generate_shared(model, tokenizer, encoded, max_new_tokens=8)
    for passage, generations in zip(encoded, shared, strict=True):
        for k, gen in enumerate(generations):
            naive = generate_naive(model, tokenizer, passage.full(k), max_new_tokens=8)
            assert gen.tokens == naive.tokens
            assert gen.logprobs == pytest.approx(naive.logprobs, abs=1e-4)
    assert max(len(g.tokens) for gens in shared for g in gens) > 1  # the gathered rows ran


def test_a_guess_adds_one_column_per_block_and_is_masked_unless_taken() -> None:
    tree = build_tree(PASSAGES, PAD, draft=99)
    assert tree.ids[0].tolist() == [1, 2, 3, 0, 10, 99, 20, 21, 22, 99]
    assert tree.ids[1].tolist() == [0, 4, 5, 30, 31, 99, 0, 0, 40, 99]
    # Logits after each prompt (columns 4, 8), then after each guess (5, 9).
    assert tree.answer_columns().tolist() == [4, 8, 5, 9]
    assert tree.positions[0].tolist() == [0, 1, 2, 0, 3, 4, 3, 4, 5, 6]


@pytest.mark.parametrize("max_new_tokens", [1, 2, 6])
def test_shared_decoding_with_a_guess_equals_naive(sharp_model, max_new_tokens: int) -> None:  # type: ignore[no-untyped-def]
    model, tokenizer = sharp_model
    texts = ["Ada Lovelace met Charles Babbage in London.", "Zoë lives in Reykjavík, Iceland."]
    types = ["person", "programming language", "city", "year"]
    encoded = [encode_passage(tokenizer, "chat", t, types) for t in texts]
    naive = [
        generate_naive(model, tokenizer, p.full(k), max_new_tokens=max_new_tokens)
        for p in encoded
        for k in range(len(types))
    ]
    firsts = [g.tokens[0] for g in naive]
    draft = max(set(firsts), key=firsts.count)  # a guess that is right for some queries only
    assert 0 < firsts.count(draft) < len(firsts)
    shared = generate_shared(model, tokenizer, encoded, max_new_tokens=max_new_tokens, draft=draft)
    flat = [g for gens in shared for g in gens]
    for got, want in zip(flat, naive, strict=True):
        assert got.tokens == want.tokens and got.finished == want.finished
        assert got.logprobs == pytest.approx(want.logprobs, abs=1e-4)
    if max_new_tokens > 2:  # a right guess whose answer goes on: decoded from the gathered rows
        assert any(g.tokens[0] == draft and len(g.tokens) > 2 for g in flat)


def test_packing_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="no passages"):
        build_tree([], PAD)
    with pytest.raises(ValueError, match="at least one token"):
        build_tree([EncodedPassage([1, 2], [[3], []], ["a", "b"])], PAD)


def test_sliding_window_models_take_the_unpacked_path(smollm2_dir: Path) -> None:
    """A custom 4D mask would override a sliding window: such models decode full prompts."""
    from transformers import AutoTokenizer, MistralConfig, MistralForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir)
    config = MistralConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, sliding_window=16, initializer_range=0.5,
    )  # fmt: skip
    torch.manual_seed(0)
    model = MistralForCausalLM(config).eval()
    assert not packable(model)
    encoded = [encode_passage(tokenizer, "chat", "Ada Lovelace lived in London.", ["person"])]
    (shared,) = generate_shared(model, tokenizer, encoded, max_new_tokens=5, draft=75)
    naive = generate_naive(model, tokenizer, encoded[0].full(0), max_new_tokens=5)
    assert shared[0].tokens == naive.tokens


def test_only_attention_that_honours_a_4d_mask_packs(sharp_model) -> None:  # type: ignore[no-untyped-def]
    model, _ = sharp_model
    assert packable(model)
    config = copy.deepcopy(model.config)
    config._attn_implementation = "flash_attention_2"
    assert not packable(SimpleNamespace(config=config))


def test_the_guess_is_the_first_token_of_an_empty_answer(smollm2_dir: Path) -> None:
    from transformers import AutoTokenizer

    from uniner.engine.queries import empty_answer_start

    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir)
    # The chat template writes "[]" as "[", "]"; the uniner format as one token " []".
    assert tokenizer.convert_ids_to_tokens([empty_answer_start(tokenizer, "chat")]) == ["["]
    assert tokenizer.convert_ids_to_tokens([empty_answer_start(tokenizer, "uniner")]) == ["Ġ[]"]
