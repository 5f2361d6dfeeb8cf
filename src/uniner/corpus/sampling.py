"""A seeded random sample of distinct passages in bounded memory.

This is reservoir sampling by priority (a "bottom-k" sample): every passage gets a pseudo-random
priority, a keyed hash of its text and the seed, and the sample is the ``n`` passages with the
lowest priorities. Only ``n`` passages are ever held. Because the priority depends on the text
alone, two copies of a passage have the same priority and the sample never holds both: exact
duplicates are removed, and a passage repeated a thousand times is no likelier to be drawn than
one seen once. The sample is the same whatever order the corpus is read in.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field

from uniner.corpus.passage import Passage


def priority(text: str, seed: int) -> int:
    """A 64-bit pseudo-random number fixed by ``text`` and ``seed``."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8, key=str(seed).encode())
    return int.from_bytes(digest.digest(), "big")


@dataclass
class ReservoirSampler:
    """Keeps the ``n`` distinct passages of lowest priority seen so far.

    >>> sampler = ReservoirSampler(n=2, seed=0)
    >>> for text in ["a b", "c d", "a b", "e f"]:
    ...     _ = sampler.add(Passage(text, "s", "0", 0, 3))
    >>> sorted(p.text for p in sampler.sample())
    ['a b', 'c d']
    """

    n: int | None
    seed: int = 0
    seen: int = 0
    duplicates: int = 0  # copies of a passage already in the sample
    # max-heap of the kept passages: (-priority, order, passage id)
    _heap: list[tuple[int, int, str]] = field(default_factory=list, repr=False)
    # passage id -> (order it was first seen, passage) for the passages kept
    _kept: dict[str, tuple[int, Passage]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.n is not None and (not isinstance(self.n, int) or self.n < 1):
            raise ValueError(f"sample size n must be a positive int or None, got {self.n!r}")

    def add(self, passage: Passage) -> bool:
        """Offer one passage; True when it is (for now) in the sample."""
        self.seen += 1
        if passage.id in self._kept:
            self.duplicates += 1
            return False
        key = priority(passage.text, self.seed)
        if self.n is not None and len(self._heap) >= self.n:
            if key >= -self._heap[0][0]:
                return False
            _, _, evicted = heapq.heapreplace(self._heap, (-key, self.seen, passage.id))
            del self._kept[evicted]
        else:
            heapq.heappush(self._heap, (-key, self.seen, passage.id))
        self._kept[passage.id] = (self.seen, passage)
        return True

    def extend(self, passages: Iterable[Passage]) -> None:
        for passage in passages:
            self.add(passage)

    def sample(self) -> list[Passage]:
        """The kept passages in corpus order (the order they were first read)."""
        return [passage for _, passage in sorted(self._kept.values(), key=lambda kp: kp[0])]
