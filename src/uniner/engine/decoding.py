"""Greedy decoding of type queries: the naive reference and the shared-prefix fast path.

The naive reference (:func:`generate_naive`) is what the paper's code does: one full prompt per
(passage, type) through ``model.generate``. The fast path (:func:`generate_shared`) gives the
same tokens with far less work:

1. each passage is one row: its prefix once, then every type query's suffix, kept apart by a
   4D attention mask (:mod:`uniner.engine.tree`), all in one forward pass that yields every
   query's first answer token, and its second where the first is the guessed start of ``[]``;
2. the queries whose answer goes on get their own rows, gathered out of the passage's cache;
3. a hand-written greedy loop decodes those rows, dropping each row from the batch (and from
   the cache) as soon as its answer is complete; with drafters (``draft=True``) each step
   feeds every row's last token and tokens drafted from its passage, and keeps those the
   model agrees with (:meth:`_Decoder.draft_and_verify`, :mod:`uniner.engine.drafting`).

Padding never changes a result: padded columns are masked out of attention and position ids
count real tokens only, so every row sees exactly the positions its naive prompt would.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import torch

from uniner.engine.queries import EncodedPassage, empty_answer_start
from uniner.engine.stopping import StopRule
from uniner.engine.tree import build_tree
from uniner.prompts import Style


@dataclass
class Generation:
    """One decoded answer: its tokens, the log-probability of each, and whether it ended.

    ``margins`` (naive reference only) holds, per step, how far the chosen token's
    log-probability is ahead of the runner-up: a near-zero margin is a near-tie, where float
    rounding in a differently shaped batch may pick the other token.

    How it was decoded (the fast path): ``from_prompt`` tokens came out of the prompt's own
    forward pass, ``steps`` decode passes wrote the rest, fed ``drafted`` draft tokens in all,
    of which the model's choice agreed with ``accepted`` (see :mod:`uniner.engine.drafting`).
    Without drafting every token after the prompt's costs one step.
    """

    tokens: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    finished: bool = False
    margins: list[float] = field(default_factory=list)
    from_prompt: int = 0
    steps: int = 0
    drafted: int = 0
    accepted: int = 0

    def decoding(self) -> dict[str, int]:
        """How the answer was decoded: answer tokens, decode steps, the steps it would take
        without drafting, draft tokens fed and accepted."""
        return {
            "tokens": len(self.tokens),
            "steps": self.steps,
            "steps_without_draft": len(self.tokens) - self.from_prompt,
            "drafted": self.drafted,
            "accepted": self.accepted,
        }


class TokenChooser(Protocol):
    """Picks the next token of one row (constrained decoding); greedy argmax when absent."""

    def choose(self, logprobs: torch.Tensor, tokens: Sequence[int]) -> int: ...


class Drafter(Protocol):
    """Proposes tokens likely to follow an answer so far (:mod:`uniner.engine.drafting`)."""

    def propose(self, tokens: Sequence[int], limit: int) -> list[int]: ...


def cache_argument(model: Any, cache: Any) -> dict[str, Any]:
    """The KV cache as the model's forward wants it: ``cache=`` in current transformers,
    ``past_key_values=`` in releases before the rename (the old name now warns)."""
    # A peft wrapper passes keyword arguments through to the model it wraps.
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    model_class = type(inner)
    name = _CACHE_NAMES.get(model_class)
    if name is None:
        forward = inspect.signature(model_class.forward).parameters
        name = _CACHE_NAMES[model_class] = "cache" if "cache" in forward else "past_key_values"
    return {name: cache}


_CACHE_NAMES: dict[type, str] = {}  # model class -> the name its forward gives the KV cache


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


def _crop(cache: Any, width: int) -> None:
    """Keep the first ``width`` columns of every layer of ``cache`` (all rows)."""
    for layer in cache.layers:
        layer.keys = layer.keys[..., :width, :]
        layer.values = layer.values[..., :width, :]


def _positions(mask: torch.Tensor) -> torch.Tensor:
    # Each real token's position is the number of real tokens before it; pads get 0.
    return (mask.cumsum(-1) - 1).clamp(min=0)


class _Decoder:
    """The greedy loop: choose each row's next token, stop finished rows, feed the rest."""

    def __init__(
        self,
        model: Any,
        stop: StopRule,
        max_new_tokens: int,
        drafters: Sequence[Drafter | None] | None = None,
    ) -> None:
        self.model = model
        self.stop = stop
        self.max_new_tokens = max_new_tokens
        self.drafters = drafters  # per answer (as ``results``); None: one token per step

    def run(
        self,
        logits: torch.Tensor,
        cache: Any,
        mask: torch.Tensor,
        choosers: Sequence[TokenChooser | None],
    ) -> list[Generation]:
        """Decode rows whose whole prompts are in ``cache``; ``logits`` predict their first
        tokens (one row each)."""
        results = [Generation(from_prompt=1) for _ in range(logits.shape[0])]
        if self.drafters is None:
            return self.resume(results, list(range(len(results))), logits, cache, mask, choosers)
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        rows = list(range(len(results)))
        chosen = self.choose(logprobs, rows, results, choosers)
        keep = [r for r in rows if self.append(results[r], chosen[r], logprobs[r])]
        if keep:
            if len(keep) < len(rows):
                cache.batch_select_indices(torch.tensor(keep, device=logits.device))
                mask = mask[keep]
            self.draft_and_verify(results, keep, cache, mask, choosers)
        return results

    def resume(
        self,
        results: list[Generation],
        active: list[int],
        logits: torch.Tensor,
        cache: Any,
        mask: torch.Tensor,
        choosers: Sequence[TokenChooser | None],
    ) -> list[Generation]:
        """Go on with ``results[active]``: logits row i predicts the next token of
        ``active[i]``, whose tokens so far are cache row i (``mask`` marks the real ones)."""
        while active:
            logprobs = torch.log_softmax(logits.float(), dim=-1)
            chosen = self.choose(logprobs, active, results, choosers)
            keep = [
                row
                for row, (index, token) in enumerate(zip(active, chosen, strict=True))
                if self.append(results[index], token, logprobs[row])
            ]
            if not keep:
                break
            if len(keep) < len(active):
                cache.batch_select_indices(torch.tensor(keep, device=logits.device))
                mask = mask[keep]
            active = [active[r] for r in keep]
            for index in active:
                results[index].steps += 1
            logits, mask = self.feed([chosen[r] for r in keep], cache, mask)
        return results

    def draft_and_verify(
        self,
        results: list[Generation],
        active: list[int],
        cache: Any,
        mask: torch.Tensor,
        choosers: Sequence[TokenChooser | None],
    ) -> list[Generation]:
        """Go on with ``results[active]``, whose last token is chosen but not yet fed (cache
        row i and ``mask`` row i hold the tokens of ``active[i]`` before it).

        Each step feeds every row's last token and its drafter's proposal in one forward pass,
        then walks the proposal: the model's choice after each fed token is the answer's next
        token, and the walk goes on while that choice is the next draft token. So every token
        is still the model's choice given exactly the tokens before it. Drafts the answer did
        not take are masked out of the cache, and the columns no row took are dropped.
        """
        drafters = self.drafters or [None] * len(results)
        while active:
            drafts = [self._proposal(results[i], drafters[i]) for i in active]
            before = mask.shape[1]
            logprobs, mask = self.feed_drafts([results[i] for i in active], drafts, cache, mask)
            keep, taken = [], []
            for row, index in enumerate(active):
                going, agreed = self.verify(
                    results[index], drafts[row], logprobs[row], choosers[index]
                )
                if going:
                    keep.append(row)
                    taken.append(1 + agreed)  # the fed last token and the agreed drafts
            if not keep:
                break
            if len(keep) < len(active):
                cache.batch_select_indices(torch.tensor(keep, device=mask.device))
                mask = mask[keep]
            active = [active[r] for r in keep]
            width = before + max(taken)
            for row, fed in enumerate(taken):
                mask[row, before + fed :] = 0
            mask = mask[:, :width]
            _crop(cache, width)
        return results

    def _proposal(self, gen: Generation, drafter: Drafter | None) -> list[int]:
        # A step adds at most one token more than its drafts: never draft past the limit.
        room = self.max_new_tokens - len(gen.tokens) - 1
        return [] if drafter is None or room < 1 else drafter.propose(gen.tokens, room)[:room]

    def feed_drafts(
        self,
        answers: Sequence[Generation],
        drafts: Sequence[Sequence[int]],
        cache: Any,
        mask: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One forward pass of each answer's last token and its drafts (rows right-padded to
        the longest, the padding masked out); the log-probabilities after every fed token
        (rows x columns x vocabulary) and the grown mask."""
        width = 1 + max(len(d) for d in drafts)
        ids = torch.zeros((len(answers), width), dtype=torch.long)
        fed = torch.zeros((len(answers), width), dtype=mask.dtype)
        for row, (gen, draft) in enumerate(zip(answers, drafts, strict=True)):
            tokens = [gen.tokens[-1], *draft]
            ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
            fed[row, : len(tokens)] = 1
            gen.steps += 1
            gen.drafted += len(draft)
        # Real tokens before each row's block, then one position per column of the block.
        positions = mask.sum(-1, keepdim=True) + torch.arange(width, device=mask.device)
        mask = torch.cat([mask, fed.to(mask.device)], dim=-1)
        out = self.model(
            input_ids=ids.to(mask.device),
            attention_mask=mask,
            position_ids=positions,
            use_cache=True,
            **cache_argument(self.model, cache),
        )
        return torch.log_softmax(out.logits.float(), dim=-1), mask

    def verify(
        self,
        gen: Generation,
        draft: Sequence[int],
        logprobs: torch.Tensor,
        chooser: TokenChooser | None,
    ) -> tuple[bool, int]:
        """Append the model's choices after the fed tokens (``logprobs[j]`` follows the last
        token and ``draft[:j]``) while they agree with the draft; returns whether the answer
        goes on and how many draft tokens it took."""
        greedy = logprobs.argmax(dim=-1).tolist() if chooser is None else []
        for j in range(len(draft) + 1):
            token = int(greedy[j]) if chooser is None else chooser.choose(logprobs[j], gen.tokens)
            agreed = j < len(draft) and token == draft[j]
            gen.accepted += agreed
            if not self.append(gen, token, logprobs[j]):
                return False, j
            if not agreed:
                return True, j
        raise AssertionError("unreachable: the last position has no draft to agree with")

    def append(self, gen: Generation, token: int, logprobs: torch.Tensor) -> bool:
        """Add ``token`` to ``gen``; True while the answer goes on."""
        gen.tokens.append(token)
        gen.logprobs.append(float(logprobs[token]))
        if self.stop.is_done(gen.tokens):
            gen.finished = True
            return False
        return len(gen.tokens) < self.max_new_tokens

    def feed(
        self, tokens: Sequence[int], cache: Any, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One forward pass of one new token per row; the next logits and the grown mask."""
        positions = mask.sum(-1, keepdim=True)  # real tokens before the new one
        mask = torch.cat([mask, mask.new_ones((len(tokens), 1))], dim=-1)
        out = self.model(
            input_ids=torch.tensor(list(tokens), device=mask.device)[:, None],
            attention_mask=mask,
            position_ids=positions,
            use_cache=True,
            **cache_argument(self.model, cache),
        )
        return out.logits[:, -1], mask

    @staticmethod
    def choose(
        logprobs: torch.Tensor,
        active: Sequence[int],
        results: Sequence[Generation],
        choosers: Sequence[TokenChooser | None],
    ) -> list[int]:
        """The next token of each active row: its chooser's pick, else the argmax."""
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
    draft: int | None = None,
    stop_repeats: bool = False,
    drafters: Sequence[Drafter | None] | None = None,
) -> list[list[Generation]]:
    """Answer every type query of every passage, computing each passage's prefix once.

    Every passage must ask the same number of types. ``draft``: the guessed first answer token
    (:func:`answer_guess`); it never changes an answer. ``stop_repeats``: see
    :class:`~uniner.engine.stopping.StopRule`. ``drafters``: one per query (passages x types),
    to decode by draft-and-verify (:meth:`_Decoder.draft_and_verify`); None decodes one token
    per step. Neither changes an answer. Returns one list of generations per passage, in type
    order.
    """
    from transformers import DynamicCache

    n_types = len(passages[0].suffixes)
    if any(len(p.suffixes) != n_types for p in passages):
        raise ValueError("every passage in a shared batch must ask the same number of types")
    n_rows = len(passages) * n_types
    chosen_by = [None] * n_rows if choosers is None else list(choosers)
    if len(chosen_by) != n_rows:
        raise ValueError(f"expected {n_rows} choosers (passages x types), got {len(chosen_by)}")
    if drafters is not None and len(drafters) != n_rows:
        raise ValueError(f"expected {n_rows} drafters (passages x types), got {len(drafters)}")
    if not packable(model):
        prompts = [p.full(k) for p in passages for k in range(n_types)]
        flat = generate_padded(
            model,
            tokenizer,
            prompts,
            max_new_tokens=max_new_tokens,
            choosers=chosen_by,
            stop_repeats=stop_repeats,
            drafters=drafters,
        )
        return [flat[i * n_types : (i + 1) * n_types] for i in range(len(passages))]
    device = next(model.parameters()).device
    stop = StopRule(tokenizer, stop_repeats=stop_repeats)
    tree = build_tree(passages, _pad_id(tokenizer), draft)
    cache = DynamicCache(config=model.config)
    dtype = model.get_input_embeddings().weight.dtype
    out = model(
        input_ids=tree.ids.to(device),
        attention_mask=tree.attention_mask(dtype, device),
        position_ids=tree.positions.to(device),
        use_cache=True,
        **cache_argument(model, cache),
        logits_to_keep=tree.answer_columns().to(device),
    )
    # Rows p * T + k: after the prompt, and after prompt + guess.
    logits = out.logits.float().log_softmax(-1)
    del out
    first = logits[:, :n_types].reshape(n_rows, -1)
    guessed = logits[:, n_types:].reshape(n_rows, -1) if draft is not None else None
    del logits
    decoder = _Decoder(model, stop, max_new_tokens, drafters)
    results = [Generation() for _ in range(n_rows)]
    going = _first_tokens(decoder, results, first, guessed, draft, chosen_by)
    del first, guessed
    if going:
        active = [g.row for g in going]
        rest, mask = tree.gather(cache, active, model.config, [g.guessed for g in going])
        del cache  # the packed rows are no longer needed once each query has its own
        if drafters is not None:
            decoder.draft_and_verify(results, active, rest, mask, chosen_by)
        else:
            for row in active:
                results[row].steps += 1
            logits, mask = decoder.feed([g.token for g in going], rest, mask)
            decoder.resume(results, active, logits, rest, mask, chosen_by)
    return [results[i * n_types : (i + 1) * n_types] for i in range(len(passages))]


