"""``train``: fine-tune a student on conversations with transformers' Trainer.

Built on :class:`transformers.Trainer`, so the same call runs on one CPU, one GPU, or many
GPUs under ``accelerate launch`` / ``torchrun`` with FSDP or DeepSpeed (see configs/).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from uniner.checkpoints import ModelCard
from uniner.checkpoints.readme import TRAIN_CONFIG, write_readme
from uniner.instruct.io import read_conversations
from uniner.prompts import DESCRIPTION_TEMPLATE_VERSION, TEMPLATE_VERSION, Style, default_style
from uniner.train.collate import PackingCollator, PaddingCollator
from uniner.train.config import TrainConfig
from uniner.train.dev_score import DevQuestion, dev_questions, dev_score
from uniner.train.model import (
    base_model_name,
    load_model,
    load_tokenizer,
    resolve_dtype,
    resolve_model_path,
    takes_logits_to_keep,
    training_device,
)
from uniner.train.progress import LOG_NAME, PLOT_NAME, JsonlLogCallback, plot_loss
from uniner.train.resume import StopAtStep, check_schedule
from uniner.train.tokenize import Encoded, encode_all

CHECKPOINTS = "checkpoints"


def train(config: TrainConfig) -> Path:
    """Fine-tune ``config.model`` on ``config.data``; return the output directory.

    The output loads with ``NERModel.from_pretrained(out)``: merged weights, or a LoRA adapter
    (``adapter_config.json``) over ``uniner.json["base_model"]``. Beside it: ``uniner.json``,
    ``README.md`` (the Hugging Face model card, :mod:`uniner.checkpoints.readme`),
    ``train_config.json``, ``train_log.jsonl``, ``loss.png`` and ``checkpoints/``.

    >>> train(TrainConfig("HuggingFaceTB/SmolLM2-135M-Instruct", "data/train.jsonl",
    ...                   "students/smol", lora=True))  # doctest: +SKIP
    """
    from transformers import set_seed

    set_seed(config.seed)
    name = resolve_model_path(config.model)
    tokenizer = load_tokenizer(name)
    style: Style = config.style or default_style(tokenizer)
    train_set, dev_set, dev_qs = _datasets(config, tokenizer, style)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = _last_checkpoint(config)
    check_schedule(config, resuming=checkpoint is not None)
    model = load_model(config, name)
    _log_setup(config, model)
    trainer = _trainer(config, model, tokenizer, style, train_set, dev_set, dev_qs)
    trainer.train(resume_from_checkpoint=checkpoint)
    if _stopped_early(config, trainer):
        print(
            f"uniner train: stopped at step {trainer.state.global_step} of "
            f"{trainer.state.max_steps} (stop_at_step); run the same command to resume"
        )
        return out
    if dev_qs and trainer.is_world_process_zero():
        # Before saving, so that the model card's evaluation has the final score; the model
        # that ends the run was scored already when it is a scored checkpoint (the best one,
        # or the last): thousands of dev questions are not answered twice.
        scored = final_dev_score(trainer.state)
        trainer.log(scored or dev_score(trainer.model, tokenizer, dev_qs, style))
    _save(trainer, config, tokenizer, style, base_model_name(config, name))
    plot_loss(out / LOG_NAME, out / PLOT_NAME)
    return out


def _datasets(
    config: TrainConfig, tokenizer: Any, style: Style
) -> tuple[list[dict[str, list[int]]], list[dict[str, list[int]]] | None, list[DevQuestion]]:
    options: dict[str, Any] = {
        "max_length": config.max_length,
        "loss_on_acknowledgement": config.loss_on_acknowledgement,
    }
    encoded, dropped = encode_all(read_conversations(config.data), tokenizer, style, **options)
    if not encoded:
        raise ValueError(
            f"no training conversation in {config.data} fits max_length={config.max_length}"
        )
    if dropped:
        print(f"uniner train: skipped {dropped} conversations longer than {config.max_length}")
    if config.dev_data is None:
        return _rows(encoded), None, []
    dev = read_conversations(config.dev_data)
    dev_encoded, _ = encode_all(dev, tokenizer, style, **options)
    questions = dev_questions(dev, tokenizer, style, config.dev_score_queries)
    return _rows(encoded), (_rows(dev_encoded) or None), questions


def _rows(encoded: list[Encoded]) -> list[dict[str, list[int]]]:
    return [{"input_ids": e.input_ids, "labels": e.labels} for e in encoded]


def _trainer(
    config: TrainConfig,
    model: Any,
    tokenizer: Any,
    style: Style,
    train_set: list[dict[str, list[int]]],
    dev_set: list[dict[str, list[int]]] | None,
    questions: list[DevQuestion],
) -> Any:
    from transformers import Trainer

    class StudentTrainer(Trainer):
        """Adds the generation-based dev score to every evaluation."""

        def evaluation_loop(self, *args: Any, **kwargs: Any) -> Any:
            output = super().evaluation_loop(*args, **kwargs)
            # Sharded models (FSDP / DeepSpeed ZeRO-3) cannot generate on one rank alone;
            # there the dev loss is the signal and the score is taken after training.
            sharded = self.is_fsdp_enabled or self.is_deepspeed_enabled
            dev = kwargs.get("metric_key_prefix", "eval") == "eval"  # not predict()
            if questions and dev and not sharded and output.metrics is not None:
                scores = dev_score(self.model, tokenizer, questions, style)
                self.log(scores)
                # Here, not in evaluate(): the callbacks (early stopping) see these metrics,
                # eval_-prefixed as metric_for_best_model names them.
                output.metrics.update({f"eval_{k}": v for k, v in scores.items()})
            return output

    label_logits = config.label_logits and takes_logits_to_keep(model)
    collator = (
        PackingCollator(label_logits=label_logits)
        if config.packing
        else PaddingCollator(tokenizer.pad_token_id, label_logits=label_logits)
    )
    return StudentTrainer(
        model=model,
        args=_arguments(config, has_dev=dev_set is not None),
        train_dataset=train_set,
        eval_dataset=dev_set,
        data_collator=collator,
        callbacks=_callbacks(config),
    )


def _callbacks(config: TrainConfig) -> list[Any]:
    callbacks: list[Any] = [JsonlLogCallback(Path(config.out) / LOG_NAME)]
    if config.stop_at_step is not None:
        callbacks.append(StopAtStep(config.stop_at_step))
    if config.early_stopping_patience is not None:
        from transformers import EarlyStoppingCallback

        callbacks.append(EarlyStoppingCallback(config.early_stopping_patience))
    return callbacks


def _arguments(config: TrainConfig, *, has_dev: bool) -> Any:
    import torch
    from transformers import TrainingArguments

    eval_steps = config.eval_steps or config.save_steps
    wanted: dict[str, Any] = {
        "output_dir": str(Path(config.out) / CHECKPOINTS),
        "num_train_epochs": config.epochs,
        "max_steps": config.max_steps,
        "learning_rate": config.lr,
        "per_device_train_batch_size": config.batch_size,
        "per_device_eval_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.grad_accum,
        "lr_scheduler_type": config.lr_scheduler,
        # transformers 5 takes a ratio in warmup_steps; 4.x has warmup_ratio.
        "warmup_steps": config.warmup_ratio,
        "warmup_ratio": config.warmup_ratio,
        "weight_decay": config.weight_decay,
        "bf16": resolve_dtype(config) == torch.bfloat16,
        # transformers refuses bf16 off a GPU unless told the run is on the CPU.
        "use_cpu": training_device() == "cpu",
        "logging_steps": config.logging_steps,
        "logging_first_step": True,
        "save_strategy": "steps",
        "save_steps": config.save_steps,
        "save_total_limit": config.save_total_limit,
        "eval_strategy": "steps" if has_dev else "no",
        "eval_steps": eval_steps,
        **_best_checkpoint(config, has_dev=has_dev),
        # The dev loss is all evaluation needs; keeping logits would hold vocabulary x tokens.
        "prediction_loss_only": True,
        "seed": config.seed,
        "remove_unused_columns": False,
        "label_names": ["labels"],
        "report_to": "none",
        # Padded batches of similar lengths waste less; packing has no padding to save.
        "group_by_length": not config.packing,
        "train_sampling_strategy": "random" if config.packing else "group_by_length",
        "dataloader_pin_memory": torch.cuda.is_available(),
        **config.extra,
    }
    accepted = inspect.signature(TrainingArguments.__init__).parameters
    if "warmup_ratio" in accepted:
        wanted["warmup_steps"] = 0
    return TrainingArguments(**{k: v for k, v in wanted.items() if k in accepted})


def _best_checkpoint(config: TrainConfig, *, has_dev: bool) -> dict[str, Any]:
    """Trainer arguments that keep the best checkpoint by ``config.best_metric``."""
    if config.best_metric is None:
        return {}
    if not has_dev:
        raise ValueError(f"best_metric={config.best_metric!r} needs dev data (--dev)")
    return {
        "load_best_model_at_end": True,
        "metric_for_best_model": f"eval_{config.best_metric}",
        "greater_is_better": config.best_metric != "loss",
    }


def _stopped_early(config: TrainConfig, trainer: Any) -> bool:
    """Did this sitting end at ``stop_at_step``, before the run's last step?"""
    step = trainer.state.global_step
    return config.stop_at_step is not None and config.stop_at_step <= step < trainer.state.max_steps


