"""The dev score during training: greedy answers to dev questions, scored like the paper.

Each dev question is asked the way the engine asks it (the passage and one type, rendered by
:mod:`uniner.prompts`) and answered greedily by the engine's own decoder
(:func:`uniner.engine.decoding.generate_shared`: each passage once for all its types), so the
score is what the trained student will answer. The answers are scored with the released
metric (:mod:`uniner.evaluation.official`): micro precision/recall/F1 over normalised mentions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from uniner.entity_types import EntityType
from uniner.instruct.conversation import Conversation
from uniner.prompts import UNINER_EOS, Style, conversation, format_answer, render


@dataclass(frozen=True)
class DevQuestion:
    """One dev question: the prompt that ends where the answer starts, and the gold answer,
    with the passage, dataset and type it asks about (and the type's description, if asked)."""

    prompt: str
    gold: str
    text: str = ""
    type: str = ""
    dataset: str | None = None
    description: str | None = None

    @property
    def asked(self) -> str | EntityType:
        """The type as the engine asks it: by name, or with its description."""
        return self.type if self.description is None else EntityType(self.type, self.description)


def dev_questions(
    conversations: Sequence[Conversation],
    tokenizer: Any,
    style: Style,
    limit: int,
    descriptions: Mapping[str, str] | None = None,
) -> list[DevQuestion]:
    """The first ``limit`` (passage, type) questions of the dev conversations, by name, or with
    the description ``descriptions`` gives a type (the trainer asks by name: the paper's
    protocol chooses the checkpoint, whatever the dev file carries)."""
    questions: list[DevQuestion] = []
    for conv in conversations:
        for entity_type, mentions in conv.answers:
            if len(questions) == limit:
                return questions
            question = DevQuestion(
                "",
                format_answer(mentions),
                conv.text,
                entity_type,
                conv.dataset,
                (descriptions or {}).get(entity_type),
            )
            turns = conversation(conv.text, [(question.asked, None)], conv.dataset)
            segments = render(style, turns, tokenizer=tokenizer, add_generation_prompt=True)
            questions.append(replace(question, prompt="".join(s for s, _ in segments)))
    return questions


def greedy_answers(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    style: Style,
    *,
    batch_size: int = 8,
    max_new_tokens: int = 64,
) -> list[str]:
    """Greedy continuations of ``prompts`` (left-padded batches), cut at the answer's end."""
    import torch

    was_training = model.training
    model.eval()
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    answers: list[str] = []
    try:
        for i in range(0, len(prompts), batch_size):
            batch = tokenizer(
                list(prompts[i : i + batch_size]),
                return_tensors="pt",
                padding=True,
                add_special_tokens=style == "uniner",
            ).to(model.device)
            with torch.no_grad():
                out = model.generate(
                    **batch,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    use_cache=True,
                    pad_token_id=tokenizer.pad_token_id,
                )
            new = out[:, batch["input_ids"].shape[1] :]
            texts = tokenizer.batch_decode(new, skip_special_tokens=True)
            answers.extend(t.split(UNINER_EOS)[0].strip() for t in texts)
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    return answers


def official_scores(golds: Sequence[str], predictions: Sequence[str]) -> dict[str, float]:
    """Micro precision / recall / F1 in percent, by :func:`uniner.evaluation.official_score`."""
    from uniner.evaluation.official import official_score

    score = official_score(predictions, golds)
    return {"precision": 100 * score.precision, "recall": 100 * score.recall, "f1": 100 * score.f1}


def engine_answers(
    model: Any,
    tokenizer: Any,
    questions: Sequence[DevQuestion],
    style: Style,
    *,
    batch_size: int = 16,
    max_new_tokens: int = 64,
) -> list[str]:
    """Greedy answers by the engine's decoder: the questions of one passage share its prefix,
    passages asking as many types are batched together."""
    from uniner.engine.decoding import answer_guess, generate_shared
    from uniner.engine.queries import encode_passage
    from uniner.engine.stopping import StopRule

    # (text, dataset) -> indices of its questions, in order
    passages: dict[tuple[str, str | None], list[int]] = {}
    for i, q in enumerate(questions):
        passages.setdefault((q.text, q.dataset), []).append(i)
    by_width: dict[int, list[tuple[str, str | None]]] = {}
    for key, indices in passages.items():
        by_width.setdefault(len(indices), []).append(key)
    stop, draft = StopRule(tokenizer), answer_guess(tokenizer, style)
    answers = [""] * len(questions)
    was_training = model.training
    model.eval()
    try:
        for keys in by_width.values():
            for start in range(0, len(keys), batch_size):
                batch = keys[start : start + batch_size]
                encoded = [
                    encode_passage(
                        tokenizer,
                        style,
                        text,
                        [questions[i].asked for i in passages[(text, ds)]],
                        ds,
                    )
                    for text, ds in batch
                ]
                gens = generate_shared(
                    model, tokenizer, encoded, max_new_tokens=max_new_tokens, draft=draft
                )
                for key, passage_gens in zip(batch, gens, strict=True):
                    for i, gen in zip(passages[key], passage_gens, strict=True):
                        answers[i] = stop.answer(gen.tokens).strip()
    finally:
        model.train(was_training)
    return answers


def dev_score(
    model: Any, tokenizer: Any, questions: Sequence[DevQuestion], style: Style
) -> dict[str, float]:
    """Answer the dev questions greedily and score them; keys ``dev_precision`` etc."""
    answers = engine_answers(model, tokenizer, questions, style)
    scores = official_scores([q.gold for q in questions], answers)
    return {f"dev_{k}": round(v, 2) for k, v in scores.items()}