def answer_guess(tokenizer: Any, style: Style) -> int | None:
    """The token :func:`generate_shared` should guess: the first of ``[]`` as the student was
    trained to write it, or None where ``[]`` is a single token (nothing left to guess)."""
    token = empty_answer_start(tokenizer, style)
    return None if token is None or StopRule(tokenizer).is_done([token]) else token


def packable(model: Any) -> bool:
    """Whether the packed rows give exact answers on this model: every layer attends to the
    whole sequence (no sliding window or chunks, which a custom mask would override) and the
    attention backend honours a 4D mask (sdpa, eager, and the trainer's packed sdpa, which is
    sdpa whenever it is given no sequence bounds)."""
    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    from uniner.attention import PACKED_SDPA

    attention = getattr(model.config, "_attn_implementation", "sdpa")
    layers = DynamicCache(config=model.config).layers
    exact = attention in ("sdpa", "eager", PACKED_SDPA)
    return exact and all(type(x) is DynamicLayer for x in layers)


class _Going(NamedTuple):
    """A query whose answer goes on after its first tokens."""

    row: int  # p * T + k
    guessed: bool  # the guess column is part of its answer
    token: int  # the next token to feed


def _first_tokens(
    decoder: _Decoder,
    results: list[Generation],
    first: torch.Tensor,
    guessed: torch.Tensor | None,
    draft: int | None,
    choosers: Sequence[TokenChooser | None],
) -> list[_Going]:
    """Choose every query's first token (and its second, where the first is the guess);
    return the queries that go on."""
    rows = list(range(len(results)))
    going: list[_Going] = []
    hits = []
    for row, token in zip(rows, decoder.choose(first, rows, results, choosers), strict=True):
        results[row].from_prompt = 1
        if decoder.append(results[row], token, first[row]):
            if token == draft:
                hits.append(row)
            else:
                going.append(_Going(row, False, token))
    if hits and guessed is not None:
        second = guessed[hits]
        for i, token in enumerate(decoder.choose(second, hits, results, choosers)):
            results[hits[i]].from_prompt = 2
            if decoder.append(results[hits[i]], token, second[i]):
                going.append(_Going(hits[i], True, token))
    return sorted(going)


