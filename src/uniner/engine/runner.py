"""Run the type queries of many windows through the model, in length-sorted batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from uniner.engine.decoding import (
    Generation,
    TokenChooser,
    answer_guess,
    generate_naive,
    generate_shared,
)
from uniner.engine.options import ExtractOptions
from uniner.engine.queries import EncodedPassage, encode_passage
from uniner.engine.results import Answer, Job
from uniner.engine.scoring import token_char_ends
from uniner.engine.stopping import StopRule

if TYPE_CHECKING:
    from uniner.engine.model import NERModel


def run_jobs(
    ner: NERModel,
    jobs: Sequence[Job],
    types: Sequence[str],
    dataset: str | None,
    opts: ExtractOptions,
    *,
    batch_size: int,
    progress: bool = False,
) -> None:
    """Fill every job's ``answers``, one per type, in ``types`` order."""
    from tqdm.auto import tqdm

    encoded = [encode_passage(ner.tokenizer, ner.style, j.passage, types, dataset) for j in jobs]
    # Similar lengths together: less padding in each batch.
    order = sorted(range(len(jobs)), key=lambda i: len(encoded[i].prefix))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    stop = StopRule(ner.tokenizer, stop_repeats=cuts_repeats(opts))
    draft = answer_guess(ner.tokenizer, ner.style)
    bar = tqdm(total=len(jobs), unit="passage", disable=not progress, desc="extract")
    for batch in batches:
        group = [encoded[i] for i in batch]
        generations = _decode(ner, [jobs[i] for i in batch], group, opts, draft)
        for i, gens in zip(batch, generations, strict=True):
            jobs[i].answers = [
                answer_of(ner.tokenizer, stop, t, g) for t, g in zip(types, gens, strict=True)
            ]
        bar.update(len(batch))
    bar.close()


def _decode(
    ner: NERModel,
    jobs: Sequence[Job],
    encoded: Sequence[EncodedPassage],
    opts: ExtractOptions,
    draft: int | None,
) -> list[list[Generation]]:
    choosers: list[TokenChooser | None] | None = None
    if opts.constrained:
        from uniner.engine.constrained import SubstringConstraint

        choosers = [
            SubstringConstraint(ner.tokenizer, job.passage)
            for job, enc in zip(jobs, encoded, strict=True)
            for _ in enc.suffixes
        ]
    if opts.decoder == "naive":
        if opts.constrained:
            raise ValueError("constrained decoding needs decoder='shared'")
        return [
            [
                generate_naive(
                    ner.model, ner.tokenizer, enc.full(k), max_new_tokens=opts.max_new_tokens
                )
                for k in range(len(enc.suffixes))
            ]
            for enc in encoded
        ]
    return generate_shared(
        ner.model,
        ner.tokenizer,
        encoded,
        max_new_tokens=opts.max_new_tokens,
        choosers=choosers,
        draft=draft,
        stop_repeats=cuts_repeats(opts),
    )


def cuts_repeats(opts: ExtractOptions) -> bool:
    """Whether answers end at a repeated item: the option, never for the naive reference."""
    return opts.stop_repeats and opts.decoder != "naive"


def answer_of(tokenizer: Any, stop: StopRule, entity_type: str, gen: Generation) -> Answer:
    """One decoded generation as the :class:`Answer` to a type query (every backend's last step)."""
    return Answer(
        type=entity_type,
        text=stop.answer(gen.tokens),
        char_ends=token_char_ends(tokenizer, gen.tokens),
        logprobs=gen.logprobs,
        finished=gen.finished,
    )
