"""The optional GPU backend: the same front door, with vLLM doing the decoding.

:class:`VLLMBackend` answers the type queries on vLLM (``pip install 'uniner[vllm]'``);
everything else is the front door's own: prompts (:mod:`uniner.prompts` through
``engine/queries.py``), type cleaning, windows, stopping, answer parsing, scoring, grounding and
the assembled ``Prediction``.

* **Sharing the passage.** Every (window, type) query goes into one ``LLM.generate`` call as
  token ids; vLLM's automatic prefix caching (switched on at load) computes each passage's
  shared prefix once and reuses it for all its types, as the transformers fast path does by
  hand.
* **Greedy, same stop.** ``temperature=0``; vLLM stops at the end-of-turn ids of
  :class:`~uniner.engine.stopping.StopRule`, at ``</s>``, and at every ``]``, because it cannot
  tell whether a ``]`` closes the list. :func:`decode_queries` then applies the transformers
  path's rule to the tokens, cutting an answer where that rule ends it and resuming (prompt +
  tokens so far, a prefix-cache hit) any query whose list is still open.
* **Scores.** vLLM reports the log-probability of each chosen token (``logprobs=0``), which
  are scored exactly as on the transformers path: exp(mean log-probability) of the tokens
  that wrote each mention.

vLLM is imported inside the functions that use it; without it, loading raises
:class:`~uniner.errors.MissingDependencyError` with the install command.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uniner.checkpoints import read_model_card, resolve, tokenizer_source
from uniner.engine.assembly import answer_of
from uniner.engine.backends.base import HeldModel
from uniner.engine.decoding import Generation
from uniner.engine.options import ExtractOptions
from uniner.engine.queries import encode_query
from uniner.engine.results import Answer
from uniner.engine.stopping import StopRule, stop_rule
from uniner.entity_types import EntityType
from uniner.errors import MissingDependencyError, ModelLoadError
from uniner.hardware import dtype_name, resolve_dtype
from uniner.prompts import Style, pick_style

# vLLM accepts these LoRA ranks for max_lora_rank; the smallest that holds the adapter is used.
LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)
LIST_CLOSE = "]"  # may close the answer's list: vLLM stops there, decode_queries decides


@dataclass(frozen=True)
class Completion:
    """The tokens one request produced in one ``generate`` call, with each token's log-prob."""

    tokens: list[int]
    logprobs: list[float]


# (prompt ids, most new tokens for each) -> one Completion per prompt, greedy, in order.
Submit = Callable[[Sequence[Sequence[int]], Sequence[int]], list[Completion]]


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as err:
        raise MissingDependencyError("vllm", "vllm") from err
    return vllm


def query_prompts(
    tokenizer: Any,
    style: Style,
    passages: Sequence[str],
    types: Sequence[str | EntityType],
    dataset: str | None = None,
) -> list[list[int]]:
    """One full prompt per (passage, type), passage-major: the ids the transformers path feeds."""
    return [
        encode_query(tokenizer, style, passage, t, dataset) for passage in passages for t in types
    ]


def _cut_at_answer_end(gen: Generation, stop: StopRule, checked: int) -> None:
    """Mark ``gen`` finished at its first token (from ``checked`` on) that ends the answer."""
    for k in range(checked, len(gen.tokens)):
        if stop.is_done(gen.tokens[: k + 1]):
            del gen.tokens[k + 1 :], gen.logprobs[k + 1 :]
            gen.finished = True
            return


