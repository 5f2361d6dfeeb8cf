"""The annotation run: sample passages, ask the teacher (cache first), filter, write outputs.

Outputs in ``config.out``:

* ``config.json``      - the options used (with the template text and version);
* ``passages.jsonl``   - the sampled passages with provenance, in corpus order;
* ``annotations.jsonl``- one ``AnnotatedText`` per kept passage, in the same order;
* ``stats.json``       - drops by reason, mentions, types, usage and cost;
* ``drops.png``, ``types.png``, ``shares.png`` - the figures;
* with ``config.batch``: ``batches.json`` (the batches submitted, see ``batch_journal``), their
  ``batch-NNNN-input.jsonl`` files and ``batch_errors.jsonl`` (the requests no batch answered).

Everything written depends only on the sample and the cached answers, never on the order
in which answers arrived, so a resumed run writes exactly what an uninterrupted one does.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from uniner.annotate.cache import ResponseCache
from uniner.annotate.config import AnnotateConfig
from uniner.annotate.filtering import FilterResult, filter_answer
from uniner.annotate.plots import write_plots
from uniner.annotate.stats import BATCH_DISCOUNT, annotation_stats, cost_report
from uniner.annotate.teacher import Messages, Teacher, TeacherResponse, request_key
from uniner.corpus.chunking import TokenCounter
from uniner.corpus.passage import Passage
from uniner.corpus.passages import sample_passages
from uniner.errors import TeacherError
from uniner.prompts import teacher_messages
from uniner.types import AnnotatedText

if TYPE_CHECKING:
    from uniner.annotate.batch import OpenAIBatch


@dataclass(frozen=True)
class Request:
    """One passage's request to the teacher."""

    passage: Passage
    messages: Messages
    key: str


@dataclass
class AnnotateResult:
    """What a run produced: the kept annotations, the figures, and where files went."""

    records: list[AnnotatedText]
    stats: dict[str, Any]
    out: Path


def make_teacher(config: AnnotateConfig) -> Teacher:
    """The teacher the config names."""
    if config.backend == "transformers":
        from uniner.annotate.local_teacher import TransformersTeacher

        return TransformersTeacher(config.teacher_model)
    from uniner.annotate.openai_teacher import OpenAITeacher, RetryPolicy

    assert config.teacher_url and config.teacher_model  # checked by AnnotateConfig
    return OpenAITeacher(
        config.teacher_url,
        config.teacher_model,
        timeout=config.timeout,
        retry=RetryPolicy(max_retries=config.max_retries),
    )


def make_batch(config: AnnotateConfig) -> OpenAIBatch:
    """The Batch API client the config names (``config.batch``)."""
    from uniner.annotate.batch import OpenAIBatch
    from uniner.annotate.openai_teacher import RetryPolicy

    assert config.teacher_url and config.teacher_model  # checked by AnnotateConfig
    return OpenAIBatch(
        config.teacher_url,
        config.teacher_model,
        folder=config.out,
        timeout=config.timeout,
        retry=RetryPolicy(max_retries=config.max_retries),
        poll_seconds=config.batch_poll,
        batch_size=config.batch_size,
    )


def annotate(
    config: AnnotateConfig,
    *,
    teacher: Teacher | None = None,
    counter: TokenCounter | None = None,
    progress: bool = True,
) -> AnnotateResult:
    """Run the data-construction step end to end; re-running resumes from the cache.

    Args:
        config: the run's options.
        teacher: a teacher to use instead of the one ``config`` names (with ``config.batch``,
            the one that answers online what the batches did not).
        counter: an already loaded token counter (else loaded from ``config.corpus``).
        progress: show progress bars.

    >>> config = AnnotateConfig(CorpusConfig("pile.jsonl", n=50_000), out="run",
    ...     teacher_url="http://localhost:8000/v1", teacher_model="gpt")  # doctest: +SKIP
    >>> annotate(config).stats["passages"]["kept"]                         # doctest: +SKIP
    """
    started = time.perf_counter()
    out = Path(config.out)
    if not config.batch:
        _refuse_unfinished_batches(out)
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "config.json", config.to_dict())
    passages, report = sample_passages(config.corpus, counter=counter, progress=progress)
    _write_jsonl(out / "passages.jsonl", [p.to_dict() for p in passages])
    teacher = teacher or make_teacher(config)
    requests = [_request(p, config, teacher) for p in passages]
    batch_stats = None
    with ResponseCache(config.cache_path) as cache:
        if config.batch:
            answers, sent, batch_stats = _answer_by_batch(
                requests, teacher, cache, config, progress
            )
        else:
            answers, sent = asyncio.run(_answer_all(requests, teacher, cache, config, progress))
    results = [_filter(r.passage, answers.get(r.key), config) for r in requests]
    records = [r.record for r in results if r.record is not None]
    _write_jsonl(out / "annotations.jsonl", [r.to_dict() for r in records])
    stats = annotation_stats(results)
    stats["corpus"] = asdict(report)
    stats["usage"] = _usage(answers, sent, config)
    if batch_stats is not None:
        stats["batch"] = batch_stats
    stats["seconds"] = round(time.perf_counter() - started, 2)
    _write_json(out / "stats.json", stats)
    write_plots(stats, out)
    return AnnotateResult(records, stats, out)


def _request(passage: Passage, config: AnnotateConfig, teacher: Teacher) -> Request:
    messages = teacher_messages(passage.text, config.template, config.system)
    return Request(
        passage, messages, request_key(teacher.backend, teacher.model, messages, config.sampling)
    )


