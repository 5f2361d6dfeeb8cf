"""``TrainConfig``: every option of the student trainer, validated where it is made."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from uniner.hardware import DTYPE_NAMES
from uniner.prompts import STYLES, Style

Dtype = Literal["auto", "float32", "bfloat16"]
# uniner.hardware's names, less float16: mixed precision here is bfloat16's (no loss scaling).
DTYPES: tuple[Dtype, ...] = ("auto", "float32", "bfloat16")
assert set(DTYPES) <= set(DTYPE_NAMES)

# Paper: lr 2e-5 for full fine-tuning of LLaMA 7B/13B. LoRA trains far fewer weights and
# needs a larger step; 2e-4 is the common starting point for LoRA on small models.
FULL_LR = 2e-5
BEST_METRICS = (None, "dev_f1", "loss")
LORA_LR = 2e-4


@dataclass
class TrainConfig:
    """Options of :func:`uniner.train.train`; defaults follow the paper where it says.

    Args:
        model: base model, a hub id or a local directory.
        data: training conversations (``train.jsonl`` from ``uniner build-data``).
        out: output directory: the trained model (or adapter), logs and checkpoints.
        dev_data: dev conversations; default ``dev.jsonl`` beside ``data`` when present.
        lora: train a LoRA adapter instead of every weight.
        qlora: LoRA over a 4-bit base (needs CUDA and bitsandbytes).
        lora_r / lora_alpha / lora_dropout / lora_targets: the adapter's shape. Dropout is
            off by default: on a CPU its masks over every adapter's input cost ~45% of a step
            (5 LoRA steps on Pile-NER: 85 s without, 124 s with 0.05, the same losses).
        merge_lora: save merged weights instead of the adapter.
        epochs: passes over the data (paper: 3); ``max_steps`` > 0 overrides.
        learning_rate: default 2e-5 full fine-tuning (paper), 2e-4 LoRA.
        batch_size: conversations per device per step; ``grad_accum`` steps per update.
        warmup_ratio / lr_scheduler: paper: 0.04 and cosine.
        max_length: token limit (paper: 1024); longer conversations are skipped, never cut.
        dtype: the compute dtype: ``auto`` (bfloat16 where the device multiplies it natively:
            CUDA, CPUs with AVX512-BF16/AMX or Arm BF16; else float32), ``bfloat16`` or
            ``float32``. bfloat16 is mixed precision: trained weights stay float32.
        gradient_checkpointing: trade compute for activation memory.
        attn_implementation: transformers attention backend (``sdpa``, ``flex_attention``,
            ``flash_attention_2``, ...); default: per-conversation sdpa for packed batches
            (:mod:`uniner.attention`), the model's own otherwise.
        packing: padding-free batches (conversations concatenated, positions restarted,
            no attention across them); else padded batches grouped by length.
        label_logits: compute the output layer only where a token carries loss (same loss,
            less work); off for models whose forward has no ``logits_to_keep``.
        style: prompt style; default from the tokenizer (chat template -> ``chat``).
        loss_on_acknowledgement: also learn ``I've read this text.`` (released code does).
        dev_score_queries: dev questions answered by greedy generation and scored with the
            official metric at each evaluation (0 disables).
        best_metric: keep (and save as the result) the checkpoint with the best dev value of
            this metric: ``dev_f1`` (the dev score, higher is better) or ``loss`` (dev loss,
            lower is better); None keeps the last. Needs dev data; checkpoints are evaluated
            every ``save_steps``.
        early_stopping_patience: stop after this many evaluations without a better
            ``best_metric`` (None: train the whole budget).
        resume: continue from the newest checkpoint in ``out`` when there is one, with the
            schedule options the run started with (:mod:`uniner.train.resume`).
        stop_at_step: end this sitting once the run reaches this step (a checkpoint is saved;
            the schedule stays the whole run's): the same call later resumes from there.
    """

    model: str
    data: str | Path
    out: str | Path
    dev_data: str | Path | None = None
    lora: bool = False
    qlora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.0
    lora_targets: str | list[str] = "all-linear"
    merge_lora: bool = False
    epochs: float = 3.0
    max_steps: int = -1
    learning_rate: float | None = None
    batch_size: int = 8
    grad_accum: int = 1
    warmup_ratio: float = 0.04
    lr_scheduler: str = "cosine"
    weight_decay: float = 0.0
    max_length: int = 1024
    dtype: Dtype = "auto"
    gradient_checkpointing: bool = False
    attn_implementation: str | None = None
    packing: bool = True
    label_logits: bool = True
    style: Style | None = None
    loss_on_acknowledgement: bool = False
    logging_steps: int = 10
    save_steps: int = 500
    eval_steps: int | None = None
    save_total_limit: int = 2
    dev_score_queries: int = 64
    best_metric: str | None = None
    early_stopping_patience: int | None = None
    resume: bool = True
    stop_at_step: int | None = None
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data, self.out = Path(self.data), Path(self.out)
        if self.dev_data is None:
            beside = self.data.parent / "dev.jsonl"
            self.dev_data = beside if beside.is_file() and beside != self.data else None
        elif self.dev_data is not None:
            self.dev_data = Path(self.dev_data)
        self.lora = self.lora or self.qlora
        self._check()

    def _check(self) -> None:
        positive = {
            "batch_size": self.batch_size,
            "grad_accum": self.grad_accum,
            "max_length": self.max_length,
            "lora_r": self.lora_r,
            "logging_steps": self.logging_steps,
            "save_steps": self.save_steps,
        }
        for name, value in positive.items():
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if self.epochs <= 0 and self.max_steps <= 0:
            raise ValueError(f"epochs must be > 0 (or max_steps > 0), got {self.epochs}")
        if not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.learning_rate is not None and self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if self.style is not None and self.style not in STYLES:
            raise ValueError(f"style must be one of {STYLES}, got {self.style!r}")
        if self.stop_at_step is not None and self.stop_at_step < 1:
            raise ValueError(f"stop_at_step must be >= 1, got {self.stop_at_step}")
        if self.dev_score_queries < 0:
            raise ValueError(f"dev_score_queries must be >= 0, got {self.dev_score_queries}")
        self._check_selection()

    def _check_selection(self) -> None:
        """The checkpoint-selection options agree with each other."""
        if self.best_metric not in BEST_METRICS:
            raise ValueError(f"best_metric must be one of {BEST_METRICS}, got {self.best_metric!r}")
        if self.best_metric == "dev_f1" and self.dev_score_queries == 0:
            raise ValueError("best_metric='dev_f1' needs dev_score_queries > 0")
        if self.early_stopping_patience is not None:
            if self.best_metric is None:
                raise ValueError("early_stopping_patience needs a best_metric")
            if self.early_stopping_patience < 1:
                raise ValueError(
                    f"early_stopping_patience must be >= 1, got {self.early_stopping_patience}"
                )

    @property
    def lr(self) -> float:
        """The learning rate in use (the explicit one, else the default for the mode)."""
        if self.learning_rate is not None:
            return self.learning_rate
        return LORA_LR if self.lora else FULL_LR

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(data=str(self.data), out=str(self.out), learning_rate=self.lr)
        d["dev_data"] = str(self.dev_data) if self.dev_data else None
        return d