def decode_queries(
    submit: Submit, prompts: Sequence[Sequence[int]], stop: StopRule, max_new_tokens: int
) -> list[Generation]:
    """Greedy answers to every prompt, ended exactly where the transformers path ends them.

    ``submit`` may stop a request early (at any ``]``) or late; each answer is cut at its first
    token that :class:`StopRule` says ends it, and a request that stopped while its answer is
    still open is resumed from the tokens it has, until ``max_new_tokens``.
    """
    gens = [Generation() for _ in prompts]
    pending = list(range(len(prompts)))
    while pending:
        done = [len(gens[i].tokens) for i in pending]
        completions = submit(
            [[*prompts[i], *gens[i].tokens] for i in pending],
            [max_new_tokens - n for n in done],
        )
        still_open = []
        for i, checked, completion in zip(pending, done, completions, strict=True):
            gen = gens[i]
            gen.tokens.extend(completion.tokens)
            gen.logprobs.extend(completion.logprobs)
            _cut_at_answer_end(gen, stop, checked)
            if not gen.finished and completion.tokens and len(gen.tokens) < max_new_tokens:
                still_open.append(i)
        pending = still_open
    return gens


def completion_of(output: Any) -> Completion:
    """A :class:`Completion` from one vLLM ``CompletionOutput`` (``RequestOutput.outputs[0]``)."""
    tokens = [int(t) for t in output.token_ids]
    if output.logprobs is None:
        raise RuntimeError(
            "vLLM returned no log-probabilities; SamplingParams(logprobs=0) is needed"
        )
    logprobs = [float(step[t].logprob) for step, t in zip(output.logprobs, tokens, strict=True)]
    return Completion(tokens, logprobs)


def _vllm_dtype(dtype: Any) -> str:
    """The dtype name vLLM takes: the caller's, else bfloat16 where the GPU has it."""
    return dtype_name(resolve_dtype(dtype, "cuda"))


def _lora_rank(adapter: Path) -> int:
    config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    rank = int(config.get("r", 8))
    for allowed in LORA_RANKS:
        if rank <= allowed:
            return allowed
    raise ModelLoadError(f"LoRA rank {rank} of {adapter} is above vLLM's largest, {LORA_RANKS[-1]}")


