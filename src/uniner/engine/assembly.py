"""From decoded answers to a :class:`Prediction`: parse, score, ground, shift, merge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from uniner.engine.confidence import span_score, token_char_ends
from uniner.engine.grounding import flatten, ground, merge
from uniner.engine.options import ExtractOptions
from uniner.engine.results import Answer, Job, Prediction
from uniner.engine.stopping import StopRule
from uniner.entity_types import EntityType
from uniner.prompts import parse_answer
from uniner.types import Entity


def answer_of(tokenizer: Any, stop: StopRule, entity_type: str | EntityType, gen: Any) -> Answer:
    """One decoded generation (tokens, log-probs, finished) as the :class:`Answer` to a type
    query (labelled with the type's name): every backend's last step."""
    return Answer(
        type=entity_type.name if isinstance(entity_type, EntityType) else entity_type,
        text=stop.answer(gen.tokens),
        char_ends=token_char_ends(tokenizer, gen.tokens),
        logprobs=gen.logprobs,
        finished=gen.finished,
    )


def _window_entities(job: Job, source: str, opts: ExtractOptions) -> tuple[list[Entity], list]:
    """Entities of one window (offsets into ``source``) and its ungrounded strings."""
    found: list[Entity] = []
    ungrounded: list[dict[str, str]] = []
    for answer in job.answers:
        for mention in parse_answer(answer.text).mentions:
            score = span_score(answer.char_ends, answer.logprobs, mention.start, mention.end)
            local = ground(
                job.passage, mention.text, answer.type, score, all_occurrences=opts.all_occurrences
            )
            if not local:
                ungrounded.append({"type": answer.type, "text": mention.text})
            shift = job.window.start
            found.extend(
                Entity.from_span(source, e.start + shift, e.end + shift, e.type, score)
                for e in local
            )
    return found, ungrounded


def assemble(
    source: str, jobs: Sequence[Job], types: Sequence[str], opts: ExtractOptions
) -> Prediction:
    """The prediction for one text from the answers of its windows."""
    entities: list[Entity] = []
    ungrounded: list[dict[str, str]] = []
    for job in jobs:
        found, missed = _window_entities(job, source, opts)
        entities.extend(found)
        ungrounded.extend(missed)
    entities = merge(entities)
    entities, below = _above_threshold(entities, opts.threshold)
    if not opts.all_occurrences:
        entities = _first_per_string(entities)
    if opts.flat:
        entities = flatten(entities)
    meta: dict[str, Any] = {
        "windows": [[j.window.start, j.window.end] for j in jobs],
        "ungrounded": len(ungrounded),
        "truncated": sum(not a.finished for j in jobs for a in j.answers),
        "below_threshold": below,
    }
    if opts.keep_ungrounded:
        meta["ungrounded_mentions"] = ungrounded
    if len(jobs) > 1:
        meta["window_answers"] = [{a.type: a.text for a in j.answers} for j in jobs]
    answers = {a.type: a.text for a in jobs[0].answers} if jobs else {t: "" for t in types}
    return Prediction(source, entities, answers, meta)


def _above_threshold(entities: list[Entity], threshold: float) -> tuple[list[Entity], int]:
    """The mentions scored at least ``threshold`` (an unscored one is kept), and how many
    were dropped."""
    kept = [e for e in entities if e.score is None or e.score >= threshold]
    return kept, len(entities) - len(kept)


def _first_per_string(entities: list[Entity]) -> list[Entity]:
    # Windows overlap, so "first occurrence" must be re-applied over the whole text.
    seen: set[tuple[str, str]] = set()
    kept = []
    for entity in entities:
        if (entity.text, entity.type) not in seen:
            seen.add((entity.text, entity.type))
            kept.append(entity)
    return kept