def _filter(
    passage: Passage, response: TeacherResponse | None, config: AnnotateConfig
) -> FilterResult:
    return filter_answer(
        passage,
        None if response is None else response.text,
        excluded_types=config.excluded_types,
        drop_non_english=config.drop_non_english,
        keep_empty=config.keep_empty,
    )


async def _answer_all(
    requests: Sequence[Request],
    teacher: Teacher,
    cache: ResponseCache,
    config: AnnotateConfig,
    progress: bool,
) -> tuple[dict[str, TeacherResponse], list[TeacherResponse]]:
    """Every answer (cached or new) by key, and the ones sent in this run."""
    answers = cache.get_many(r.key for r in requests)
    todo = iter([r for r in requests if r.key not in answers])
    sent: list[TeacherResponse] = []
    failures: list[str] = []
    bar = tqdm(
        total=len(requests),
        initial=len(answers),
        desc="annotating",
        unit="passage",
        disable=not progress,
        dynamic_ncols=True,
    )
    hits = len(answers)
    bar.set_postfix(cache_hits=hits, failed=0)

    async def worker() -> None:
        for request in todo:  # one shared iterator: each request goes to exactly one worker
            if len(failures) >= config.max_failures:
                return
            try:
                response = await teacher.complete(request.messages, config.sampling)
            except TeacherError as err:
                failures.append(str(err))
            else:
                cache.put(
                    request.key,
                    response,
                    backend=teacher.backend,
                    model=teacher.model,
                    request={"messages": request.messages, "params": asdict(config.sampling)},
                )
                answers[request.key] = response
                sent.append(response)
            bar.update(1)
            bar.set_postfix(cache_hits=hits, failed=len(failures))

    try:
        await asyncio.gather(*(worker() for _ in range(config.concurrency)))
    finally:
        bar.close()
        aclose = getattr(teacher, "aclose", None)
        if aclose is not None:
            await aclose()
    if len(failures) >= config.max_failures:
        raise TeacherError(
            f"{len(failures)} requests failed for good (max_failures={config.max_failures}); "
            f"answers so far are cached, re-run to resume. Last error: {failures[-1]}"
        )
    return answers, sent


def _answer_by_batch(
    requests: Sequence[Request],
    teacher: Teacher,
    cache: ResponseCache,
    config: AnnotateConfig,
    progress: bool,
) -> tuple[dict[str, TeacherResponse], list[TeacherResponse], dict[str, Any]]:
    """Like ``_answer_all``, through the Batch API; what it did goes into ``stats["batch"]``.

    What no batch answered is sent online by ``teacher`` (``batch_errors="online"``) or left
    unanswered; either way it is listed in ``batch_errors.jsonl``.
    """
    if (teacher.backend, teacher.model) != ("openai", config.teacher_model):
        raise ValueError(
            "with batch, the online teacher must be the batch's model ('openai', "
            f"{config.teacher_model!r}) so both share cache keys, got "
            f"({teacher.backend!r}, {teacher.model!r})"
        )
    answers = cache.get_many(r.key for r in requests)
    todo = {r.key: r.messages for r in requests if r.key not in answers}
    outcome = make_batch(config).run(todo, config.sampling, cache, progress=progress)
    wanted = {r.key for r in requests}
    sent = [response for key, response in outcome.answers.items() if key in wanted]
    answers.update((k, v) for k, v in outcome.answers.items() if k in wanted)
    failed = [r for r in requests if r.key in outcome.errors and r.key not in answers]
    if failed and config.batch_errors == "online":
        online, online_sent = asyncio.run(_answer_all(failed, teacher, cache, config, progress))
        answers.update(online)
        sent += online_sent
    rows = [
        {
            "passage": r.passage.id,
            "key": r.key,
            "error": outcome.errors[r.key],
            "answered_online": r.key in answers,
        }
        for r in failed
    ]
    _write_jsonl(Path(config.out) / "batch_errors.jsonl", rows)
    stats = {
        "batches": outcome.batches,
        "errors": len(failed),
        "answered_online": sum(r.key in answers for r in failed),
        "errors_file": "batch_errors.jsonl",
    }
    return answers, sent, stats


def _refuse_unfinished_batches(out: Path) -> None:
    """An online run must not send again what a batch of this folder is still answering."""
    from uniner.annotate.batch import JOURNAL
    from uniner.annotate.batch_journal import BatchJournal

    unfinished = BatchJournal(out / JOURNAL).pending()
    if unfinished:
        ids = ", ".join(str(e.batch_id) for e in unfinished)
        raise ValueError(
            f"{out / JOURNAL} holds {len(unfinished)} unfinished batch(es) ({ids}): run again "
            "with batch on (--batch) to collect their answers, or delete the file to abandon "
            "them (they are billed all the same)"
        )


def _usage(
    answers: dict[str, TeacherResponse], sent: list[TeacherResponse], config: AnnotateConfig
) -> dict[str, Any]:
    prices = (config.price_input, config.price_output)
    price_per_million = {"input": prices[0], "output": prices[1]}
    if config.batch:
        price_per_million.update(
            batch_input=prices[0] * BATCH_DISCOUNT, batch_output=prices[1] * BATCH_DISCOUNT
        )
    return {
        "total": cost_report(list(answers.values()), *prices),
        "this_run": cost_report(sent, *prices),
        "cache_hits": len(answers) - len(sent),
        "price_per_million": price_per_million,
    }


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    # Written to a temporary name and renamed, so a killed run never leaves half a file.
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)
