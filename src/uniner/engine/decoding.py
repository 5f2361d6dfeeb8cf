"""Greedy decoding of type queries: the naive reference and the shared-prefix fast path.

The naive reference (:func:`generate_naive`) is what the paper's code does: one full prompt per
(passage, type) through ``model.generate``. The fast path (:func:`generate_shared`) gives the
same tokens with far less work:

1. the passage prefixes of a group of passages are encoded once, left-padded into one batch;
2. that KV cache is repeated once per type query (``batch_repeat_interleave``);
3. the query suffixes are appended in one forward pass; they are left-padded *between* the
   prefix and the suffix, so every row ends at the same column and decodes in lock-step;
4. a hand-written greedy loop decodes all rows, dropping each row from the batch (and from the
   cache) as soon as its answer is complete.

Padding never changes a result: padded columns are masked out of attention and position ids
count real tokens only, so every row sees exactly the positions its naive prompt would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

from uniner.engine.queries import EncodedPassage
from uniner.engine.stopping import StopRule


@dataclass
class Generation:
    """One decoded answer: its tokens, the log-probability of each, and whether it ended.

    ``margins`` (naive reference only) holds, per step, how far the chosen token's
    log-probability is ahead of the runner-up: a near-zero margin is a near-tie, where float
    rounding in a differently shaped batch may pick the other token.
    """

    tokens: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    finished: bool = False
    margins: list[float] = field(default_factory=list)


class TokenChooser(Protocol):
    """Picks the next token of one row (constrained decoding); greedy argmax when absent."""

    def choose(self, logprobs: torch.Tensor, tokens: Sequence[int]) -> int: ...


def _pad_id(tokenizer: Any) -> int:
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    return int(pad or 0)


def _left_pad(rows: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        if row:
            ids[i, width - len(row) :] = torch.tensor(row, dtype=torch.long)
            mask[i, width - len(row) :] = 1
    return ids, mask


def _positions(mask: torch.Tensor) -> torch.Tensor:
    # Each real token's position is the number of real tokens before it; pads get 0.
    return (mask.cumsum(-1) - 1).clamp(min=0)


class _Decoder:
    """The greedy loop over a batch whose prompts are already in ``cache``."""

    def __init__(self, model: Any, stop: StopRule, max_new_tokens: int) -> None:
        self.model = model
        self.stop = stop
        self.max_new_tokens = max_new_tokens

    def run(
        self,
        logits: torch.Tensor,
        cache: Any,
        mask: torch.Tensor,
        choosers: Sequence[TokenChooser | None],
    ) -> list[Generation]:
        n = logits.shape[0]
        results = [Generation() for _ in range(n)]
        active = list(range(n))  # batch row -> index into results
        next_pos = mask.sum(-1)
        device = logits.device
        for _step in range(self.max_new_tokens):
            logprobs = torch.log_softmax(logits.float(), dim=-1)
            chosen = self._choose(logprobs, active, results, choosers)
            keep = []
            for row, (index, token) in enumerate(zip(active, chosen, strict=True)):
                gen = results[index]
                gen.tokens.append(token)
                gen.logprobs.append(float(logprobs[row, token]))
                if self.stop.is_done(gen.tokens):
                    gen.finished = True
                else:
                    keep.append(row)
            if not keep or _step == self.max_new_tokens - 1:
                break
            if len(keep) < len(active):
                rows = torch.tensor(keep, device=device)
                cache.batch_select_indices(rows)
                mask, next_pos = mask[rows], next_pos[rows]
                chosen = [chosen[r] for r in keep]
                active = [active[r] for r in keep]
            mask = torch.cat([mask, mask.new_ones((len(active), 1))], dim=-1)
            out = self.model(
                input_ids=torch.tensor(chosen, device=device)[:, None],
                attention_mask=mask,
                position_ids=next_pos[:, None],
                past_key_values=cache,
                use_cache=True,
            )
            logits, next_pos = out.logits[:, -1], next_pos + 1
        return results

    @staticmethod
    def _choose(
        logprobs: torch.Tensor,
        active: Sequence[int],
        results: Sequence[Generation],
        choosers: Sequence[TokenChooser | None],
    ) -> list[int]:
        greedy = logprobs.argmax(dim=-1).tolist()
        picked = []
        for row, index in enumerate(active):
            chooser = choosers[index]
            if chooser is None:
                picked.append(int(greedy[row]))
            else:
                picked.append(chooser.choose(logprobs[row], results[index].tokens))
        return picked


@torch.inference_mode()
def generate_shared(
    model: Any,
    tokenizer: Any,
    passages: Sequence[EncodedPassage],
    *,
    max_new_tokens: int,
    choosers: Sequence[TokenChooser | None] | None = None,
) -> list[list[Generation]]:
    """Answer every type query of every passage, sharing each passage's prefix.

    Every passage must ask the same number of types. Returns one list of generations per
    passage, in type order.
    """
    from transformers import DynamicCache

    n_types = len(passages[0].suffixes)
    if any(len(p.suffixes) != n_types for p in passages):
        raise ValueError("every passage in a shared batch must ask the same number of types")
    device = next(model.parameters()).device
    pad = _pad_id(tokenizer)
    prefix_ids, prefix_mask = _left_pad([p.prefix for p in passages], pad)
    cache = DynamicCache(config=model.config)
    model(
        input_ids=prefix_ids.to(device),
        attention_mask=prefix_mask.to(device),
        position_ids=_positions(prefix_mask).to(device),
        past_key_values=cache,
        use_cache=True,
        logits_to_keep=1,
    )
    cache.batch_repeat_interleave(n_types)
    suffix_ids, suffix_mask = _left_pad([s for p in passages for s in p.suffixes], pad)
    mask = torch.cat([prefix_mask.repeat_interleave(n_types, dim=0), suffix_mask], dim=-1)
    positions = _positions(mask)[:, -suffix_ids.shape[1] :]
    out = model(
        input_ids=suffix_ids.to(device),
        attention_mask=mask.to(device),
        position_ids=positions.to(device),
        past_key_values=cache,
        use_cache=True,
        logits_to_keep=1,
    )
    rows = [None] * (len(passages) * n_types) if choosers is None else list(choosers)
    decoder = _Decoder(model, StopRule(tokenizer), max_new_tokens)
    flat = decoder.run(out.logits[:, -1], cache, mask.to(device), rows)
    return [flat[i * n_types : (i + 1) * n_types] for i in range(len(passages))]


@torch.inference_mode()
def generate_padded(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[Sequence[int]],
    *,
    max_new_tokens: int,
) -> list[Generation]:
    """Full prompts, left-padded into one batch, no shared prefix (benchmark baseline (b))."""
    from transformers import DynamicCache

    device = next(model.parameters()).device
    ids, mask = _left_pad(prompts, _pad_id(tokenizer))
    cache = DynamicCache(config=model.config)
    out = model(
        input_ids=ids.to(device),
        attention_mask=mask.to(device),
        position_ids=_positions(mask).to(device),
        past_key_values=cache,
        use_cache=True,
        logits_to_keep=1,
    )
    decoder = _Decoder(model, StopRule(tokenizer), max_new_tokens)
    return decoder.run(out.logits[:, -1], cache, mask.to(device), [None] * len(prompts))


@torch.inference_mode()
def generate_naive(
    model: Any, tokenizer: Any, prompt: Sequence[int], *, max_new_tokens: int
) -> Generation:
    """The reference: one full prompt through ``model.generate``, greedy, same stopping rule."""
    from transformers import GenerationConfig, StoppingCriteria, StoppingCriteriaList

    stop = StopRule(tokenizer)
    start = len(prompt)

    class _AnswerComplete(StoppingCriteria):
        def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
            done = stop.is_done(input_ids[0, start:].tolist())
            return torch.tensor([done], device=input_ids.device)

    device = next(model.parameters()).device
    config = GenerationConfig(
        max_new_tokens=max_new_tokens,
        do_sample=False,
        eos_token_id=sorted(stop.eos_ids),
        pad_token_id=_pad_id(tokenizer),
    )
    out = model.generate(
        input_ids=torch.tensor([list(prompt)], device=device),
        attention_mask=torch.ones((1, len(prompt)), dtype=torch.long, device=device),
        generation_config=config,
        stopping_criteria=StoppingCriteriaList([_AnswerComplete()]),
        output_scores=True,
        return_dict_in_generate=True,
    )
    tokens = out.sequences[0, start:].tolist()
    steps = [torch.log_softmax(score[0].float(), dim=-1) for score in out.scores]
    logprobs = [float(step[tok]) for step, tok in zip(steps, tokens, strict=True)]
    margins = [float(step.topk(2).values.diff().abs()) for step in steps]
    return Generation(tokens, logprobs, finished=stop.is_done(tokens), margins=margins)
