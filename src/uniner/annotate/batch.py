"""The teacher at half price: requests go through the OpenAI Batch API, not one by one.

    input JSONL -> files.create(purpose="batch") -> batches.json -> batches.create("24h")
    -> batches.json -> batches.retrieve until completed / expired / failed / cancelled
    -> files.content(output file, error file) -> the response cache

Every id is recorded in the run folder's ``batches.json`` (``batch_journal``) before the run
waits on it, so a stopped run resumes by retrieving its batches: no request is submitted twice
and no finished one is lost. Answers land in the same cache, under the same keys, as the online
path's, so the two mix freely (a batch run can finish online, an online run re-uses a batch's
answers).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from uniner.annotate.batch_files import ENDPOINT, BatchResults, read_results, request_line
from uniner.annotate.batch_journal import BatchEntry, BatchJournal, write_durably
from uniner.annotate.cache import ResponseCache
from uniner.annotate.config import MAX_BATCH_REQUESTS
from uniner.annotate.openai_teacher import RetryPolicy, api_key_from_env, retryable_errors
from uniner.annotate.teacher import Messages, SamplingParams, TeacherResponse
from uniner.errors import TeacherError

JOURNAL = "batches.json"
COMPLETION_WINDOW = "24h"  # the only window the Batch API offers
TERMINAL = frozenset({"completed", "expired", "failed", "cancelled"})
T = TypeVar("T")


@dataclass
class BatchOutcome:
    """What one ``OpenAIBatch.run`` brought in."""

    answers: dict[str, TeacherResponse] = field(default_factory=dict)  # key -> answer (cached)
    errors: dict[str, str] = field(default_factory=dict)  # key -> why no answer came back
    batches: list[dict[str, Any]] = field(default_factory=list)  # id, status, counts per batch


class OpenAIBatch:
    """Chat requests sent as OpenAI batches, through the official ``openai`` SDK.

    Args:
        base_url: the endpoint, e.g. ``https://api.openai.com/v1``.
        model: the model name.
        folder: the run folder, which keeps ``batches.json`` and the input files.
        api_key: None reads the environment (see ``api_key_from_env``).
        timeout: seconds allowed for one API call.
        retry: retries of a retryable failure of an API call (429, 5xx, time-outs).
        poll_seconds: seconds between two looks at the batches' status.
        batch_size: requests per batch (the API takes at most 50,000).

    >>> job = OpenAIBatch("https://api.openai.com/v1", "gpt-4o-mini", folder="runs/pile")
    >>> outcome = job.run({key: messages}, SamplingParams(), cache)  # doctest: +SKIP
    """

    backend = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        folder: str | Path,
        api_key: str | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
        poll_seconds: float = 30.0,
        batch_size: int = MAX_BATCH_REQUESTS,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"teacher URL must start with http:// or https://, got {base_url!r}")
        if not 1 <= batch_size <= MAX_BATCH_REQUESTS:
            raise ValueError(f"batch_size must be in 1..{MAX_BATCH_REQUESTS}, got {batch_size!r}")
        if poll_seconds <= 0:
            raise ValueError(f"poll_seconds must be positive, got {poll_seconds!r}")
        self.base_url = base_url
        self.model = model
        self.folder = Path(folder)
        self.api_key = api_key or api_key_from_env()
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size

    def run(
        self,
        requests: Mapping[str, Messages],
        params: SamplingParams,
        cache: ResponseCache,
        *,
        progress: bool = True,
    ) -> BatchOutcome:
        """Answer ``requests`` (key -> messages), resuming the batches ``batches.json`` holds.

        Requests already in a recorded, unfinished batch are not sent again; the rest go out in
        new batches of at most ``batch_size``. Returns when every batch has ended, each answer
        committed to ``cache`` as its batch's results are read.

        Raises:
            TeacherError: an API call failed for good (everything recorded so far is kept:
                run again to resume).
        """
        from openai import OpenAI

        self.folder.mkdir(parents=True, exist_ok=True)
        # No SDK retries for batches.create (a retried create could make a second batch, see
        # _create); the other calls are idempotent or harmless to repeat and use the SDK's.
        client = OpenAI(
            base_url=self.base_url, api_key=self.api_key, timeout=self.timeout, max_retries=0
        )
        try:
            journal = BatchJournal(self.folder / JOURNAL)
            for entry in journal.pending():
                if entry.batch_id is None:  # stopped inside batches.create
                    self._create(client, entry, journal, look_first=True)
                else:
                    _note(progress, f"resuming batch {entry.batch_id} ({entry.requests} requests)")
            covered = journal.pending_keys()
            todo = [(key, messages) for key, messages in requests.items() if key not in covered]
            for start in range(0, len(todo), self.batch_size):
                chunk = todo[start : start + self.batch_size]
                self._submit(client, chunk, params, journal, progress)
            return self._wait(client, journal, requests, params, cache, progress)
        finally:
            client.close()

    def _submit(
        self,
        client: Any,
        chunk: Sequence[tuple[str, Messages]],
        params: SamplingParams,
        journal: BatchJournal,
        progress: bool,
    ) -> None:
        """Write, upload and create one batch, recording each id as soon as it exists."""
        name = f"batch-{len(journal.entries):04d}-input.jsonl"
        lines = [request_line(key, self.model, messages, params) for key, messages in chunk]
        data = ("\n".join(lines) + "\n").encode("utf-8")
        write_durably(self.folder / name, data)  # its lines are the batch's keys on resume
        uploaded = self._call(
            f"uploading {name}", self._retrying(client).files.create, file=(name, data),
            purpose="batch",
        )  # fmt: skip
        entry = BatchEntry(name, uploaded.id, len(chunk))
        journal.add(entry, [key for key, _ in chunk])
        self._create(client, entry, journal, look_first=False)
        _note(progress, f"submitted batch {entry.batch_id} ({len(chunk)} requests, {name})")

    def _create(
        self, client: Any, entry: BatchEntry, journal: BatchJournal, *, look_first: bool
    ) -> None:
        """Create the batch of ``entry``'s uploaded file and record its id.

        A create whose answer was lost (a time-out, a dropped connection, a kill) may have made
        the batch all the same: before creating again, look for a batch of the same input file.
        """
        import openai

        retryable = retryable_errors()
        for attempt in range(self.retry.max_retries + 1):
            batch = self._find(client, entry.file_id) if look_first else None
            if batch is None:
                try:
                    batch = client.batches.create(
                        input_file_id=entry.file_id,
                        endpoint=ENDPOINT,
                        completion_window=COMPLETION_WINDOW,
                        metadata={"uniner_input": entry.input_file},
                    )
                except retryable as err:
                    if attempt == self.retry.max_retries:
                        raise TeacherError(
                            f"{self.base_url}: creating the batch of {entry.input_file}: gave up "
                            f"after {attempt + 1} attempts: {err}"
                        ) from err
                    time.sleep(self.retry.delay(attempt))
                    look_first = True
                    continue
                except openai.OpenAIError as err:
                    raise TeacherError(
                        f"{self.base_url}: creating the batch of {entry.input_file}: {err}"
                    ) from err
            entry.batch_id, entry.status = batch.id, batch.status
            journal.save()
            return

    def _find(self, client: Any, file_id: str) -> Any:
        """The batch made from the input file ``file_id``, or None (every page is read)."""

        def first_match() -> Any:
            batches = self._retrying(client).batches.list(limit=100)
            return next((b for b in batches if b.input_file_id == file_id), None)

        return self._call(f"looking for the batch of {file_id}", first_match)

    def _wait(
        self,
        client: Any,
        journal: BatchJournal,
        requests: Mapping[str, Messages],
        params: SamplingParams,
        cache: ResponseCache,
        progress: bool,
    ) -> BatchOutcome:
        """Poll every unfinished batch until it ends, bringing in each one's results."""
        outcome = BatchOutcome()
        waiting = journal.pending()
        total = sum(entry.requests for entry in waiting)
        finished: dict[str, int] = {}  # batch id -> its requests answered or failed so far
        bar = tqdm(
            total=total, desc="batch", unit="request", disable=not progress, dynamic_ncols=True
        )
        try:
            while waiting:
                for entry in waiting:
                    assert entry.batch_id is not None  # created before _wait
                    batch_id = entry.batch_id
                    batch = self._call(
                        f"retrieving batch {batch_id} (recorded in {journal.path})",
                        self._retrying(client).batches.retrieve,
                        batch_id,
                    )
                    if batch.status != entry.status:
                        entry.status = batch.status
                        journal.save()
                    counts = batch.request_counts
                    finished[batch_id] = counts.completed + counts.failed if counts else 0
                    if batch.status in TERMINAL:
                        keys = journal.keys(entry)
                        self._ingest(client, keys, batch, requests, params, cache, outcome)
                        entry.ingested = True
                        journal.save()
                        finished[batch_id] = entry.requests
                statuses = Counter(e.status for e in waiting)
                bar.n = min(total, sum(finished.values()))
                bar.set_postfix(**{str(s): n for s, n in sorted(statuses.items(), key=str)})
                waiting = journal.pending()
                if waiting:
                    time.sleep(self.poll_seconds)
        finally:
            bar.close()
        return outcome

    def _ingest(
        self,
        client: Any,
        keys: Sequence[str],
        batch: Any,
        requests: Mapping[str, Messages],
        params: SamplingParams,
        cache: ResponseCache,
        outcome: BatchOutcome,
    ) -> None:
        """Read an ended batch's output and error files; cache the answers, note the rest.

        ``keys`` are the batch's requests: those in neither file get the batch's reason.
        """
        results = BatchResults()
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                content = self._call(
                    f"downloading {file_id} of batch {batch.id}",
                    self._retrying(client).files.content,
                    file_id,
                )
                text = content.text
                read_results(text, source=file_id, into=results)
        why = _unanswered(batch)
        for key in keys:
            if key not in results.answers:
                results.errors.setdefault(key, why)
        for key, response in results.answers.items():
            request = {"messages": requests.get(key), "params": asdict(params), "batch": batch.id}
            cache.put(key, response, backend=self.backend, model=self.model, request=request)
        outcome.answers.update(results.answers)
        outcome.errors.update(results.errors)
        outcome.batches.append({
            "id": batch.id,
            "status": batch.status,
            "requests": len(keys),
            "answered": len(results.answers),
            "errors": len(results.errors),
        })  # fmt: skip

    def _retrying(self, client: Any) -> Any:
        return client.with_options(max_retries=self.retry.max_retries)

    def _call(self, what: str, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``call(...)``; an API error is raised as a ``TeacherError`` saying what was done."""
        import openai

        try:
            return call(*args, **kwargs)
        except openai.OpenAIError as err:
            raise TeacherError(f"{self.base_url}: {what}: {err}") from err


def _unanswered(batch: Any) -> str:
    """Why a request of ``batch`` that has no line in either result file got no answer."""
    errors = getattr(batch.errors, "data", None) or []
    reasons = "; ".join(f"{e.code}: {e.message}" for e in errors)
    return f"batch {batch.id} ended {batch.status} without answering it" + (
        f" ({reasons})" if reasons else ""
    )


def _note(progress: bool, message: str) -> None:
    # Beside the progress bar and, like it, silent with progress off.
    if progress:
        tqdm.write(f"annotate: {message}", file=sys.stderr)