class VLLMBackend(HeldModel):
    """A student decoded by vLLM on a GPU (see :class:`~uniner.engine.backends.QueryBackend`).

    >>> model = NERModel.from_pretrained(backend="vllm")  # doctest: +SKIP

    To choose other engine arguments, build the ``vllm.LLM`` yourself and wrap it:
    ``NERModel(VLLMBackend(LLM(model=path, enable_prefix_caching=True,
    gpu_memory_utilization=0.3), AutoTokenizer.from_pretrained(path), style="chat"))``.

    Args:
        model: a ``vllm.LLM`` (with ``enable_prefix_caching=True``, and ``enable_lora=True``
            when ``adapter`` is given).
        tokenizer: the model's Hugging Face fast tokenizer (prompts, windows and answers).
        style: the prompt style, ``uniner`` or ``chat``.
        name: what to call the model in ``info()``.
        adapter: a LoRA adapter directory, applied per request with a ``LoRARequest``.
    """

    @functools.cached_property
    def lora_request(self) -> Any:
        """The adapter as vLLM takes it with each request (None without an adapter)."""
        if self.adapter is None:
            return None
        _import_vllm()
        from vllm.lora.request import LoRARequest

        return LoRARequest(lora_name="uniner", lora_int_id=1, lora_path=self.adapter)

    @classmethod
    def load(
        cls,
        name_or_path: str | Path | None = None,
        *,
        adapter: str | Path | None = None,
        device: str | None = None,
        dtype: Any = None,
        style: Style | None = None,
    ) -> VLLMBackend:
        """Load a student into vLLM (CUDA), with prefix caching on; ``device`` may only be
        None or a CUDA device, ``dtype`` defaults to bfloat16 where the GPU has it.

        Raises:
            MissingDependencyError: vLLM is not installed.
            ModelLoadError: the model, file or adapter cannot be loaded.
            CacheMismatchError: the saved model was trained on another prompt template.
        """
        if device is not None and not device.startswith("cuda"):
            raise ValueError(f"the vLLM backend runs on CUDA, got device={device!r}")
        from transformers import AutoTokenizer

        vllm = _import_vllm()
        resolved = resolve(name_or_path, adapter)
        base_dir = resolved.base if Path(resolved.base).is_dir() else None
        card = read_model_card(base_dir, resolved.adapter)
        engine_args: dict[str, Any] = {
            "model": resolved.base,
            "tokenizer": tokenizer_source(resolved),
            "dtype": _vllm_dtype(dtype),
            "enable_prefix_caching": True,
        }
        if resolved.adapter is not None:
            engine_args |= {"enable_lora": True, "max_lora_rank": _lora_rank(resolved.adapter)}
        try:
            tokenizer = AutoTokenizer.from_pretrained(tokenizer_source(resolved))
            llm = vllm.LLM(**engine_args)
        except Exception as err:  # vLLM and transformers raise many kinds
            raise ModelLoadError(
                f"could not load model {resolved.name!r} into vLLM: {err}"
            ) from err
        return cls(
            llm,
            tokenizer,
            style=pick_style(style, card, tokenizer),
            name=resolved.name,
            adapter=str(resolved.adapter) if resolved.adapter else None,
            card=card,
        )

    def info(self) -> dict[str, Any]:
        """Name, adapter, prompt style, maximum sequence length, device, dtype and backend."""
        config = self.model.llm_engine.model_config
        return {
            "name": self.name,
            "adapter": self.adapter,
            "style": self.style,
            "max_length": self.max_length,
            "device": "cuda",
            "dtype": dtype_name(config.dtype),
            "backend": "vllm",
        }

    @property
    def max_length(self) -> int:
        """The longest sequence (prompt + answer) the engine takes."""
        limit = int(self.model.llm_engine.model_config.max_model_len)
        from_tokenizer = getattr(self.tokenizer, "model_max_length", None) or limit
        return min(limit, int(from_tokenizer))

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
        """All (passage, type) queries in one round of ``generate`` calls; ``batch_size`` is
        the transformers path's knob: vLLM schedules the queries itself."""
        if opts.constrained:
            raise ValueError("constrained decoding needs backend='transformers'")
        if opts.decoder != "shared":
            raise ValueError(f"decoder={opts.decoder!r} needs backend='transformers'")
        if opts.batch_invariant:  # vLLM schedules requests itself (its own batch-invariant mode)
            raise ValueError("batch_invariant=True needs backend='transformers'")
        stop = stop_rule(self.tokenizer, opts)
        prompts = query_prompts(self.tokenizer, self.style, passages, types, dataset)
        gens = decode_queries(self._submit(stop, progress), prompts, stop, opts.max_new_tokens)
        n = len(types)
        return [
            [
                answer_of(self.tokenizer, stop, t, g)
                for t, g in zip(types, gens[i * n : (i + 1) * n], strict=True)
            ]
            for i in range(len(passages))
        ]

    def _submit(self, stop: StopRule, progress: bool) -> Submit:
        """One ``LLM.generate`` call for all prompts of a round (prefix caching shares them)."""
        vllm = _import_vllm()

        def params(max_tokens: int) -> Any:
            return vllm.SamplingParams(
                temperature=0.0,
                max_tokens=max_tokens,
                stop=[*stop.stop_strings, LIST_CLOSE],
                include_stop_str_in_output=True,
                # Exactly the StopRule's end ids: not the model's own EOS list.
                stop_token_ids=sorted(stop.eos_ids),
                ignore_eos=True,
                logprobs=0,  # the chosen token's log-probability only
            )

        def submit(prompts: Sequence[Sequence[int]], budgets: Sequence[int]) -> list[Completion]:
            by_budget = {b: params(b) for b in set(budgets)}
            outputs = self.model.generate(
                [{"prompt_token_ids": list(p)} for p in prompts],
                [by_budget[b] for b in budgets],
                use_tqdm=progress,
                lora_request=self.lora_request,
            )
            return [completion_of(out.outputs[0]) for out in outputs]

        return submit
