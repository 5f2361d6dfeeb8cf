"""benchmarks/bench_linear.py: every kernel timed and checked against float32, then scored."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import torch

from uniner.hardware import cpu_model

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "bench_linear.py"
FBGEMM = "fbgemm" in torch.backends.quantized.supported_engines


def test_bench_linear_times_each_kernel_and_scores_the_student(
    tiny_model_dir: Path, shared_data: Path
) -> None:
    command = [sys.executable, str(SCRIPT), "--repeats", "1", "--eval-limit", "1"]
    command += ["--model", str(tiny_model_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["cpu"] == cpu_model()
    expected = ["float32", "float16-weights", "int8-fbgemm", "int8-int-mm"]
    assert result["kernels"] == (expected if FBGEMM else ["float32", "int8-int-mm"])
    rows = result["layers"]
    assert len(rows) == 3 * 4 * len(result["kernels"])  # shapes x row counts x kernels
    worst = {k: max(r["error"] for r in rows if r["kernel"] == k) for k in result["kernels"]}
    assert worst["float32"] == 0.0
    assert 0.0 < worst["int8-int-mm"] < 0.05  # int8 rounds, a little
    if FBGEMM:
        assert 0.0 < worst["float16-weights"] < 1e-3 < worst["int8-fbgemm"] < 0.05
    assert all(r["us"] > 0 for r in rows)
    scored = result["zero_shot"]
    assert set(scored) == set(result["kernels"])
    assert all(len(s["per_set"]) == 7 and 0.0 <= s["f1"] <= 100.0 for s in scored.values())


def test_bench_linear_refuses_an_unknown_kernel() -> None:
    command = [sys.executable, str(SCRIPT), "--kernels", "float32,int4"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "unknown kernel(s) ['int4']" in done.stderr
