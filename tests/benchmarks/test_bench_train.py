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
    fast_twin = "bf16+labels reordered"
    settings = [*SETTINGS, fast_twin, "lora bf16+labels"]
    summary = _bench(tiny_model_dir, settings, "--jobs", "2", "--score-every", "1")

    # bf16 runs are scored twice: in float32 (the LoRA one over the float32 base, not its bf16
    # copy) and in their own precision, which rounds differently.
    for name in ("bf16+labels", "lora bf16+labels"):
        scores = summary["settings"][name]
        assert scores["held_out_loss"] != scores["held_out_loss_own_dtype"]
    assert set(summary["held_out_gap_vs_fp32"]) == {"bf16+labels", fast_twin, "lora bf16+labels"}
    assert summary["fastest"] == "bf16+labels"  # a twin measures noise; it is never the verdict
    # Two fast runs against two float32 ones: the gap of the means and its interval (LoRA has
    # one fast run, too few to spread).
    means = summary["order_means"]
    assert set(means) == {"full"} and means["full"]["runs"] == 2
    assert means["full"]["ci95"] > 0
    assert isinstance(summary["loss_parity"], bool)
    # Held-out scores during training too (after the warm-up step and each of the 2 timed
    # ones), and each fast run paired with the float32 run on its batch order.
    for name in settings:
        curve = summary["settings"][name]["held_out_curve"]
        assert [step for step, _ in curve] == [1, 2, 3]
        assert curve[0][1] != curve[-1][1]  # lr 1e-2 moves the tiny model
    paired = summary["paired_gaps"]
    assert set(paired) == {"bf16+labels", fast_twin, "lora bf16+labels"}
    assert [step for step, _ in paired[fast_twin]["curve"]] == [1, 2, 3]
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


@pytest.mark.slow
def test_bench_train_scoring_during_training_leaves_training_alone(
    tiny_model_dir: Path, shared_data: Path
):
    settings = ["fp32", "lora bf16+labels"]
    plain = _bench(tiny_model_dir, settings)["settings"]
    scored = _bench(tiny_model_dir, settings, "--score-every", "1")["settings"]
    for name in settings:
        assert scored[name]["losses"] == plain[name]["losses"]
        assert scored[name]["held_out_loss"] == plain[name]["held_out_loss"]


def _bench(model: Path, settings: list[str], *options: str) -> dict:
    command = [sys.executable, str(SCRIPT), "--model", str(model), "--steps", "2", *options]
    command += ["--held-out", "1", "--batch-size", "2"]
    if "--lr" not in options:
        command += ["--lr", "1e-2", "--lora-lr", "5e-2"]  # the tiny model moves, LoRA too
    for name in settings:
        command += ["--only", name]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_order_means_tell_a_systematic_gap_from_one_draw():
    bench = _module()

    def runs(prefix: str, losses: list[float]) -> dict[str, dict]:
        names = [prefix, *(f"{prefix} {twin}" for twin in bench.ORDERS)]
        return {n: {"held_out_loss": x} for n, x in zip(names, losses, strict=True)}

    float32 = runs("fp32", [1.00, 1.02, 0.98, 1.00])
    lower = bench._mean_gap(float32 | runs("bf16+labels", [0.90, 0.91, 0.89, 0.90]), "full")
    assert lower["runs"] == 4 and lower["relative_gap"] == -0.1
    assert 0 < lower["ci95"] < 0.1  # every fast run below every float32 run: systematic
    level = bench._mean_gap(float32 | runs("bf16+labels", [0.97, 1.03, 1.01, 0.99]), "full")
    assert abs(level["relative_gap"]) < level["ci95"]  # the same mean within noise
    assert bench._mean_gap(float32, "full") is None  # no fast run: nothing to compare


def test_scoring_a_lora_bf16_run_leaves_the_random_stream_alone(tiny_model_dir: Path):
    import argparse

    import torch

    from uniner.train.collate import PackingCollator

    bench = _module()
    setting = bench.SETTINGS["lora bf16+labels"]
    model = bench._load(str(tiny_model_dir), setting)
    rows = [{"input_ids": [1, 2, 3, 4], "labels": [-100, -100, 3, 4]}]
    torch.manual_seed(7)
    state = torch.get_rng_state()
    args = argparse.Namespace(model=str(tiny_model_dir))
    loss = bench._float32_score(model, setting, PackingCollator(label_logits=True), [rows], args)
    assert loss > 0
    # Loading the float32 copy seeds torch; training after it must draw what it would have.
    assert torch.equal(torch.get_rng_state(), state)


def test_paired_gaps_compare_each_fast_run_with_float32_on_its_order():
    bench = _module()
    results = {
        "fp32": {"held_out_loss": 1.0, "held_out_curve": [[4, 2.0], [8, 1.0]]},
        "fp32 reordered": {"held_out_loss": 0.8},
        "bf16+labels": {"held_out_loss": 0.9, "held_out_curve": [[4, 2.2], [8, 0.9]]},
        "bf16+labels reordered": {"held_out_loss": 0.84},
        "bf16+labels shuffled": {"held_out_loss": 0.5},  # no float32 run on this order
    }
    paired = bench._paired_gaps(results)
    assert paired == {
        "bf16+labels": {"final": -0.1, "curve": [[4, 0.1], [8, -0.1]]},
        "bf16+labels reordered": {"final": 0.05},
    }


def _module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_train", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
