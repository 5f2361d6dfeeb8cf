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
    summary = _bench(tiny_model_dir, [*SETTINGS, "lora bf16+labels"], "--jobs", "2")

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
    for family in ("fp32_spread", "lora_fp32_spread"):
        spread = summary[family]
        assert spread["runs"] == 2 and spread["relative_std"] > 0
        assert spread["tolerance"] >= 0.01


@pytest.mark.slow
def test_bench_train_warms_the_learning_rate_up(tiny_model_dir: Path, shared_data: Path):
    def losses(*options: str) -> list[float]:
        return list(_bench(tiny_model_dir, ["fp32"], *options)["settings"]["fp32"]["losses"])

    still, flat, warm = losses("--lr", "0"), losses(), losses("--warmup-steps", "3")
    assert still[0] == flat[0] == warm[0]  # the same weights see the same first batch
    # A third of the learning rate on the first update: the second batch's loss moves less.
    assert 0 < abs(warm[1] - still[1]) < abs(flat[1] - still[1])


def _bench(model: Path, settings: list[str], *options: str) -> dict:
    command = [sys.executable, str(SCRIPT), "--model", str(model), "--steps", "2", *options]
    command += ["--held-out", "1", "--batch-size", "2"]
    if "--lr" not in options:
        command += ["--lr", "1e-2"]  # the tiny model moves
    for name in settings:
        command += ["--only", name]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))
