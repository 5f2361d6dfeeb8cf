"""The multi-process path, for real: two processes over gloo give one process's losses.

``accelerate launch --multi_gpu --num_processes 2`` is the launcher users take on many GPUs
(torchrun underneath); on a machine without CUDA uniner's trainer puts each process on the CPU
and accelerate joins them with gloo. (``accelerate launch --cpu`` starts one process only.)
Two processes of 4 conversations each must train exactly as one process of 8: the same
batches (accelerate hands consecutive batches to the ranks), the loss averaged over the answer
tokens of both, the same gradients.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from uniner.instruct import Conversation, write_conversations

pytestmark = pytest.mark.slow


def _train(model: Path, data: Path, out: Path, *, processes: int) -> list[float]:
    batch = 8 // processes
    args = ["-m", "uniner", "train", "--model", str(model), "--data", str(data), "--out", str(out),
            "--batch-size", str(batch), "--max-steps", "4", "--lr", "1e-3", "--dtype", "float32",
            "--logging-steps", "1", "--dev-score-queries", "0", "--save-steps", "100"]  # fmt: skip
    launcher = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu",
                "--num_processes", str(processes), "--num_machines", "1",
                "--mixed_precision", "no", "--dynamo_backend", "no"]  # fmt: skip
    command = [*launcher, *args] if processes > 1 else [sys.executable, *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    events = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    steps = [e for e in events if "loss" in e]
    assert [e["epoch"] for e in steps] == [0.25, 0.5, 0.75, 1.0]  # global batch 8 of 32
    return [e["loss"] for e in steps]


def test_two_processes_train_as_one_with_the_same_global_batch(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    conversations = [
        Conversation(
            f"c{i}",
            f"Ada Lovelace number {i} lived in London and Paris.",
            [("person", ["Ada Lovelace"]), ("city", ["London", "Paris"][: 1 + i % 2])],
        )
        for i in range(32)
    ]
    data = tmp_path / "train.jsonl"
    write_conversations(conversations, data)
    one = _train(tiny_model_dir, data, tmp_path / "one", processes=1)
    two = _train(tiny_model_dir, data, tmp_path / "two", processes=2)
    assert two == pytest.approx(one, rel=1e-5)
    assert one[-1] < one[0]  # it trained
