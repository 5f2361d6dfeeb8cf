"""Runs that span several sittings: one schedule from the first step to the last.

A resumed run restores the optimizer, the learning-rate scheduler's position, the random state
and the data order from its newest checkpoint, but the scheduler's *shape* (how many steps the
cosine spans, the warm-up) is rebuilt from the options of the resuming call. Resuming with
another epoch count once changed a shipped run's schedule half-way. So the first call records
the options that fix the schedule (``run_schedule.json``), and a resume with other values is
refused, naming them. ``stop_at_step`` ends a sitting early without touching the schedule: the
same command later resumes and trains as an uninterrupted run would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from uniner.train.config import TrainConfig

SCHEDULE_NAME = "run_schedule.json"
# The options that decide which batch comes at which step and at what learning rate.
SCHEDULE_FIELDS = (
    "model",
    "data",
    "epochs",
    "max_steps",
    "learning_rate",
    "lr_scheduler",
    "warmup_ratio",
    "weight_decay",
    "batch_size",
    "grad_accum",
    "max_length",
    "packing",
    "lora",
    "lora_r",
    "lora_alpha",
    "seed",
)


def schedule_of(config: TrainConfig) -> dict[str, Any]:
    """The schedule-deciding options of ``config``, as JSON values."""
    settings = config.to_dict()
    return {name: settings[name] for name in SCHEDULE_FIELDS}


def check_schedule(config: TrainConfig, *, resuming: bool) -> None:
    """Record the schedule of a new run; refuse to resume one under another schedule.

    Raises:
        ValueError: resuming with schedule options other than the run's first call's.
    """
    path = Path(config.out) / SCHEDULE_NAME
    wanted = schedule_of(config)
    if not resuming or not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(wanted, indent=2) + "\n")
        return
    recorded = json.loads(path.read_text())
    changed = {k: (recorded.get(k), v) for k, v in wanted.items() if recorded.get(k) != v}
    if changed:
        said = ", ".join(f"{k}: {old!r} -> {new!r}" for k, (old, new) in changed.items())
        raise ValueError(
            f"{config.out} holds a run started with other schedule options ({said}); a resumed "
            "run must keep them to train as an uninterrupted one would. Resume with the same "
            "options, train into a new output folder, or pass --no-resume to start over."
        )


class StopAtStep(TrainerCallback):
    """End the sitting once ``step`` is reached, saving a checkpoint to resume from."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if state.global_step >= self.step and state.global_step < state.max_steps:
            control.should_save = True
            control.should_training_stop = True
        return control
