"""The front door: :class:`NERModel` loads a student and extracts typed mentions from text.

It holds a :class:`~uniner.engine.backends.QueryBackend` (as vLLM's ``LLM`` holds its engine)
and does everything around it the same way for every backend: cleans the types, splits long
texts into windows, asks the backend about every (window, type), and assembles the answers into
grounded, scored mentions.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from uniner.checkpoints import description_mismatch
from uniner.engine.assembly import assemble
from uniner.engine.backends import BackendName, QueryBackend, load_backend
from uniner.engine.drafting import add_decoding_meta
from uniner.engine.options import ExtractOptions
from uniner.engine.results import Job, Prediction
from uniner.engine.windows import split_windows
from uniner.entity_types import (
    EntityType,
    TypesLike,
    entity_types,
    names_or_records,
    type_names,
)
from uniner.errors import UninerWarning
from uniner.prompts import Style
from uniner.types import Entity

Backend = BackendName  # the name before the backends package; kept for one release
BACKENDS = ("transformers", "vllm")

__all__ = ["BACKENDS", "NERModel", "Prediction"]


class NERModel:
    """A student model that answers "What describes <type> in the text?" for any type.

    >>> model = NERModel.from_pretrained()  # doctest: +SKIP
    >>> model.extract("Ada Lovelace was born in London.", ["person", "city"])  # doctest: +SKIP
    [Entity(start=0, end=12, text='Ada Lovelace', type='person', score=0.93), ...]

    Args:
        backend: what answers the type queries (:func:`from_pretrained` loads one).
        options: the default :class:`ExtractOptions`; each call may override them.
    """

    def __init__(self, backend: QueryBackend, *, options: ExtractOptions | None = None) -> None:
        self.backend = backend
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
        backend: BackendName = "transformers",
        threads: int | None = None,
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
                'uniner[vllm]'``); the same API either way.
            threads: torch's thread count (a process-wide setting); None keeps a count you
                set (``OMP_NUM_THREADS``, ``torch.set_num_threads``), else uses the CPUs the
                process may use (affinity mask, cgroup quota; :mod:`uniner.threads`).
            **options: default :class:`ExtractOptions` fields.

        Raises:
            ModelLoadError: the model, file or adapter cannot be loaded.
            CacheMismatchError: the saved model was trained on another prompt template.
            MissingDependencyError: ``backend="vllm"`` and vLLM is not installed.
        """
        defaults = ExtractOptions(**options)  # a bad option fails before any loading
        from uniner.threads import set_threads

        set_threads(threads)
        loaded = load_backend(
            backend, name_or_path, adapter=adapter, device=device, dtype=dtype, style=style
        )
        return cls(loaded, options=defaults)

    @classmethod
    def from_model(
        cls,
        model: Any,
        tokenizer: Any,
        *,
        style: Style,
        name: str = "",
        adapter: str | None = None,
        options: ExtractOptions | None = None,
    ) -> NERModel:
        """Wrap a transformers model (eval mode) and its fast tokenizer already in memory."""
        from uniner.engine.backends.transformers import TransformersBackend

        backend = TransformersBackend(model, tokenizer, style=style, name=name, adapter=adapter)
        return cls(backend, options=options)

    # ------------------------------------------------------------------ the backend's parts

    @property
    def model(self) -> Any:
        """The underlying model object (a transformers model, a ``vllm.LLM``)."""
        return self.backend.model

    @property
    def tokenizer(self) -> Any:
        return self.backend.tokenizer

    @property
    def style(self) -> Style:
        return self.backend.style

    @property
    def name(self) -> str:
        return self.backend.name

    @property
    def adapter(self) -> str | None:
        return self.backend.adapter

    @property
    def max_length(self) -> int:
        """The longest sequence (prompt + answer) the model takes."""
        return self.backend.max_length

    @property
    def card(self) -> dict[str, Any] | None:
        """The student's merged ``uniner.json`` (None: wrapped from memory, or a backend that
        predates ``card``)."""
        return getattr(self.backend, "card", None)

    def info(self) -> dict[str, Any]:
        """Name, adapter, prompt style, maximum sequence length, device and dtype; the
        description question the student learnt (``description_template_version``, None if
        none; absent for a model wrapped from memory); on a CPU, torch's thread count and the
        rule that gave it (:mod:`uniner.threads`)."""
        info = self.backend.info()
        if self.card is not None:
            info["description_template_version"] = self.card.get("description_template_version")
        if info.get("device") == "cpu":
            from uniner.threads import current_threads

            choice = current_threads()
            info |= {"threads": choice.threads, "threads_from": choice.source}
        return info

    # ------------------------------------------------------------------ public API

    def extract(
        self, text: str, types: TypesLike, *, dataset: str | None = None, **options: Any
    ) -> list[Entity]:
        """The mentions of ``types`` in one text, with offsets and scores.

        ``types`` are names (``["person", "city"]``) or names with descriptions
        (``{"drug": "a medication given to treat a disease", "dose": None}``, or
        :class:`~uniner.entity_types.EntityType` records); a description is asked beside its
        type's name (:func:`uniner.prompts.query_message`), mentions are labelled by name.

        Raises:
            TypeError: ``text`` is not a string, or a type or description is not one.
            ValueError: no entity type is given.
        """
        return self.predict([text], types, dataset=dataset, **options)[0].entities

    def predict(
        self,
        texts: Sequence[str],
        types: TypesLike,
        *,
        dataset: str | None = None,
        batch_size: int = 8,
        progress: bool = False,
        **options: Any,
    ) -> list[Prediction]:
        """Predictions for many texts; ``batch_size`` windows are decoded together.

        Args:
            texts: the texts.
            types: the entity types to ask about each text, names or names with descriptions
                (as for :meth:`extract`; stripped, de-duplicated).
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
        wanted = entity_types(types)
        self._warn_if_descriptions_unlearnt(wanted)
        opts = dataclasses.replace(self.options, **options)
        jobs = self._jobs(texts, wanted, dataset, opts)
        answers = self.backend.answer(
            [j.passage for j in jobs],
            names_or_records(wanted),  # names when none is described: backends as before
            dataset,
            opts,
            batch_size=batch_size,
            progress=progress,
        )
        for job, answered in zip(jobs, answers, strict=True):
            job.answers = answered
        predictions = [
            assemble(text, [j for j in jobs if j.text_index == i], type_names(wanted), opts)
            for i, text in enumerate(texts)
        ]
        if opts.draft:
            add_decoding_meta(predictions, jobs)
        return predictions

    def _warn_if_descriptions_unlearnt(self, types: list[EntityType]) -> None:
        """Descriptions sent to a student that never learnt them cost F1 instead of adding it:
        say so (once per call site, as Python shows warnings) rather than answer worse quietly."""
        if self.card is None or not any(t.description for t in types):
            return
        reason = description_mismatch(self.card)
        if reason is not None:
            warnings.warn(f"{self.name or 'the model'}: {reason}", UninerWarning, stacklevel=3)

    # ------------------------------------------------------------------ windows

    def window_budget(
        self, types: Sequence[str | EntityType], dataset: str | None, opts: ExtractOptions
    ) -> int:
        """Passage tokens that fit beside the prompt's fixed words and the longest answer."""
        from uniner.engine.queries import encode_query

        overhead = max(len(encode_query(self.tokenizer, self.style, "", t, dataset)) for t in types)
        room = self.max_length - overhead - opts.max_new_tokens
        if room < 16:
            raise ValueError(
                f"the model's {self.max_length}-token context leaves no room for a passage "
                f"(prompt {overhead} + answer {opts.max_new_tokens} tokens)"
            )
        return min(opts.window_tokens, room)

    def _jobs(
        self,
        texts: Sequence[str],
        types: list[EntityType],
        dataset: str | None,
        opts: ExtractOptions,
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
