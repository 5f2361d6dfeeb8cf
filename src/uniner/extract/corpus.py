"""Run the student over a whole corpus: streamed, in numbered parts, resumable, sharded.

>>> from uniner import NERModel
>>> from uniner.extract import ExtractConfig, extract_corpus
>>> config = ExtractConfig(["docs.jsonl"], "out", ["person", "city"], id_field="id")
>>> result = extract_corpus(NERModel.from_pretrained(), config)  # doctest: +SKIP
>>> print(result.summary())  # doctest: +SKIP

The input is read once, in order, ``documents_per_batch`` documents at a time; each batch's
rows go to the journal of the part in progress as soon as the model has answered, and every
``documents_per_file`` documents become one part file (:mod:`uniner.extract.parts`).

**Resume.** A re-run with the same settings (:func:`~uniner.extract.manifest.job_identity`)
reads the manifest and the journal, skips the documents they account for (checking that the
last one skipped has the id they recorded), and goes on where the last batch on disk ended.
Parts and batches cover fixed ranges of the input, so the files are those an uninterrupted
run writes. A finished job is not read again.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any

from tqdm import tqdm

from uniner.errors import CacheMismatchError
from uniner.extract.config import ExtractConfig
from uniner.extract.documents import CorpusDocument, Fields, iter_corpus
from uniner.extract.manifest import Manifest, Part, job_identity, read_manifest
from uniner.extract.parts import (
    BadLog,
    Batch,
    Journal,
    Layout,
    locked,
    write_part,
    write_text_atomic,
)
from uniner.extract.rows import bad_row, document_row
from uniner.extract.sharding import in_shard
from uniner.types import Predictor


@dataclass(frozen=True)
class ExtractResult:
    """What a corpus job's output holds after this run, and what this run did.

    Attributes:
        output: the output folder.
        manifest: the manifest file.
        documents: documents of the input (of this shard) accounted for.
        rows: rows written, one per readable document.
        bad: documents that could not be read (listed in ``bad_file``).
        mentions: mentions written.
        below_threshold: mentions dropped for scoring below ``options.threshold``.
        problems: bad documents by problem.
        bad_file: the file listing them.
        resumed: documents already written when this run started.
        processed: documents this run read and answered.
        processed_mentions: the mentions among them.
        seconds: this run's time.
        complete: whether the whole input is done.
    """

    output: Path
    manifest: Path
    documents: int
    rows: int
    bad: int
    mentions: int
    below_threshold: int
    problems: dict[str, int]
    bad_file: Path
    resumed: int
    processed: int
    processed_mentions: int
    seconds: float
    complete: bool

    def summary(self) -> str:
        """The end-of-run report: totals, this run's rates, where the output is."""
        seconds = max(self.seconds, 1e-9)
        problems = ", ".join(f"{n:,} {reason}" for reason, n in sorted(self.problems.items()))
        listed = f" ({problems}; listed in {self.bad_file})" if self.bad else ""
        below = (
            f" ({self.below_threshold:,} more below the threshold, dropped)"
            if self.below_threshold
            else ""
        )
        return "\n".join(
            [
                f"{self.documents:,} documents: {self.rows:,} rows, {self.mentions:,} mentions"
                f"{below}, {self.bad:,} bad{listed}",
                f"this run: {self.processed:,} documents ({self.resumed:,} were already "
                f"written) in {self.seconds:.1f} s: {self.processed / seconds:.2f} documents/s, "
                f"{self.processed_mentions / seconds:.2f} mentions/s",
                f"manifest: {self.manifest}" + ("" if self.complete else " (not complete)"),
            ]
        )