@torch.inference_mode()
def generate_padded(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[Sequence[int]],
    *,
    max_new_tokens: int,
    choosers: Sequence[TokenChooser | None] | None = None,
    stop_repeats: bool = False,
    drafters: Sequence[Drafter | None] | None = None,
) -> list[Generation]:
    """Full prompts, left-padded into one batch, no shared prefix: benchmark baseline (b), and
    the engine's path for models the packed rows do not suit (:func:`packable`); ``drafters``
    as in :func:`generate_shared`."""
    from transformers import DynamicCache

    device = next(model.parameters()).device
    ids, mask = _left_pad(prompts, _pad_id(tokenizer))
    cache = DynamicCache(config=model.config)
    out = model(
        input_ids=ids.to(device),
        attention_mask=mask.to(device),
        position_ids=_positions(mask).to(device),
        use_cache=True,
        **cache_argument(model, cache),
        logits_to_keep=1,
    )
    stop = StopRule(tokenizer, stop_repeats=stop_repeats)
    decoder = _Decoder(model, stop, max_new_tokens, drafters)
    rows = [None] * len(prompts) if choosers is None else list(choosers)
    return decoder.run(out.logits[:, -1], cache, mask.to(device), rows)


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
        output_scores=True,
        return_dict_in_generate=True,
    )
    out = model.generate(
        input_ids=torch.tensor([list(prompt)], device=device),
        attention_mask=torch.ones((1, len(prompt)), dtype=torch.long, device=device),
        generation_config=config,
        stopping_criteria=StoppingCriteriaList([_AnswerComplete()]),
    )
    tokens = out.sequences[0, start:].tolist()
    steps = [torch.log_softmax(score[0].float(), dim=-1) for score in out.scores]
    logprobs = [float(step[tok]) for step, tok in zip(steps, tokens, strict=True)]
    margins = [float(step.topk(2).values.diff().abs()) for step in steps]
    return Generation(tokens, logprobs, finished=stop.is_done(tokens), margins=margins)
