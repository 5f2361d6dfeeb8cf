"""Engine fixtures: one loaded model per test session (load it, never modify it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from uniner.engine import NERModel


@pytest.fixture(scope="session")
def tiny_ner(tiny_model_dir: Path) -> NERModel:
    """The 2-layer random Llama: fast, answers are noise, the mechanics are real."""
    return NERModel.from_pretrained(tiny_model_dir, device="cpu", dtype="float32")


@pytest.fixture(scope="session")
def smollm2_ner(smollm2_dir: Path) -> NERModel:
    """The real SmolLM2-135M-Instruct, float32 on CPU."""
    return NERModel.from_pretrained(smollm2_dir, device="cpu", dtype="float32")
