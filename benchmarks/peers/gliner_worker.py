"""Time GLiNER span models built from their configs; run by the peer venv's interpreter.

    .venv-peers/gliner/bin/python benchmarks/peers/gliner_worker.py REQUEST.json RESULT.json

REQUEST holds ``texts``, ``types`` and ``tokenizer_dir`` (a local tokenizer: the hub cannot be
reached). Each model is GLiNER's uni-encoder span model on a DeBERTa-v3 backbone with random
weights, made by ``GLiNER.from_config(..., backbone_from_pretrained=False)``: the backbone from
its config (``encoder_config``), the tokenizer from ``model_name``, GLiNER's ``<<ENT>>`` and
``<<SEP>>`` markers added and the embeddings resized by GLiNER itself. Random weights do the same
arithmetic as trained ones, but they find different entities, so the entity counts reported say
only how much span decoding the timing includes. This script imports GLiNER, not uniner (see
``gliner_bench.py`` for why it runs apart).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import gliner
import torch
import transformers
from gliner import GLiNER, GLiNERConfig

# The public config of microsoft/deberta-v3-small and -large, less what differs by size.
DEBERTA_V3 = {
    "model_type": "deberta-v2",
    "vocab_size": 128100,
    "relative_attention": True,
    "position_buckets": 256,
    "max_relative_positions": -1,
    "norm_rel_ebd": "layer_norm",
    "share_att_key": True,
    "pos_att_type": ["p2c", "c2p"],
    "position_biased_input": False,
    "max_position_embeddings": 512,
    "type_vocab_size": 0,
    "layer_norm_eps": 1e-7,
    "hidden_act": "gelu",
}
# Model name -> (the backbone it stands for, that backbone's size).
BACKBONES = {
    "gliner-small": (
        "microsoft/deberta-v3-small",
        {"hidden_size": 768, "num_hidden_layers": 6, "num_attention_heads": 12},
    ),
    "gliner-large": (
        "microsoft/deberta-v3-large",
        {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16},
    ),
}
# GLiNER's span head as urchade/gliner_small-v2.1 and gliner_large-v2.1 configure it.
SPAN_HEAD = {
    "span_mode": "markerV0",
    "max_width": 12,
    "hidden_size": 512,
    "max_len": 384,
    "dropout": 0.4,
    "fine_tune": True,
    "subtoken_pooling": "first",
    "words_splitter_type": "whitespace",
}
THRESHOLD = 0.5
BATCH_SIZE = 8  # GLiNER's default for inference(); the engine benchmark batches 8 passages too


def main(request_path: Path, result_path: Path) -> None:
    """Measure every model on the request's passages and write the result as JSON."""
    request = json.loads(request_path.read_text())
    texts, types = request["texts"], request["types"]
    result: dict[str, Any] = {}
    for name, (backbone, size) in BACKBONES.items():
        model, load_s = _build(size, request["tokenizer_dir"])
        facts = {"backbone": f"{backbone} (random weights, from its config)", "load_s": load_s}
        facts.update(_model_facts(model, texts, types))
        _log(f"{name}: {facts['params_m']}M parameters, timing {len(texts)} passages in float32")
        result[name] = {**_measure(model, texts, types, torch.float32), **facts}
        result[f"{name}-bf16"] = _try_bfloat16(name, model, texts, types, facts)
        result[f"{name}-int8"] = _int8(name, model, texts, types, facts)
        del model  # free the small model before the large one is built
    result["environment"] = _environment()
    result_path.write_text(json.dumps(result))


def _log(message: str) -> None:
    print(f"[gliner] {message}", file=sys.stderr, flush=True)


def _build(size: dict[str, int], tokenizer_dir: str) -> tuple[Any, float]:
    """A GLiNER span model on a random DeBERTa-v3 backbone of ``size``, and its build time."""
    started = time.perf_counter()
    torch.manual_seed(0)  # the same random weights, so the same decoding work, on every run
    encoder = {**DEBERTA_V3, **size, "intermediate_size": 4 * size["hidden_size"]}
    config = GLiNERConfig(model_name=tokenizer_dir, encoder_config=encoder, **SPAN_HEAD)
    # from_config builds the backbone from encoder_config and reads the tokenizer from
    # model_name; backbone_from_pretrained=False keeps it from fetching weights.
    model = GLiNER.from_config(config, backbone_from_pretrained=False, map_location="cpu")
    model.eval()
    return model, round(time.perf_counter() - started, 1)


