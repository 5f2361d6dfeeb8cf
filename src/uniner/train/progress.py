"""Training progress on disk: one JSON line per log event, and a loss-curve PNG."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

LOG_NAME = "train_log.jsonl"
PLOT_NAME = "loss.png"


class JsonlLogCallback(TrainerCallback):
    """Append every ``trainer.log`` event (loss, lr, eval loss, dev F1) to a JSONL file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero or not logs:
            return
        record = {"step": state.global_step, "epoch": state.epoch, **logs}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


def read_log(path: Path) -> list[dict[str, Any]]:
    """The events of a training log (empty when there is none)."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def plot_loss(log_path: Path, png_path: Path) -> Path | None:
    """Plot training (and eval) loss against step; None when matplotlib or data is missing."""
    events = read_log(log_path)
    train = [(e["step"], e["loss"]) for e in events if "loss" in e]
    evals = [(e["step"], e["eval_loss"]) for e in events if "eval_loss" in e]
    if not train and not evals:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the GPU image may not have it; the JSONL log is the record
        return None
    figure, axes = plt.subplots(figsize=(6, 4))
    for points, label in ((train, "train loss"), (evals, "dev loss")):
        if points:
            axes.plot(
                *zip(*points, strict=True), label=label, marker="." if label[0] == "d" else ""
            )
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.legend()
    figure.tight_layout()
    figure.savefig(png_path, dpi=100)
    plt.close(figure)
    return png_path
