"""The front door: :class:`NERModel` loads a student and extracts typed mentions from text."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from uniner.engine.options import ExtractOptions
from uniner.engine.results import Job, assemble
from uniner.engine.windows import split_windows
from uniner.prompts import Style
from uniner.types import Entity, clean_types

Backend = Literal["transformers", "vllm"]
BACKENDS: tuple[Backend, ...] = ("transformers", "vllm")


@dataclass
class Prediction:
    """The mentions found in one text.

    Attributes:
        text: the input text.
        entities: every grounded mention, sorted by position (overlaps across types kept
            unless ``flat``).
        answers: the raw answer generated for each type (of the first window).
        meta: how the text was processed: ``windows`` (their ``[start, end]``), ``ungrounded``
            (answer strings not found in the text), ``truncated`` (answers cut by
            ``max_new_tokens``), and with ``keep_ungrounded`` the strings themselves.
    """

    text: str
    entities: list[Entity] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


class NERModel:
    """A student model that answers "What describes <type> in the text?" for any type.

    >>> model = NERModel.from_pretrained()  # doctest: +SKIP
    >>> model.extract("Ada Lovelace was born in London.", ["person", "city"])  # doctest: +SKIP
    [Entity(start=0, end=12, text='Ada Lovelace', type='person', score=0.93), ...]

    Args:
        model: a causal LM (transformers), in eval mode.
        tokenizer: its fast tokenizer.
        style: the prompt style, ``uniner`` or ``chat``.
        name: what to call the model in ``info()``.
        adapter: the LoRA adapter directory on top of the base, for ``info()``.
        options: the default :class:`ExtractOptions`; each call may override them.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        style: Style,
        name: str = "",
        adapter: str | None = None,
        options: ExtractOptions | None = None,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.style: Style = style
        self.name = name
        self.adapter = adapter
        self.options = options or ExtractOptions()

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | Path | None = None,
        *,
        adapter: str | Path | None = None,
        device: str | None = None,
        dtype: Any = None,
        style: Style | None = None,
        backend: Backend = "transformers",
        **options: Any,
    ) -> NERModel:
        """Load a student.

        Args:
            name_or_path: a hub id, a model directory, a ``.gguf`` file, or a LoRA adapter
                directory; None loads the embedded default (SmolLM2-135M-Instruct, plus the
                packaged adapter when there is one).
            adapter: a LoRA adapter directory to apply on top of ``name_or_path``.
            device: ``cpu``, ``cuda``, ...; default CUDA when available.
            dtype: ``auto`` (default), ``float32``, ``bfloat16``, ``float16`` or a torch
                dtype; ``auto`` is bfloat16 where the device multiplies it natively (CUDA, CPUs
                with AVX512-BF16/AMX or Arm BF16), else float32 (:mod:`uniner.hardware`).
            style: ``uniner`` or ``chat``; default from the model's ``uniner.json``, else
                ``chat`` when the tokenizer has a chat template.
            backend: ``transformers`` (CPU or GPU), or ``vllm`` (GPU, ``pip install
                'uniner[vllm]'``): a :class:`~uniner.engine.vllm_backend.VLLMModel`, same API.
            **options: default :class:`ExtractOptions` fields.

        Raises:
            ModelLoadError: the model, file or adapter cannot be loaded.
            CacheMismatchError: the saved model was trained on another prompt template.
            MissingDependencyError: ``backend="vllm"`` and vLLM is not installed.
        """
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
        if backend == "vllm":
            from uniner.engine.vllm_backend import VLLMModel

            return VLLMModel.from_pretrained(
                name_or_path, adapter=adapter, device=device, dtype=dtype, style=style, **options
            )
        from uniner.engine import loading

        resolved = loading.resolve(name_or_path, adapter)
        base_dir = resolved.base if Path(resolved.base).is_dir() else None
        card = loading.read_model_card(base_dir, resolved.adapter)
        from uniner.hardware import pick_device

        chosen_device = pick_device(device)
        tokenizer, model = loading.load_weights(
            resolved, chosen_device, loading.pick_dtype(dtype, chosen_device)
        )
        chosen_style = loading.pick_style(style, card, tokenizer)
        return cls(
            model,
            tokenizer,
            style=chosen_style,
            name=resolved.name,
            adapter=str(resolved.adapter) if resolved.adapter else None,
            options=ExtractOptions(**options),
        )

    # ------------------------------------------------------------------ public API

    def extract(
        self, text: str, types: Sequence[str] | str, *, dataset: str | None = None, **options: Any
    ) -> list[Entity]:
        """The mentions of ``types`` in one text, with offsets and scores.

        Raises:
            TypeError: ``text`` is not a string.
            ValueError: no entity type is given.
        """
        return self.predict([text], types, dataset=dataset, **options)[0].entities

    def predict(
        self,
        texts: Sequence[str],
        types: Sequence[str] | str,
        *,
        dataset: str | None = None,
        batch_size: int = 8,
        progress: bool = False,
        **options: Any,
    ) -> list[Prediction]:
        """Predictions for many texts; ``batch_size`` windows are decoded together.

        Args:
            texts: the texts.
            types: the entity types to ask about each text (stripped, de-duplicated).
            dataset: the dataset name, for students trained with dataset-specific prompts.
            batch_size: how many passages (windows) share one decoding batch.
            progress: show a progress bar.
            **options: :class:`ExtractOptions` fields for this call.
        """
        if isinstance(texts, str) or not isinstance(texts, Sequence):
            raise TypeError(f"texts must be a list of strings, got {type(texts).__name__}")
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"text must be a string, got {type(text).__name__}: {text!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        wanted = clean_types(types)
        opts = dataclasses.replace(self.options, **options)
        jobs = self._jobs(texts, wanted, dataset, opts)
        self._answer_jobs(jobs, wanted, dataset, opts, batch_size=batch_size, progress=progress)
        return [
            assemble(text, [j for j in jobs if j.text_index == i], wanted, opts)
            for i, text in enumerate(texts)
        ]

    def info(self) -> dict[str, Any]:
        """Name, adapter, prompt style, maximum sequence length, device and dtype."""
        parameter = next(self.model.parameters())
        return {
            "name": self.name,
            "adapter": self.adapter,
            "style": self.style,
            "max_length": self.max_length,
            "device": str(parameter.device),
            "dtype": str(parameter.dtype).removeprefix("torch."),
        }

    def _answer_jobs(
        self,
        jobs: list[Job],
        types: list[str],
        dataset: str | None,
        opts: ExtractOptions,
        *,
        batch_size: int,
        progress: bool,
    ) -> None:
        """Fill every job's answers: the one step a backend does its own way."""
        from uniner.engine.runner import run_jobs

        run_jobs(self, jobs, types, dataset, opts, batch_size=batch_size, progress=progress)

    # ------------------------------------------------------------------ windows

    @property
    def max_length(self) -> int:
        """The longest sequence (prompt + answer) the model takes."""
        limit = int(getattr(self.model.config, "max_position_embeddings", 2048) or 2048)
        from_tokenizer = getattr(self.tokenizer, "model_max_length", None) or limit
        return min(limit, int(from_tokenizer)) if from_tokenizer < 1_000_000 else limit

    def window_budget(self, types: Sequence[str], dataset: str | None, opts: ExtractOptions) -> int:
        """Passage tokens that fit beside the prompt's fixed words and the longest answer."""
        from uniner.engine.queries import encode_prompt, prompt_text

        overhead = max(
            len(
                encode_prompt(
                    self.tokenizer,
                    self.style,
                    prompt_text(self.tokenizer, self.style, "", t, dataset),
                )
            )
            for t in types
        )
        room = self.max_length - overhead - opts.max_new_tokens
        if room < 16:
            raise ValueError(
                f"the model's {self.max_length}-token context leaves no room for a passage "
                f"(prompt {overhead} + answer {opts.max_new_tokens} tokens)"
            )
        return min(opts.window_tokens, room)

    def _jobs(
        self, texts: Sequence[str], types: list[str], dataset: str | None, opts: ExtractOptions
    ) -> list[Job]:
        budget = self.window_budget(types, dataset, opts)
        overlap = min(opts.window_overlap, budget // 2)
        jobs: list[Job] = []
        for index, text in enumerate(texts):
            if not text.strip():
                continue
            windows = split_windows(text, self.tokenizer, budget, overlap)
            jobs.extend(Job(index, w, text[w.start : w.end]) for w in windows)
        return jobs