def extract_corpus(
    model: Predictor, config: ExtractConfig, *, progress: bool = True
) -> ExtractResult:
    """Extract the mentions of ``config.types`` from every document of ``config.inputs``.

    Args:
        model: the student (a :class:`~uniner.NERModel`, or any :class:`~uniner.types.Predictor`).
        config: what to read, ask and write.
        progress: show a progress bar (documents/s, mentions/s, ETA); it reads the input once
            more, first, to count its documents.

    Raises:
        CacheMismatchError: the output folder holds another job's output, or the input
            changed under a job that is being resumed.
        UninerError: another process is writing the same output.
        FileNotFoundError, DataFormatError: an input is missing or is not a corpus.
    """
    layout = Layout(Path(config.output), config.shard)
    layout.folder.mkdir(parents=True, exist_ok=True)
    with locked(layout.lock):
        return _Job(model, config, layout, progress).run()


def shard_documents(config: ExtractConfig) -> Iterator[CorpusDocument]:
    """The documents of this job's shard, in input order."""
    fields = Fields(config.text_field, config.id_field)
    for document in iter_corpus(config.inputs, fields=fields, txt_mode=config.txt_mode):
        if in_shard(document.id, config.shard):
            yield document


class _Job:
    """One run of a corpus job over its output folder."""

    def __init__(
        self, model: Predictor, config: ExtractConfig, layout: Layout, progress: bool
    ) -> None:
        self.model = model
        self.config = config
        self.layout = layout
        self.progress = progress
        self.info = model.info()
        self.bad_log = BadLog(layout.bad)
        self.manifest = self._open_manifest()
        self.started = time.perf_counter()
        self.started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.resumed = self.manifest.documents
        self.processed = 0
        self.new_mentions = 0

    # ------------------------------------------------------------------ the manifest

    def _open_manifest(self) -> Manifest:
        job = job_identity(self.config, self.info)
        others = self.layout.other_splits()
        if others:
            raise CacheMismatchError(
                f"{others[0]} belongs to a split into another number of shards than "
                f"{self.config.shard[1]}; write to another --output"
            )
        path = self.layout.manifest
        if not path.is_file():
            for journal in self.layout.folder.glob(f"{self.layout.prefix}part-*.journal"):
                journal.unlink()  # no manifest vouches for what made it
            return Manifest(job=job, bad_file=self.layout.bad.name)
        manifest = read_manifest(path)
        manifest.check(job, path)
        for part in manifest.parts:
            if not (self.layout.folder / part.file).is_file():
                raise CacheMismatchError(
                    f"{path} lists {part.file}, which is missing; delete the folder to start over"
                )
        return manifest

    def _save(self) -> None:
        run = {
            "started": self.started_at,
            "seconds": round(time.perf_counter() - self.started, 3),
            "documents": self.processed,
            "mentions": self.new_mentions,
            "device": self.info.get("device"),
            "threads": self.info.get("threads"),
            "batch_size": self.config.batch_size,
        }
        self.manifest.runs[-1] = run
        write_text_atomic(self.layout.manifest, self.manifest.to_json())

    # ------------------------------------------------------------------ the run

    def run(self) -> ExtractResult:
        if self.manifest.complete:
            return self._result()
        self.manifest.runs.append({})
        self._save()
        for leftover in self.layout.leftovers(len(self.manifest.parts)):
            leftover.unlink()
        self.bad_log.cut_to(self.manifest.bad_bytes)
        journal = Journal(self.layout.journal(len(self.manifest.parts)))
        pending = journal.recover()
        done = self.manifest.documents + sum(b.documents for b in pending)
        self.resumed = done
        total = sum(1 for _ in shard_documents(self.config)) if self.progress else None
        documents = shard_documents(self.config)
        self._skip(documents, done, pending)
        with tqdm(
            total=total, initial=done, unit="doc", disable=not self.progress, smoothing=0.1
        ) as bar:
            self._extract(documents, journal, pending, bar)
        self.manifest.complete = True
        self._save()
        return self._result()

    def _skip(self, documents: Iterator[CorpusDocument], count: int, pending: list[Batch]) -> None:
        """Pass the documents already written, checking the last one is the one recorded."""
        recorded = (
            pending[-1].last_id
            if pending
            else (self.manifest.parts[-1].last_id if self.manifest.parts else None)
        )
        seen, last_id = 0, None
        for document in islice(documents, count):
            seen, last_id = seen + 1, document.id
        if count and (seen < count or last_id != recorded):
            found = "the input ends before it" if seen < count else f"it is now {last_id!r}"
            raise CacheMismatchError(
                f"the input changed since {self.layout.manifest} was written: document "
                f"{count} had id {recorded!r}, {found}; write to another --output"
            )

    def _extract(
        self, documents: Iterator[CorpusDocument], journal: Journal, pending: list[Batch], bar: Any
    ) -> None:
        per_file = self.config.documents_per_file
        in_part = sum(b.documents for b in pending)
        while True:
            if in_part == per_file:
                journal = self._finish_part(journal, pending)
                pending, in_part = [], 0
            batch_documents = list(
                islice(documents, min(self.config.documents_per_batch, per_file - in_part))
            )
            if not batch_documents:
                break
            batch = self._answer(batch_documents)
            journal.append(batch)
            pending.append(batch)
            in_part += batch.documents
            self.processed += batch.documents
            self.new_mentions += batch.mentions
            bar.update(batch.documents)
            elapsed = time.perf_counter() - self.started
            bar.set_postfix_str(f"{self.new_mentions / elapsed:.1f} mentions/s", refresh=False)
        if pending:
            self._finish_part(journal, pending)

    def _answer(self, documents: Sequence[CorpusDocument]) -> Batch:
        config = self.config
        readable = [(d, d.text) for d in documents if d.text is not None]
        predictions = (
            self.model.predict(
                [text for _, text in readable],
                config.asked,
                dataset=config.dataset,
                batch_size=config.batch_size,
                progress=False,
                **dataclasses.asdict(config.options),
            )
            if readable
            else []
        )
        shape = "uniner" if config.fmt == "parquet" else config.fmt
        rows = [
            document_row(d, p.entities, fmt=shape, include_text=config.include_text)
            for (d, _), p in zip(readable, predictions, strict=True)
        ]
        bad = [bad_row(d) for d in documents if d.text is None]
        mentions = sum(len(p.entities) for p in predictions)
        below = sum(_below_threshold(p) for p in predictions)
        return Batch(len(documents), documents[-1].id, rows, bad, mentions, below)

    def _finish_part(self, journal: Journal, batches: list[Batch]) -> Journal:
        """Write the part the batches make, name it in the manifest, drop its journal; returns
        the next part's journal."""
        number = len(self.manifest.parts)
        path = self.layout.part(number, self.config.suffix)
        rows = [row for b in batches for row in b.rows]
        bad = [record for b in batches for record in b.bad]
        write_part(path, rows, include_text=self.config.include_text)
        self.manifest.bad_bytes = self.bad_log.append(bad)
        for record in bad:
            problem = record["problem"]
            self.manifest.problems[problem] = self.manifest.problems.get(problem, 0) + 1
        part = Part(
            file=path.name,
            documents=sum(b.documents for b in batches),
            rows=len(rows),
            bad=len(bad),
            mentions=sum(b.mentions for b in batches),
            last_id=batches[-1].last_id,
            below_threshold=sum(b.below_threshold for b in batches),
        )
        self.manifest.parts.append(part)
        self._save()
        journal.remove()
        return Journal(self.layout.journal(number + 1))

    def _result(self) -> ExtractResult:
        totals = self.manifest.totals()
        return ExtractResult(
            output=self.layout.folder,
            manifest=self.layout.manifest,
            documents=totals["documents"],
            rows=totals["rows"],
            bad=totals["bad"],
            mentions=totals["mentions"],
            below_threshold=totals["below_threshold"],
            problems=dict(self.manifest.problems),
            bad_file=self.layout.bad,
            resumed=self.resumed,
            processed=self.processed,
            processed_mentions=self.new_mentions,
            seconds=time.perf_counter() - self.started,
            complete=self.manifest.complete,
        )


def _below_threshold(prediction: object) -> int:
    """The mentions the engine dropped under ``threshold`` (0 for a predictor that does not
    say)."""
    meta = getattr(prediction, "meta", None)
    count = meta.get("below_threshold", 0) if isinstance(meta, dict) else 0
    return count if isinstance(count, int) else 0
