"""Files the fine-tuning tests share: a small annotated CoNLL file and a tiny LoRA student."""

from __future__ import annotations

from pathlib import Path

# (tokens with their tags) per sentence; every one has a mention, so any split trains on some.
SENTENCES = [
    "Ada/B-PER Lovelace/I-PER lived/O in/O London/B-LOC ./O",
    "Paris/B-LOC is/O in/O France/B-LOC ./O",
    "Alan/B-PER Turing/I-PER studied/O in/O Cambridge/B-LOC ./O",
    "Grace/B-PER Hopper/I-PER worked/O in/O New/B-LOC York/I-LOC ./O",
    "Marie/B-PER Curie/I-PER moved/O to/O Paris/B-LOC ./O",
    "Berlin/B-LOC is/O large/O ./O",
    "Linus/B-PER wrote/O code/O in/O Helsinki/B-LOC ./O",
    "Rome/B-LOC is/O old/O ./O",
    "Emmy/B-PER Noether/I-PER taught/O in/O Erlangen/B-LOC ./O",
    "Oslo/B-LOC and/O Bergen/B-LOC are/O cold/O ./O",
    "Niels/B-PER Bohr/I-PER lived/O in/O Copenhagen/B-LOC ./O",
    "Kurt/B-PER Godel/I-PER left/O Vienna/B-LOC ./O",
]


def write_conll(path: Path, sentences: list[str] = SENTENCES) -> Path:
    """``sentences`` as a two-column CoNLL file (token, tag), blank lines between them."""
    blocks = ["\n".join(word.replace("/", "\t", 1) for word in s.split()) for s in sentences]
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


def make_adapter(model_dir: Path, out: Path, *, seed: int = 0) -> Path:
    """A uniner student folder holding a LoRA adapter over ``model_dir`` whose weights are
    random (peft's default zeroes one factor; these must differ from a fresh adapter's)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from uniner.checkpoints import ModelCard

    torch.manual_seed(seed)
    base = AutoModelForCausalLM.from_pretrained(model_dir)
    lora = LoraConfig(
        r=4,
        lora_alpha=8,
        target_modules="all-linear",
        init_lora_weights=False,
        task_type="CAUSAL_LM",
    )
    get_peft_model(base, lora).save_pretrained(out)
    ModelCard(style="chat", base_model=str(model_dir), adapter=True).save(out)
    return out
