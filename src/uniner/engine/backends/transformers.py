"""The default backend: a transformers model on a CPU or a GPU, decoded by uniner itself.

Passages are sorted by length and decoded ``batch_size`` at a time by the shared-prefix fast
path (:func:`uniner.engine.decoding.generate_shared`), or by the naive reference
(``decoder="naive"``). Loading merges a LoRA adapter into its base (merged weights decode as
fast as the base) and, for 16-bit models, gives the output layer float32
(:mod:`uniner.engine.head`); ``dtype="int8"`` then gives the other linear layers int8 weights
(:mod:`uniner.engine.quantize`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from uniner.checkpoints import ResolvedModel, read_model_card, resolve, tokenizer_source
from uniner.engine.assembly import answer_of
from uniner.engine.backends.base import HeldModel
from uniner.engine.options import ExtractOptions
from uniner.engine.results import Answer
from uniner.entity_types import EntityType
from uniner.errors import ModelLoadError
from uniner.hardware import dtype_name, pick_device, resolve_dtype
from uniner.prompts import Style, pick_style


class TransformersBackend(HeldModel):
    """A transformers causal LM in eval mode, with its tokenizer (see :class:`QueryBackend`)."""

    @classmethod
    def load(
        cls,
        name_or_path: str | Path | None = None,
        *,
        adapter: str | Path | None = None,
        device: str | None = None,
        dtype: Any = None,
        style: Style | None = None,
    ) -> TransformersBackend:
        """Resolve, load and prepare a student (see ``NERModel.from_pretrained``)."""
        resolved = resolve(name_or_path, adapter)
        base_dir = resolved.base if Path(resolved.base).is_dir() else None
        card = read_model_card(base_dir, resolved.adapter)
        chosen = pick_device(device)
        if dtype == "int8":
            from uniner.engine.quantize import quantize_int8

            if chosen != "cpu":
                raise ValueError(f"dtype='int8' runs on the CPU, got device={chosen!r}")
            tokenizer, model = load_weights(resolved, chosen, resolve_dtype("float32", chosen))
            model = quantize_int8(model)
        else:
            tokenizer, model = load_weights(resolved, chosen, resolve_dtype(dtype, chosen))
        return cls(
            model,
            tokenizer,
            style=pick_style(style, card, tokenizer),
            name=resolved.name,
            adapter=str(resolved.adapter) if resolved.adapter else None,
            card=card,
        )

    @property
    def max_length(self) -> int:
        """The longest sequence (prompt + answer) the model takes."""
        limit = int(getattr(self.model.config, "max_position_embeddings", 2048) or 2048)
        from_tokenizer = getattr(self.tokenizer, "model_max_length", None) or limit
        return min(limit, int(from_tokenizer)) if from_tokenizer < 1_000_000 else limit

    def info(self) -> dict[str, Any]:
        """Name, adapter, prompt style, maximum sequence length, device and dtype."""
        from uniner.engine.quantize import INT8, Int8Linear

        parameter = next(self.model.parameters())
        quantized = any(isinstance(m, Int8Linear) for m in self.model.modules())
        return {
            "name": self.name,
            "adapter": self.adapter,
            "style": self.style,
            "max_length": self.max_length,
            "device": str(parameter.device),
            "dtype": INT8 if quantized else dtype_name(parameter.dtype),
        }

    def answer(
        self,
        passages: Sequence[str],
        types: Sequence[str | EntityType],
        dataset: str | None,
        opts: ExtractOptions,
        *,
        batch_size: int,
        progress: bool,
    ) -> list[list[Answer]]:
        """Every passage's answers, decoded ``batch_size`` passages at a time, similar lengths
        together (less padding in each batch); one at a time with ``opts.batch_invariant``."""
        from tqdm.auto import tqdm

        from uniner.engine.decoding import answer_guess
        from uniner.engine.memory import release_free_memory
        from uniner.engine.queries import encode_passage
        from uniner.engine.stopping import stop_rule

        encoded = [encode_passage(self.tokenizer, self.style, p, types, dataset) for p in passages]
        order = sorted(range(len(passages)), key=lambda i: len(encoded[i].prefix))
        stop = stop_rule(self.tokenizer, opts)
        draft = answer_guess(self.tokenizer, self.style)
        answers: list[list[Answer]] = [[] for _ in passages]
        bar = tqdm(total=len(passages), unit="passage", disable=not progress, desc="extract")
        step = 1 if opts.batch_invariant else batch_size
        for start in range(0, len(order), step):
            batch = order[start : start + step]
            group = [encoded[i] for i in batch]
            generations = self._decode([passages[i] for i in batch], group, opts, draft)
            for i, gens in zip(batch, generations, strict=True):
                answers[i] = [
                    answer_of(self.tokenizer, stop, t, g) for t, g in zip(types, gens, strict=True)
                ]
                if opts.draft:
                    for answer, gen in zip(answers[i], gens, strict=True):
                        answer.decoding = gen.decoding()
            release_free_memory()  # the next batch is longer: see uniner.engine.memory
            bar.update(len(batch))
        bar.close()
        return answers

    def _decode(
        self,
        passages: Sequence[str],
        encoded: Sequence[Any],
        opts: ExtractOptions,
        draft: int | None,
    ) -> list[list[Any]]:
        from uniner.engine.decoding import (
            Drafter,
            TokenChooser,
            generate_naive,
            generate_shared,
        )

        choosers: list[TokenChooser | None] | None = None
        if opts.constrained:
            from uniner.engine.constrained import SubstringConstraint

            choosers = [
                SubstringConstraint(self.tokenizer, passage)
                for passage, enc in zip(passages, encoded, strict=True)
                for _ in enc.suffixes
            ]
        if opts.decoder == "naive":
            if opts.constrained:
                raise ValueError("constrained decoding needs decoder='shared'")
            return [
                [
                    generate_naive(
                        self.model, self.tokenizer, enc.full(k), max_new_tokens=opts.max_new_tokens
                    )
                    for k in range(len(enc.suffixes))
                ]
                for enc in encoded
            ]
        drafters: list[Drafter | None] | None = None
        if opts.draft:
            from uniner.engine.drafting import PassageDrafter

            drafters = []
            for passage, enc in zip(passages, encoded, strict=True):
                drafter = PassageDrafter(self.tokenizer, passage, max_tokens=opts.draft_tokens)
                drafters.extend(drafter for _ in enc.suffixes)
        return generate_shared(
            self.model,
            self.tokenizer,
            encoded,
            max_new_tokens=opts.max_new_tokens,
            choosers=choosers,
            draft=draft,
            stop_repeats=opts.stop_repeats,
            drafters=drafters,
        )


def load_weights(resolved: ResolvedModel, device: str, dtype: Any) -> tuple[Any, Any]:
    """Load the tokenizer and the (adapter-merged) model, in eval mode on ``device``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from uniner.checkpoints.quiet import quiet_loading
    from uniner.engine.head import float32_output_layer

    with quiet_loading():
        try:
            tokenizer = AutoTokenizer.from_pretrained(tokenizer_source(resolved))
            model = AutoModelForCausalLM.from_pretrained(resolved.base, dtype=dtype)
        except Exception as err:  # transformers raises OSError, ValueError, HTTP errors...
            raise ModelLoadError(f"could not load model {resolved.name!r}: {err}") from err
        if resolved.adapter is not None:
            model = _apply_adapter(model, resolved.adapter)
    model.eval()
    model = model.to(device)  # type: ignore[arg-type]
    return tokenizer, float32_output_layer(model)


def _apply_adapter(model: Any, adapter: Path) -> Any:
    try:
        from peft import PeftModel

        # Merged weights decode as fast as the base model.
        return PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    except Exception as err:
        raise ModelLoadError(f"could not apply LoRA adapter {adapter}: {err}") from err
