"""Giving the memory a decoding batch freed back to the system.

The engine decodes passages shortest first, so each batch asks for larger tensors than the
last. glibc's malloc keeps what a batch frees in its heap, and after large blocks are freed it
raises its threshold for serving requests with fresh pages (up to 32 MB), so the next batch's
larger tensors are carved from a heap full of holes that are each too small: the resident
memory climbs batch after batch though nothing leaks (a full zero-shot evaluation with
definitions, 6,467 passages, was killed by the OOM killer at 15.9 GB). Returning the free pages
after every batch (``malloc_trim``) cut the peak of 256 described passages by a quarter of the
working set, and brings the memory back down between batches (benchmarks/bench_memory.py,
docs/engine.md "Memory"). Where the C library has no
``malloc_trim`` (macOS, musl), this does nothing; ``UNINER_MALLOC_TRIM=0`` turns it off (the
benchmark's baseline).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys
from collections.abc import Callable


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (tens of microseconds)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if os.environ.get("UNINER_MALLOC_TRIM") == "0" or not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)  # glibc only
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim
