"""``dtype="int8"``: int8 linear layers that stay close to float32, in the engine."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from uniner.engine import NERModel
from uniner.engine.quantize import Int8Linear, quantize_int8
from uniner.errors import UninerWarning


def test_an_int8_linear_layer_is_close_to_float32() -> None:
    torch.manual_seed(0)
    layer = torch.nn.Linear(64, 48)
    hidden = torch.randn(2, 5, 64)
    hidden[0, 0] *= 50  # an outlier row keeps its own scale: the others stay exact enough
    quantized = Int8Linear(layer)
    assert quantized.weight.dtype == torch.int8
    with torch.no_grad():
        exact, approx = layer(hidden), quantized(hidden)
    assert approx.shape == exact.shape == (2, 5, 48)
    error = (approx - exact).abs().amax(dim=-1) / exact.abs().amax(dim=-1)
    assert float(error.max()) < 0.03


def test_quantize_int8_keeps_the_output_layer(tiny_model_dir: Path) -> None:
    from transformers import AutoModelForCausalLM

    model = quantize_int8(AutoModelForCausalLM.from_pretrained(tiny_model_dir))
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert linears == [model.get_output_embeddings()]
    assert any(isinstance(m, Int8Linear) for m in model.modules())


@pytest.mark.parametrize("fast", [True, False])
def test_int8_warns_on_a_cpu_without_integer_dot_products(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    import warnings

    from transformers import AutoModelForCausalLM

    import uniner.engine.quantize as quantize

    monkeypatch.setattr(quantize, "cpu_has_int8_dot", lambda: fast)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quantize_int8(model)
    messages = [
        str(w.message)
        for w in caught
        if "int8 has no fast kernel" in str(w.message) and issubclass(w.category, UninerWarning)
    ]
    assert len(messages) == (0 if fast else 1)
    assert any(isinstance(m, Int8Linear) for m in model.modules())  # quantized either way


def test_the_int8_engine_answers_and_says_so(tiny_model_dir: Path) -> None:
    model = NERModel.from_pretrained(tiny_model_dir, device="cpu", dtype="int8")
    assert model.info()["dtype"] == "int8"
    [pred] = model.predict(["Ada Lovelace met Charles Babbage."], ["person"], max_new_tokens=6)
    assert set(pred.answers) == {"person"}
    with pytest.raises(ValueError, match="dtype='int8' runs on the CPU, got device='cuda'"):
        NERModel.from_pretrained(tiny_model_dir, device="cuda", dtype="int8")


def test_the_benchmark_times_the_int8_engine_beside_float32(tiny_model_dir: Path) -> None:
    """``benchmarks/bench_extract.py --int8``'s (e) on the tiny model."""
    import argparse
    import importlib.util

    path = Path(__file__).parents[2] / "benchmarks" / "bench_extract.py"
    spec = importlib.util.spec_from_file_location("bench_extract", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    texts, types = ["Ada met Bob in London.", "Paris is big."], ["person", "city"]
    fp32 = NERModel.from_pretrained(tiny_model_dir, device="cpu", dtype="float32")
    answers = [p.answers for p in fp32.predict(texts, types, max_new_tokens=6)]
    args = argparse.Namespace(model=str(tiny_model_dir), adapter=None, batch_size=2)
    args.max_new_tokens = 6
    result = bench._int8(args, texts, types, {"answers": answers, "engine_s_per_query": 1.0})
    assert result["int8_engine_s_per_query"] > 0
    assert result["int8_speedup_vs_reference_engine"] == pytest.approx(
        1.0 / result["int8_engine_s_per_query"], rel=0.01
    )
    same, total = map(int, result["int8_answers_equal_to_reference"].split("/"))
    assert total == 4 and 0 <= same <= total
