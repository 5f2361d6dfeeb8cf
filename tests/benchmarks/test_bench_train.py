"""benchmarks/bench_train.py end to end on the tiny model: every family, its verdicts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "bench_train.py"
SETTINGS = ["fp32", "fp32 reordered", "bf16+labels", "lora fp32", "lora fp32 reordered"]


@pytest.mark.slow
def test_bench_train_scores_every_setting_in_float32(tiny_model_dir: Path, shared_data: Path):
    command = [sys.executable, str(SCRIPT), "--model", str(tiny_model_dir), "--steps", "2"]
    command += ["--held-out", "1", "--batch-size", "2", "--lr", "1e-2"]  # the tiny model moves
    for name in [*SETTINGS, "lora bf16+labels"]:
        command += ["--only", name]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    summary = json.loads(out.stdout.strip().splitlines()[-1])

    # bf16 runs are scored twice: in float32 (the LoRA one over the float32 base, not its bf16
    # copy) and in their own precision, which rounds differently.
    for name in ("bf16+labels", "lora bf16+labels"):
        scores = summary["settings"][name]
        assert scores["held_out_loss"] != scores["held_out_loss_own_dtype"]
    assert set(summary["held_out_gap_vs_fp32"]) == {"bf16+labels", "lora bf16+labels"}
    assert summary["fastest"] == "bf16+labels"
    assert isinstance(summary["loss_parity"], bool)
    assert isinstance(summary["lora_loss_parity"], bool)
    # Reordering the same batches moves each float32 run somewhere else: a real noise floor.
    assert summary["fp32_noise"] > 0 and summary["lora_fp32_noise"] > 0
