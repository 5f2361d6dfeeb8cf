"""uniner.engine.memory: freed heap pages go back to the system after every decoding batch."""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator

import pytest

from uniner.engine import NERModel, memory

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or memory._malloc_trim() is None,
    reason="malloc_trim is glibc's",
)


@pytest.fixture
def fresh_lookup() -> Iterator[None]:
    memory._malloc_trim.cache_clear()
    yield
    memory._malloc_trim.cache_clear()


def _rss_bytes() -> int:
    with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@glibc
def test_free_heap_pages_are_returned() -> None:
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    block = 64 * 1024  # below malloc's mmap threshold: carved from the heap, as fragments are
    blocks = [libc.malloc(block) for _ in range(2048)]  # 128 MiB
    for pointer in blocks:
        ctypes.memset(pointer, 1, block)  # resident
    for pointer in blocks[:-1]:  # the last block pins the heap's top: free() cannot shrink it
        libc.free(pointer)
    before = _rss_bytes()
    memory.release_free_memory()
    after = _rss_bytes()
    libc.free(blocks[-1])
    assert before - after > 64 * 2**20, (before, after)


def test_it_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, fresh_lookup: None) -> None:
    monkeypatch.setenv("UNINER_MALLOC_TRIM", "0")
    assert memory._malloc_trim() is None
    memory.release_free_memory()  # a no-op, not an error


def test_every_decoding_batch_releases(tiny_ner: NERModel, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[None] = []
    monkeypatch.setattr(memory, "release_free_memory", lambda: calls.append(None))
    tiny_ner.predict(["Ada met Bob.", "Paris.", "Rome is old."], ["person"], batch_size=2)
    assert len(calls) == 2  # three passages, two per batch
