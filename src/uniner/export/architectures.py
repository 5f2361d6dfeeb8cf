"""Which transformers architectures the GGUF export can write, and their llama.cpp settings.

llama.cpp names each architecture (``gguf.MODEL_ARCH``) and reads its hyperparameters from
keys named after it (``llama.block_count``, ...). A transformers config is checked here for
everything that would make llama.cpp compute something else than the engine (biases, another
activation, a rope scaling llama.cpp's Llama graph does not apply): such a model is refused
with a plain error naming the reason, never exported wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gguf


@dataclass(frozen=True)
class Architecture:
    """How one transformers architecture becomes a llama.cpp one.

    Attributes:
        hf_name: the class named in ``config.architectures``.
        arch: llama.cpp's architecture.
        interleave_qk: llama.cpp rotates adjacent pairs of q/k rows (the original Llama
            layout) where transformers rotates the two halves of each head, so q and k rows
            are reordered on export (:func:`uniner.export.tensors.interleave_halves`).
    """

    hf_name: str
    arch: gguf.MODEL_ARCH
    interleave_qk: bool

    @property
    def name(self) -> str:
        """The architecture's name in a GGUF file (``llama``)."""
        return gguf.MODEL_ARCH_NAMES[self.arch]


# transformers class -> how it is written. SmolLM2 (the embedded default) is a Llama.
ARCHITECTURES: dict[str, Architecture] = {
    "LlamaForCausalLM": Architecture("LlamaForCausalLM", gguf.MODEL_ARCH.LLAMA, interleave_qk=True),
}


def architecture_of(config: Any) -> Architecture:
    """The export recipe for a model config.

    Raises:
        ValueError: the architecture (or one of its settings) cannot be written.
    """
    names = list(getattr(config, "architectures", None) or [])
    for name in names:
        if name in ARCHITECTURES:
            architecture = ARCHITECTURES[name]
            _check_settings(config, architecture)
            return architecture
    shown = ", ".join(names) or f"model_type {getattr(config, 'model_type', None)!r}"
    raise ValueError(
        f"cannot export {shown} to GGUF: uniner writes only {', '.join(sorted(ARCHITECTURES))}"
    )


def rope_settings(config: Any) -> tuple[float, dict[str, Any]]:
    """The rope base frequency and the scaling parameters (transformers 5 keeps both in
    ``rope_parameters``; 4.x has ``rope_theta`` and ``rope_scaling``)."""
    parameters = dict(getattr(config, "rope_parameters", None) or {})
    scaling = dict(getattr(config, "rope_scaling", None) or {})
    theta = parameters.get("rope_theta", getattr(config, "rope_theta", None))
    if theta is None:
        raise ValueError(f"the config of {config.architectures} names no rope_theta")
    return float(theta), {**scaling, **parameters}


def _rope_type(settings: dict[str, Any]) -> str:
    return str(settings.get("rope_type", settings.get("type", "default")))


def _check_settings(config: Any, architecture: Architecture) -> None:
    problems = []
    if getattr(config, "attention_bias", False):
        problems.append("attention biases")
    if getattr(config, "mlp_bias", False):
        problems.append("MLP biases")
    activation = getattr(config, "hidden_act", "silu")
    if activation != "silu":
        problems.append(f"activation {activation!r}")
    _, rope = rope_settings(config)
    if _rope_type(rope) not in ("default", "linear"):
        problems.append(f"rope scaling {_rope_type(rope)!r}")
    if problems:
        raise ValueError(
            f"cannot export this {architecture.hf_name} to GGUF: {', '.join(problems)} "
            "are not written by uniner's export"
        )


def add_hyperparameters(writer: gguf.GGUFWriter, config: Any) -> None:
    """Write the model shape llama.cpp reads (``<arch>.context_length`` and the rest)."""
    heads = int(config.num_attention_heads)
    head_dim = int(getattr(config, "head_dim", None) or config.hidden_size // heads)
    writer.add_context_length(int(config.max_position_embeddings))
    writer.add_embedding_length(int(config.hidden_size))
    writer.add_block_count(int(config.num_hidden_layers))
    writer.add_feed_forward_length(int(config.intermediate_size))
    writer.add_head_count(heads)
    writer.add_head_count_kv(int(getattr(config, "num_key_value_heads", None) or heads))
    writer.add_rope_dimension_count(head_dim)
    if head_dim * heads != config.hidden_size:
        writer.add_key_length(head_dim)
        writer.add_value_length(head_dim)
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    theta, rope = rope_settings(config)
    writer.add_rope_freq_base(theta)
    if _rope_type(rope) == "linear":
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(float(rope["factor"]))
    writer.add_vocab_size(int(config.vocab_size))
