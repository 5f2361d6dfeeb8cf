"""The micro-batcher: batches by key, bounded waits and sizes, failure isolation, cancellation."""

from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError

import pytest

from uniner.serve.batcher import BatcherClosedError, MicroBatcher, QueueFullError


class Recorder:
    """A run_batch that records each call and can be held until released."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[int]]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def __call__(self, key: str, items: list[int]) -> list[str]:
        self.entered.set()
        self.gate.wait(5)
        self.calls.append((key, list(items)))
        if -1 in items:
            raise ValueError("item -1 is poison")
        return [f"{key}:{i}" for i in items]


def held_batcher(recorder: Recorder, **kwargs: object) -> MicroBatcher[str, int, str]:
    """A batcher whose worker is busy (blocked on its first item) so later items queue up."""
    recorder.gate.clear()
    batcher: MicroBatcher[str, int, str] = MicroBatcher(recorder, **kwargs)  # type: ignore[arg-type]
    batcher.submit("warm", 0)
    assert recorder.entered.wait(5)
    return batcher


def test_queued_items_with_one_key_run_as_one_batch_in_order() -> None:
    recorder = Recorder()
    batcher = held_batcher(recorder, max_batch_size=8, max_wait_s=0.0)
    futures = [batcher.submit("a", i) for i in range(5)]
    recorder.gate.set()
    assert [f.result(5) for f in futures] == ["a:0", "a:1", "a:2", "a:3", "a:4"]
    batcher.close()
    assert recorder.calls == [("warm", [0]), ("a", [0, 1, 2, 3, 4])]
    assert batcher.stats.as_dict()["largest_batch"] == 5


def test_batches_never_exceed_max_batch_size() -> None:
    recorder = Recorder()
    batcher = held_batcher(recorder, max_batch_size=3, max_wait_s=0.0)
    futures = [batcher.submit("a", i) for i in range(7)]
    recorder.gate.set()
    for f in futures:
        f.result(5)
    batcher.close()
    assert [items for _, items in recorder.calls[1:]] == [[0, 1, 2], [3, 4, 5], [6]]


def test_items_with_different_keys_never_share_a_batch() -> None:
    recorder = Recorder()
    batcher = held_batcher(recorder, max_batch_size=8, max_wait_s=0.0)
    futures = [batcher.submit(key, i) for i, key in enumerate("abab")]
    recorder.gate.set()
    assert [f.result(5) for f in futures] == ["a:0", "b:1", "a:2", "b:3"]
    batcher.close()
    # The oldest key goes first, and takes its later companions along.
    assert recorder.calls[1:] == [("a", [0, 2]), ("b", [1, 3])]


def test_a_lone_item_waits_about_max_wait_then_runs_alone() -> None:
    recorder = Recorder()
    batcher: MicroBatcher[str, int, str] = MicroBatcher(recorder, max_wait_s=0.2)
    started = time.monotonic()
    assert batcher.submit("a", 1).result(5) == "a:1"
    waited = time.monotonic() - started
    batcher.close()
    assert 0.18 <= waited < 2.0
    assert recorder.calls == [("a", [1])]


def test_items_arriving_within_the_wait_share_a_batch() -> None:
    recorder = Recorder()
    batcher: MicroBatcher[str, int, str] = MicroBatcher(recorder, max_wait_s=0.5)
    first = batcher.submit("a", 1)
    time.sleep(0.05)
    second = batcher.submit("a", 2)
    assert (first.result(5), second.result(5)) == ("a:1", "a:2")
    batcher.close()
    assert recorder.calls == [("a", [1, 2])]


def test_a_failing_item_gets_its_error_and_its_batch_mates_their_results() -> None:
    recorder = Recorder()
    batcher = held_batcher(recorder, max_batch_size=8, max_wait_s=0.0)
    good_before, poison, good_after = (batcher.submit("a", i) for i in (1, -1, 2))
    recorder.gate.set()
    assert good_before.result(5) == "a:1"
    assert good_after.result(5) == "a:2"
    with pytest.raises(ValueError, match="poison"):
        poison.result(5)
    batcher.close()
    # One failed batch call, then each item alone.
    assert recorder.calls[1:] == [("a", [1, -1, 2]), ("a", [1]), ("a", [-1]), ("a", [2])]
    assert batcher.stats.failed_items == 1
    assert batcher.alive is False


def test_the_worker_survives_a_failure() -> None:
    recorder = Recorder()
    batcher: MicroBatcher[str, int, str] = MicroBatcher(recorder, max_wait_s=0.0)
    with pytest.raises(ValueError):
        batcher.submit("a", -1).result(5)
    assert batcher.alive
    assert batcher.submit("a", 3).result(5) == "a:3"
    batcher.close()


def test_a_cancelled_item_costs_no_model_time() -> None:
    recorder = Recorder()
    batcher = held_batcher(recorder, max_wait_s=0.0)
    gone = batcher.submit("a", 1)
    kept = batcher.submit("a", 2)
    assert gone.cancel()
    recorder.gate.set()
    assert kept.result(5) == "a:2"
    with pytest.raises(CancelledError):
        gone.result(0)
    batcher.close()
    assert recorder.calls[1:] == [("a", [2])]
    assert batcher.stats.dropped_items == 1


def test_a_full_queue_refuses_new_items() -> None:
    recorder = Recorder()
    batcher = held_batcher(recorder, max_queue=2, max_wait_s=0.0)
    batcher.submit("a", 1)
    batcher.submit("a", 2)
    with pytest.raises(QueueFullError, match="2 items are already waiting"):
        batcher.submit("a", 3)
    recorder.gate.set()
    batcher.close()


def test_close_drains_the_queue_then_refuses_work() -> None:
    recorder = Recorder()
    batcher: MicroBatcher[str, int, str] = MicroBatcher(recorder, max_wait_s=10.0)
    pending = batcher.submit("a", 1)
    started = time.monotonic()
    batcher.close()  # does not wait the 10 s: closing flushes what is queued
    assert time.monotonic() - started < 5.0
    assert pending.result(0) == "a:1"
    with pytest.raises(BatcherClosedError):
        batcher.submit("a", 2)


def test_a_wrong_number_of_results_is_an_error_for_the_items() -> None:
    batcher: MicroBatcher[str, int, str] = MicroBatcher(lambda key, items: [], max_wait_s=0.0)
    with pytest.raises(RuntimeError, match="returned 0 results for 1 items"):
        batcher.submit("a", 1).result(5)
    batcher.close()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_batch_size": 0}, "max_batch_size must be >= 1, got 0"),
        ({"max_wait_s": -1}, "max_wait_s must be >= 0, got -1"),
        ({"max_queue": 0}, "max_queue must be >= 1, got 0"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MicroBatcher(Recorder(), **kwargs)  # type: ignore[arg-type]
