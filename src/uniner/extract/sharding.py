"""``--shard I/N``: a stable split of a corpus by document id.

A document belongs to shard ``I`` of ``N`` when the SHA-256 of its id, read as a number, is
``I`` modulo ``N``. The split depends on the id alone, never on the order, the file a document
sits in or the machine, so ``N`` processes given the same input and ``I = 0 … N-1`` cover every
document exactly once, and a document keeps its shard when the corpus grows.

>>> parse_shard("1/4")
(1, 4)
>>> [in_shard(str(i), (0, 2)) for i in range(4)]
[True, False, True, False]
"""

from __future__ import annotations

import hashlib

Shard = tuple[int, int]  # (index from 0, count)
WHOLE: Shard = (0, 1)


def parse_shard(spec: str) -> Shard:
    """``"I/N"`` as ``(I, N)``, with ``0 <= I < N``.

    Raises:
        ValueError: ``spec`` is not of that form, with the value shown.
    """
    index, slash, count = spec.partition("/")
    if not (slash and index.strip().isdigit() and count.strip().isdigit()):
        raise ValueError(f"--shard must be I/N with 0 <= I < N (e.g. 0/4), got {spec!r}")
    if not int(index) < int(count):
        raise ValueError(f"--shard must be I/N with 0 <= I < N (e.g. 0/4), got {spec!r}")
    return (int(index), int(count))


def check_shard(shard: Shard) -> Shard:
    """``shard`` if it is a valid ``(I, N)``, else ValueError showing it."""
    index, count = shard
    if not (isinstance(index, int) and isinstance(count, int) and 0 <= index < count):
        raise ValueError(f"a shard is (I, N) with 0 <= I < N, got {shard!r}")
    return (index, count)


def in_shard(document_id: str, shard: Shard) -> bool:
    """Whether the document with this id belongs to ``shard``."""
    index, count = shard
    if count == 1:
        return True
    digest = hashlib.sha256(document_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count == index
