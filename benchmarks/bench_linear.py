"""Which linear-layer kernel suits this CPU: time, error and F1 of smaller weights.

The engine computes in bfloat16 where the CPU multiplies it natively and in float32 elsewhere.
On CPUs without native bfloat16 (AVX2-only EPYCs, most laptops) smaller weights could stream
faster; this measures the candidates torch offers, on SmolLM2-135M's layer shapes, one thread:

* ``float32``: ``torch.nn.Linear``, the reference;
* ``float16-weights``: FBGEMM's float16-packed weights, float32 arithmetic
  (``torch.ops.quantized.linear_dynamic_fp16``);
* ``int8-fbgemm``: FBGEMM's dynamic int8 linear, one 7-bit scale per input tensor (what
  ``torch.ao.quantization.quantize_dynamic`` and GLiNER's ``quantize=True`` run on x86);
* ``int8-int-mm``: uniner's ``dtype="int8"`` (:class:`uniner.engine.quantize.Int8Linear`,
  ``torch._int_mm``, one scale per input row).

For each: microseconds per call at 1, 8, 32 and 256 rows, and the error against float32
(largest absolute difference over the largest float32 output). ``--eval-limit N`` also puts
each kernel into every linear layer but the output layer of the default student and scores
it on the first N passages of each zero-shot set (F1 and wall seconds; slow kernels take
long; ``--model`` another student). FBGEMM kernels are skipped where torch has none (non-x86).
The last line is one JSON object, with the CPU's model and flags.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_linear.py
    .venv/bin/python benchmarks/bench_linear.py --eval-limit 50 --kernels float32,float16-weights
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable
from typing import Any

import torch

from uniner.engine.quantize import Int8Linear, replace_linears
from uniner.hardware import cpu_flags, cpu_model

KERNELS = ("float32", "float16-weights", "int8-fbgemm", "int8-int-mm")
SHAPES = ((576, 1536), (1536, 576), (576, 576))  # SmolLM2-135M: MLP up/gate, down, attention
ROWS = (1, 8, 32, 256)


class _Packed(torch.nn.Module):
    """A frozen ``Linear`` run by one of FBGEMM's packed kernels; float32 in and out."""

    def __init__(self, layer: torch.nn.Linear, kernel: str) -> None:
        super().__init__()
        self.kernel, self.out_features = kernel, layer.out_features
        bias = None if layer.bias is None else layer.bias.detach().float()
        if kernel == "float16-weights":
            weight = layer.weight.detach().float()
            self.packed = torch.ops.quantized.linear_prepack_fp16(weight, bias)
            return
        rounded = Int8Linear(layer)  # the same int8 weights and row scales as dtype="int8"
        zeros = torch.zeros(rounded.out_features, dtype=torch.long)
        with warnings.catch_warnings():  # torch 2.13 deprecates the quantized tensor used here
            warnings.simplefilter("ignore")
            quantized = torch._make_per_channel_quantized_tensor(
                rounded.weight, rounded.weight_scale.double(), zeros, 0
            )
            self.packed = torch.ops.quantized.linear_prepack(quantized, bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        rows = hidden.reshape(-1, hidden.shape[-1]).float()
        if self.kernel == "float16-weights":
            out = torch.ops.quantized.linear_dynamic_fp16(rows, self.packed)
        else:  # reduce_range: AVX2's 8-bit multiply-add saturates at full range
            out = torch.ops.quantized.linear_dynamic(rows, self.packed, True)
        return out.reshape(*hidden.shape[:-1], self.out_features)


def available(kernels: tuple[str, ...] = KERNELS) -> list[str]:
    """``kernels`` this torch build can run (FBGEMM's only on x86)."""
    fbgemm = "fbgemm" in torch.backends.quantized.supported_engines
    return [k for k in kernels if fbgemm or k in ("float32", "int8-int-mm")]


def convert(layer: torch.nn.Linear, kernel: str) -> torch.nn.Module:
    """``layer`` run by ``kernel`` (one of :data:`KERNELS`)."""
    if kernel == "float32":
        return layer
    if kernel == "int8-int-mm":
        return Int8Linear(layer)
    return _Packed(layer, kernel)


def _microseconds(call: Callable[[torch.Tensor], Any], rows: torch.Tensor, repeats: int) -> float:
    for _ in range(3):
        call(rows)
    started = time.perf_counter()
    for _ in range(repeats):
        call(rows)
    return (time.perf_counter() - started) / repeats * 1e6


def time_layers(kernels: list[str], repeats: int = 50) -> list[dict[str, Any]]:
    """One row per (shape, rows, kernel): microseconds per call and error against float32."""
    torch.manual_seed(0)
    results = []
    for fan_in, fan_out in SHAPES:
        layer = torch.nn.Linear(fan_in, fan_out, bias=False)
        with torch.no_grad():
            layer.weight.mul_(0.05)
        converted = {k: convert(layer, k) for k in kernels}
        for count in ROWS:
            rows = torch.randn(count, fan_in)
            with torch.inference_mode():
                exact = layer(rows)
                for kernel, module in converted.items():
                    error = (module(rows) - exact).abs().max() / exact.abs().max()
                    results.append(
                        {
                            "shape": [fan_in, fan_out],
                            "rows": count,
                            "kernel": kernel,
                            "us": round(_microseconds(module, rows, repeats), 1),
                            "error": round(float(error), 6),
                        }
                    )
    return results


def evaluate_kernel(kernel: str, limit: int, model_name: str | None = None) -> dict[str, Any]:
    """A student (default: the embedded one) with ``kernel`` in its linear layers, scored on
    the first ``limit`` passages of each zero-shot set."""
    from uniner.engine import NERModel
    from uniner.evaluation import evaluate

    ner = NERModel.from_pretrained(model_name, dtype="float32")
    replace_linears(ner.model, lambda layer: convert(layer, kernel))
    started = time.perf_counter()
    result = evaluate(ner, "zero-shot", limit=limit, batch_size=16, progress=False)
    return {
        "f1": round((result.average() or 0.0) * 100, 2),
        "per_set": {d.name: round(d.f1(result.primary) * 100, 1) for d in result.datasets},
        "wall_s": round(time.perf_counter() - started, 1),
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kernels", default=",".join(KERNELS), help="comma-separated")
    parser.add_argument("--repeats", type=int, default=50, help="timed calls per measurement")
    parser.add_argument("--eval-limit", type=int, default=0, help="also F1 on N passages a set")
    parser.add_argument("--model", default=None, help="--eval-limit's student (default: embedded)")
    args = parser.parse_args()
    asked = tuple(k.strip() for k in args.kernels.split(",") if k.strip())
    unknown = sorted(set(asked) - set(KERNELS))
    if unknown:
        parser.error(f"unknown kernel(s) {unknown}; choose from {list(KERNELS)}")
    kernels = available(asked)
    result: dict[str, Any] = {
        "cpu": cpu_model(),
        "flags": sorted(f for f in cpu_flags() if f.startswith(("avx", "amx", "fma"))),
        "threads": torch.get_num_threads(),
        "kernels": kernels,
        "layers": time_layers(kernels, args.repeats),
    }
    for row in result["layers"]:
        print(
            f"{row['shape']} x{row['rows']:>3} {row['kernel']:>16}: {row['us']:>9.1f} us, "
            f"error {row['error']:.4f}",
            flush=True,
        )
    if args.eval_limit:
        result["zero_shot"] = {}
        for kernel in kernels:
            result["zero_shot"][kernel] = evaluate_kernel(kernel, args.eval_limit, args.model)
            print(f"{kernel}: {result['zero_shot'][kernel]}", flush=True)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