def _log_setup(config: TrainConfig, model: Any) -> None:
    """Say (once) the dtype, attention and output-layer choices this run made."""
    from uniner.hardware import dtype_name

    compute = dtype_name(resolve_dtype(config))
    weights = dtype_name(next(model.parameters()).dtype)
    attention = getattr(model.config, "_attn_implementation", None)
    labels = config.label_logits and takes_logits_to_keep(model)
    print(
        f"uniner train: {training_device()}, compute {compute} (dtype={config.dtype}), "
        f"weights {weights}, attention {attention}, "
        f"output layer {'at answer tokens only' if labels else 'everywhere'}"
    )


def final_dev_score(state: Any) -> dict[str, float] | None:
    """The dev score logged for the model a finished run ends with, if one was: the best
    checkpoint's (the best is loaded at the end), else the last step's; None otherwise."""
    best = state.best_model_checkpoint
    step = int(Path(best).name.rsplit("-", 1)[-1]) if best else state.global_step
    for event in reversed(state.log_history):
        if event.get("step") == step and "dev_f1" in event:
            return {k: v for k, v in event.items() if k.startswith("dev_")}
    return None


def _last_checkpoint(config: TrainConfig) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    folder = Path(config.out) / CHECKPOINTS
    if not config.resume or not folder.is_dir():
        return None
    found: str | None = get_last_checkpoint(str(folder))
    return found


def _save(trainer: Any, config: TrainConfig, tokenizer: Any, style: Style, base: str) -> None:
    out = Path(config.out)
    if config.lora and config.merge_lora:
        merged = trainer.model.merge_and_unload()
        if trainer.is_world_process_zero():
            merged.save_pretrained(out)
    else:
        trainer.save_model(str(out))  # gathers FSDP / DeepSpeed shards; a peft model -> adapter
    if not trainer.is_world_process_zero():
        return
    tokenizer.save_pretrained(out)
    adapter = config.lora and not config.merge_lora
    described = any(c.descriptions for c in read_conversations(config.data))
    ModelCard(
        style=style,
        template_version=TEMPLATE_VERSION,
        base_model=base,
        adapter=adapter,
        description_template_version=DESCRIPTION_TEMPLATE_VERSION if described else None,
    ).save(out)
    settings = {**config.to_dict(), "resolved_dtype": str(resolve_dtype(config)).split(".")[-1]}
    (out / TRAIN_CONFIG).write_text(json.dumps(settings, indent=2) + "\n")
    write_readme(out)  # the Hugging Face card, from the files just written and the log
