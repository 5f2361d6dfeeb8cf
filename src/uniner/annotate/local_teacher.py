"""A teacher that runs a transformers chat model in this process."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from uniner.annotate.teacher import Messages, SamplingParams, TeacherResponse
from uniner.errors import ModelLoadError


class TransformersTeacher:
    """Generate with a local causal LM through its chat template, one request at a time.

    Args:
        model: a model folder or hub id; None is the embedded SmolLM2-135M-Instruct.
        device: ``"cpu"``, ``"cuda"``, ... (None picks CUDA when available).

    >>> teacher = TransformersTeacher("Qwen/Qwen2.5-7B-Instruct")  # doctest: +SKIP
    """

    backend = "transformers"

    def __init__(self, model: str | Path | None = None, *, device: str | None = None) -> None:
        if model is None:
            from uniner.checkpoints import convert_gguf
            from uniner.paths import DEFAULT_MODEL_HUB_ID, smollm2_gguf

            gguf = smollm2_gguf()
            self.model = DEFAULT_MODEL_HUB_ID
            self._path: str = str(convert_gguf(gguf)) if gguf else DEFAULT_MODEL_HUB_ID
        else:
            self.model = str(model)
            self._path = str(model)
        self.device = device
        self._loaded: tuple[Any, Any] | None = None
        self._lock = asyncio.Lock()

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            try:
                tokenizer = AutoTokenizer.from_pretrained(self._path)
                model = AutoModelForCausalLM.from_pretrained(self._path)
                model = model.to(device).eval()  # type: ignore[arg-type]
            except (OSError, ValueError) as err:
                raise ModelLoadError(f"could not load teacher model {self._path!r}: {err}") from err
            self._loaded = (tokenizer, model)
        return self._loaded

    async def complete(self, messages: Messages, params: SamplingParams) -> TeacherResponse:
        # One generation at a time: the model is not re-entrant and the CPU is saturated anyway.
        async with self._lock:
            return await asyncio.to_thread(self._generate, messages, params)

    def _generate(self, messages: Messages, params: SamplingParams) -> TeacherResponse:
        import torch

        tokenizer, model = self._load()
        started = time.perf_counter()
        inputs = tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(model.device)
        sampling = {"do_sample": True, "temperature": params.temperature}
        with torch.no_grad():
            output = model.generate(
                **inputs,
                max_new_tokens=params.max_tokens,
                **(sampling if params.temperature > 0 else {"do_sample": False}),
                pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
            )
        prompt_length = inputs["input_ids"].shape[1]
        answer = output[0, prompt_length:]
        return TeacherResponse(
            text=tokenizer.decode(answer, skip_special_tokens=True),
            prompt_tokens=int(prompt_length),
            completion_tokens=int(answer.shape[0]),
            seconds=time.perf_counter() - started,
            finish_reason="length" if answer.shape[0] >= params.max_tokens else "stop",
        )
