"""One row per passage: its prefix once, then every type query's suffix, kept apart by a mask.

Repeating a passage's KV cache once per type (the obvious way to share a prefix) copies the
cache T times, and attention then reads T copies. Here each passage is one row of the batch:

    [pad | prefix | pad suffix_1 | pad suffix_2 | ... | pad suffix_T]

Every suffix block sees the prefix and itself only (a 4D mask), and counts its positions from
the end of the prefix, so each token sees exactly what it sees in its own full prompt. Block
``k`` has the same columns in every row (each block is left-padded to its widest member), so
the last token of every query sits in one known column and only those columns reach the
output layer.

Most queries are answered ``[]``, two tokens. So each block ends with a guess, the first
token of ``[]`` (``draft``): the same forward pass then also gives the logits after that token.
Where the model's first token is the guess, its second comes free, and ``[]`` is complete
without another pass; elsewhere the guess is masked out and costs one column. Greedy answers are
unchanged: every token is still the argmax given exactly its own prompt.

The queries that go on get their own rows: the prefix columns and their block's columns are
gathered out of the passage row (:meth:`PrefixTree.gather`), so the cache is copied once, and
only for answers longer than the guess covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from uniner.engine.queries import EncodedPassage

_PAD, _PREFIX = -2, -1  # owners of a column that is not a query block


@dataclass
class PrefixTree:
    """The packed rows of a group of passages and what each column holds."""

    ids: torch.Tensor  # (P, W) token ids
    positions: torch.Tensor  # (P, W) position id of each token
    owner: torch.Tensor  # (P, W) _PAD, _PREFIX or the query block index k
    prefix_width: int
    block_starts: list[int]
    block_widths: list[int]
    draft: int | None = None  # the guessed first answer token, last column of every block

    @property
    def n_types(self) -> int:
        return len(self.block_starts)

    def answer_columns(self) -> torch.Tensor:
        """Columns whose logits are needed: every query's last prompt token (T of them), then
        every guess column (T more) when there is a guess."""
        ends = [s + w for s, w in zip(self.block_starts, self.block_widths, strict=True)]
        if self.draft is None:
            return torch.tensor([end - 1 for end in ends])
        return torch.tensor([end - 2 for end in ends] + [end - 1 for end in ends])

    def attention_mask(self, dtype: torch.dtype, device: Any = "cpu") -> torch.Tensor:
        """(P, 1, W, W) additive mask: causal, prefix visible to all, blocks to themselves.

        Attention still computes the masked block-to-block part: its cost grows with the square
        of (prefix + all suffixes), small next to the linear layers for tens of types.
        """
        width = self.ids.shape[1]
        owner = self.owner.to(device)
        column = torch.arange(width, device=device)
        causal = column[None, :] <= column[:, None]
        query, key = owner[:, :, None], owner[:, None, :]
        allowed = causal & (key != _PAD) & ((key == _PREFIX) | (key == query))
        # Pads see themselves: finite, never read.
        allowed |= torch.eye(width, dtype=torch.bool, device=device)
        mask = torch.zeros(allowed.shape, dtype=dtype, device=device)
        mask.masked_fill_(~allowed, torch.finfo(dtype).min)
        return mask[:, None]

    def gather(
        self,
        cache: Any,
        rows: Sequence[int],
        config: Any,
        guessed: Sequence[bool] | None = None,
    ) -> tuple[Any, torch.Tensor]:
        """A cache (and 2D mask) with one row per query ``rows`` (index ``p * T + k``);
        ``guessed[i]``: the guess column is part of that query's answer (else masked out)."""
        from transformers import DynamicCache

        passage = torch.tensor([r // self.n_types for r in rows])
        blocks = [r % self.n_types for r in rows]
        width = max(self.block_widths[k] for k in blocks)
        picked = [self._columns(k, width) for k in blocks]
        columns = torch.stack([c for c, _ in picked])
        filler = torch.stack([f for _, f in picked])
        owners = self.owner[passage[:, None], columns].masked_fill(filler, _PAD)
        real = (owners == _PREFIX) | (owners == torch.tensor(blocks)[:, None])
        if self.draft is not None:
            taken = [False] * len(rows) if guessed is None else list(guessed)
            real[:, -1] &= torch.tensor(taken, dtype=torch.bool)
        gathered = DynamicCache(config=config)
        device = cache.layers[0].keys.device
        index = (passage[:, None].to(device), columns.to(device))
        for i, layer in enumerate(cache.layers):
            # (P, H, W, D) -> pick (row, column) pairs -> (Q, H, W', D)
            keys = layer.keys.transpose(1, 2)[index].transpose(1, 2).contiguous()
            values = layer.values.transpose(1, 2)[index].transpose(1, 2).contiguous()
            gathered.update(keys, values, i)
        return gathered, real.long().to(device)

    def _columns(self, k: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Query block ``k``'s columns (prefix, then block), ``width`` wide: a narrower block
        is topped up on the left with column 0, flagged as filler."""
        start, own = self.block_starts[k], self.block_widths[k]
        columns = torch.cat(
            [
                torch.arange(self.prefix_width),
                torch.zeros(width - own, dtype=torch.long),
                torch.arange(start, start + own),
            ]
        )
        filler = torch.zeros(len(columns), dtype=torch.bool)
        filler[self.prefix_width : self.prefix_width + width - own] = True
        return columns, filler


def build_tree(
    passages: Sequence[EncodedPassage], pad: int, draft: int | None = None
) -> PrefixTree:
    """Pack passages (each asking the same number of types) into one row each; ``draft``
    is the guessed first answer token appended to every query, or None for no guess."""
    if not passages:
        raise ValueError("no passages to pack")
    if any(not suffix for p in passages for suffix in p.suffixes):
        raise ValueError("every query needs at least one token of its own after the prefix")
    n_types = len(passages[0].suffixes)
    guess = [] if draft is None else [draft]
    blocks = [[list(s) + guess for s in p.suffixes] for p in passages]
    prefix_width = max(len(p.prefix) for p in passages)
    widths = [max(len(b[k]) for b in blocks) for k in range(n_types)]
    starts = [prefix_width + sum(widths[:k]) for k in range(n_types)]
    total = prefix_width + sum(widths)
    ids = torch.full((len(passages), total), pad, dtype=torch.long)
    positions = torch.zeros((len(passages), total), dtype=torch.long)
    owner = torch.full((len(passages), total), _PAD, dtype=torch.long)
    for row, (passage, suffixes) in enumerate(zip(passages, blocks, strict=True)):
        length = len(passage.prefix)
        _place(ids, positions, owner, row, prefix_width, passage.prefix, 0, _PREFIX)
        for k, suffix in enumerate(suffixes):
            _place(ids, positions, owner, row, starts[k] + widths[k], suffix, length, k)
    return PrefixTree(ids, positions, owner, prefix_width, starts, widths, draft)


def _place(
    ids: torch.Tensor,
    positions: torch.Tensor,
    owner: torch.Tensor,
    row: int,
    end: int,
    tokens: Sequence[int],
    first_position: int,
    who: int,
) -> None:
    """Write ``tokens`` so that they end at column ``end`` (right-aligned in their area)."""
    start = end - len(tokens)
    ids[row, start:end] = torch.tensor(list(tokens), dtype=torch.long)
    positions[row, start:end] = torch.arange(first_position, first_position + len(tokens))
    owner[row, start:end] = who
