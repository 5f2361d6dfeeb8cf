"""Gather concurrent requests into batches for one model worker thread.

A request's texts are submitted one by one with a *key* (the types and options they are asked
with: only texts with equal keys can share a model call). One worker thread takes the oldest
waiting text, waits at most ``max_wait_s`` from that text's arrival for more texts with the
same key, and runs them together, at most ``max_batch_size`` at a time. When the model is busy
the queue fills, so the next batch starts at once and is larger: throughput rises with
concurrency while a lone request waits only ``max_wait_s``.

Guarantees that keep one bad request from hurting the others:

* a batch that raises is re-run item by item, so only the item that fails gets the error;
* a cancelled future (its client timed out or went away) is dropped before the model runs;
* the queue is bounded: :meth:`MicroBatcher.submit` raises :class:`QueueFullError` instead of
  letting waits grow without limit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
X = TypeVar("X")
Y = TypeVar("Y")


class QueueFullError(RuntimeError):
    """The batcher's queue is at its bound; the caller should answer "busy, retry"."""


class BatcherClosedError(RuntimeError):
    """The batcher was closed and takes no more work."""


@dataclass(eq=False)  # jobs are told apart by identity (removal from the queue)
class _Job(Generic[K, X, Y]):
    key: K
    item: X
    future: Future[Y]
    enqueued_at: float = field(default_factory=time.monotonic)


@dataclass
class BatcherStats:
    """Counters since start: what ``GET /health`` reports about the batcher."""

    batches: int = 0
    items: int = 0
    largest_batch: int = 0
    failed_items: int = 0
    dropped_items: int = 0

    def as_dict(self) -> dict[str, Any]:
        mean = self.items / self.batches if self.batches else 0.0
        return {
            "batches": self.batches,
            "items": self.items,
            "mean_batch_size": round(mean, 3),
            "largest_batch": self.largest_batch,
            "failed_items": self.failed_items,
            "dropped_items": self.dropped_items,
        }


class MicroBatcher(Generic[K, X, Y]):
    """Run ``run_batch(key, items) -> results`` on one worker thread, batching submissions.

    Args:
        run_batch: called with a key and up to ``max_batch_size`` items submitted with that
            key; must return one result per item, in order.
        max_batch_size: most items per call.
        max_wait_s: longest the oldest waiting item waits for companions.
        max_queue: most items waiting; :meth:`submit` raises QueueFullError beyond it.
        name: the worker thread's name.

    >>> batcher = MicroBatcher(lambda key, items: [key * i for i in items], max_wait_s=0)
    >>> batcher.submit(10, 4).result()
    40
    >>> batcher.close()
    """

    def __init__(
        self,
        run_batch: Callable[[K, list[X]], Sequence[Y]],
        *,
        max_batch_size: int = 8,
        max_wait_s: float = 0.01,
        max_queue: int = 512,
        name: str = "uniner-batcher",
    ) -> None:
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size must be >= 1, got {max_batch_size}")
        if max_wait_s < 0:
            raise ValueError(f"max_wait_s must be >= 0, got {max_wait_s}")
        if max_queue < 1:
            raise ValueError(f"max_queue must be >= 1, got {max_queue}")
        self._run_batch = run_batch
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_s
        self.max_queue = max_queue
        self.stats = BatcherStats()
        self._pending: deque[_Job[K, X, Y]] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ client side

    def submit(self, key: K, item: X) -> Future[Y]:
        """Queue one item; the returned future resolves to its result or its error."""
        future: Future[Y] = Future()
        with self._cond:
            if self._closed:
                raise BatcherClosedError("the batcher is closed")
            if len(self._pending) >= self.max_queue:
                raise QueueFullError(f"{len(self._pending)} items are already waiting")
            self._pending.append(_Job(key, item, future))
            self._cond.notify()
        return future

    @property
    def queued(self) -> int:
        """How many items wait for the model now."""
        return len(self._pending)

    @property
    def alive(self) -> bool:
        """Whether the worker thread is running."""
        return self._thread.is_alive()

    def close(self, timeout: float | None = 5.0) -> None:
        """Stop taking work, finish what is queued, and join the worker thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)

    # ------------------------------------------------------------------ worker side

    def _work(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._run(batch)

    def _next_batch(self) -> list[_Job[K, X, Y]] | None:
        """Block until a batch is due; None once closed and drained."""
        with self._cond:
            while not self._pending:
                if self._closed:
                    return None
                self._cond.wait()
            first = self._pending[0]
            deadline = first.enqueued_at + self.max_wait_s
            while True:
                batch = [job for job in self._pending if job.key == first.key]
                batch = batch[: self.max_batch_size]
                remaining = deadline - time.monotonic()
                if len(batch) >= self.max_batch_size or remaining <= 0 or self._closed:
                    break
                self._cond.wait(remaining)
            for job in batch:
                self._pending.remove(job)
        return batch

    def _run(self, batch: list[_Job[K, X, Y]]) -> None:
        # A future cancelled while queued (client gone or timed out) costs no model time.
        live = [job for job in batch if job.future.set_running_or_notify_cancel()]
        self.stats.dropped_items += len(batch) - len(live)
        if not live:
            return
        self.stats.batches += 1
        self.stats.items += len(live)
        self.stats.largest_batch = max(self.stats.largest_batch, len(live))
        try:
            results = self._call(live)
        except Exception as err:
            if len(live) == 1:
                self._fail(live[0], err)
                return
            # Re-run one by one so that only the item that breaks the model gets the error.
            logger.info("batch of %d failed (%s); re-running item by item", len(live), err)
            for job in live:
                try:
                    job.future.set_result(self._call([job])[0])
                except Exception as single_err:
                    self._fail(job, single_err)
            return
        for job, result in zip(live, results, strict=True):
            job.future.set_result(result)

    def _call(self, jobs: list[_Job[K, X, Y]]) -> Sequence[Y]:
        results = self._run_batch(jobs[0].key, [job.item for job in jobs])
        if len(results) != len(jobs):
            raise RuntimeError(f"run_batch returned {len(results)} results for {len(jobs)} items")
        return results

    def _fail(self, job: _Job[K, X, Y], err: Exception) -> None:
        self.stats.failed_items += 1
        job.future.set_exception(err)