def _model_facts(model: Any, texts: list[str], types: list[str]) -> dict[str, Any]:
    """Parameter counts and the subword tokens per passage that the encoder is fed."""
    params = sum(p.numel() for p in model.model.parameters())
    embeddings = model.model.token_rep_layer.get_input_embeddings().weight
    rows, width = embeddings.shape
    words = model.prepare_inputs(texts)[0]
    # The processor that inference() uses: type prompt, markers and special tokens included.
    encoded = model.data_processor.tokenize_inputs(words, types)
    lengths = encoded["attention_mask"].sum(dim=1).tolist()
    prompt, _ = model.data_processor.prepare_inputs([[]], types)
    tokenizer = model.data_processor.transformer_tokenizer
    prompt_tokens = len(tokenizer(prompt[0], is_split_into_words=True)["input_ids"])
    return {
        "params_m": round(params / 1e6, 1),
        # What the count would be with DeBERTa-v3's own 128,100-row token table.
        "params_m_at_deberta_vocab": round((params + (128100 - rows) * width) / 1e6, 1),
        "embedding_rows": rows,
        "tokens_per_passage": round(sum(lengths) / len(lengths), 1),
        "prompt_tokens": prompt_tokens,
        "words_per_passage": round(sum(map(len, words)) / len(words), 1),
    }


def _measure(
    model: Any, texts: list[str], types: list[str], dtype: torch.dtype | str
) -> dict[str, Any]:
    """Seconds per passage one passage a call and batched, after one untimed warm-up
    (``dtype="int8"``: the model is already quantized)."""
    if isinstance(dtype, torch.dtype):
        model.model.to(dtype)  # what GLiNER.from_pretrained(dtype=...) does after loading
    with torch.inference_mode():
        # Warm-up, untimed: thread pool, allocator and kernels for these shapes.
        model.inference(texts, types, threshold=THRESHOLD, batch_size=BATCH_SIZE)
        started = time.perf_counter()
        found = [model.predict_entities(text, types, threshold=THRESHOLD) for text in texts]
        single_s = time.perf_counter() - started
        started = time.perf_counter()
        model.inference(texts, types, threshold=THRESHOLD, batch_size=BATCH_SIZE)
        batched_s = time.perf_counter() - started
    return {
        "s_per_passage": round(single_s / len(texts), 4),
        "s_per_passage_batched": round(batched_s / len(texts), 4),
        "batch_size": BATCH_SIZE,
        "passages": len(texts),
        "types": len(types),
        "dtype": str(dtype).removeprefix("torch."),
        "threads": torch.get_num_threads(),
        "entities_per_passage": round(sum(map(len, found)) / len(found), 1),
    }


def _try_bfloat16(
    name: str, model: Any, texts: list[str], types: list[str], facts: dict[str, Any]
) -> dict[str, Any]:
    """The bfloat16 measurement, or why it was skipped: not every CPU op may take bfloat16."""
    _log(f"{name}: timing {len(texts)} passages in bfloat16")
    try:
        return {**_measure(model, texts, types, torch.bfloat16), **facts}
    except (RuntimeError, TypeError, ValueError) as err:
        _log(f"{name}: bfloat16 skipped: {err}")
        return {"skipped": f"{type(err).__name__}: {err}"}


def _int8(
    name: str, model: Any, texts: list[str], types: list[str], facts: dict[str, Any]
) -> dict[str, Any]:
    """int8 dynamic quantization of the linear layers, as ``GLiNER.from_pretrained(quantize=True)``
    applies it (``torch.ao``'s ``quantize_dynamic``; FBGEMM on x86), on the float32 model."""
    _log(f"{name}: timing {len(texts)} passages with int8 linear layers")
    model.model.to(torch.float32)
    model.model = torch.ao.quantization.quantize_dynamic(
        model.model, {torch.nn.Linear}, dtype=torch.qint8
    )
    return {**_measure(model, texts, types, "int8"), **facts}


def _environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "gliner": gliner.__version__,
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "api": f"s_per_passage: predict_entities(text, types, threshold={THRESHOLD}) per "
        f"passage; s_per_passage_batched: inference(texts, types, threshold={THRESHOLD}, "
        f"batch_size={BATCH_SIZE})",
        "tokenizer": "SmolLM2-135M byte-level BPE with a prefix space per word, in place of "
        "DeBERTa-v3's sentencepiece (not downloadable here); <<ENT>> and <<SEP>> added by GLiNER",
    }


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
