"""Draft-and-verify decoding: the drafts, the verify loop, and answers equal to plain decoding."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import torch

from uniner.engine import NERModel
from uniner.engine.decoding import Generation, generate_padded, generate_shared
from uniner.engine.drafting import AnswerState, PassageDrafter
from uniner.engine.options import ExtractOptions
from uniner.engine.queries import encode_passage
from uniner.prompts import parse_answer

# ---------------------------------------------------------------- what is drafted


@pytest.fixture(scope="module")
def tokenizer(smollm2_dir: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smollm2_dir)


def _pieces(tokenizer: Any, ids: Sequence[int]) -> list[str]:
    return [tokenizer.decode([i]) for i in ids]


@pytest.mark.parametrize(
    ("answer", "mention", "between"),
    [
        ("", None, False),
        ('["', "", False),
        ('["Ada", "Charles Bab', "Charles Bab", False),
        ('["Ada",', None, True),
        ('["Ada"', None, False),
        ('["say \\"hi', 'say \\"hi', False),
        ('I\'ve read: ["Ada", "Bo', "Bo", False),
    ],
)
def test_answer_state(answer: str, mention: str | None, between: bool) -> None:
    state = AnswerState.of(answer)
    assert (state.mention, state.between) == (mention, between)


def test_drafts_copy_the_passage_from_the_first_word_of_a_mention(tokenizer: Any) -> None:
    passage = "Charles Babbage was at the University of London, in the U.S. in 1830."
    drafter = PassageDrafter(tokenizer, passage, max_tokens=8)
    # Inside ["…, "Charles" has no leading space: it is found by text, and the passage's own
    # tokens after it are the draft.
    assert _pieces(tokenizer, drafter.propose_text('["Charles')) == [
        " Bab", "bage", " was", " at", " the", " University", " of", " London",
    ]  # fmt: skip
    assert _pieces(tokenizer, drafter.propose_text('["Charles Bab'))[:2] == ["bage", " was"]
    # A comma ends the mention: the draft closes the item and opens the next.
    assert _pieces(tokenizer, drafter.propose_text('["University')) == [
        " of", " London", '",', ' "',
    ]  # fmt: skip
    assert _pieces(tokenizer, drafter.propose_text('["University of London')) == ['",', ' "']
    # Between items the format says what comes; a new string's first word is the model's.
    assert _pieces(tokenizer, drafter.propose_text('["Charles Babbage",')) == [' "']
    assert drafter.propose_text('["') == []
    assert drafter.propose_text("") == []
    # Not in the passage: nothing to copy.
    assert drafter.propose_text('["Ada') == []
    # The limit, and the same through token ids.
    ids = tokenizer('["Charles', add_special_tokens=False)["input_ids"]
    assert _pieces(tokenizer, drafter.propose(ids, 2)) == [" Bab", "bage"]
    assert drafter.propose(ids, 0) == []


def test_drafts_prefer_an_occurrence_that_starts_a_word(tokenizer: Any) -> None:
    drafter = PassageDrafter(tokenizer, "Rome, not Jerome Smith: Rome City.", max_tokens=3)
    assert _pieces(tokenizer, drafter.propose_text('["Rome')) == ['",', ' "']
    assert _pieces(tokenizer, drafter.propose_text('["Jerome')) == [" Smith", '",', ' "']


def test_a_draft_stops_before_a_quote_and_keeps_inner_full_stops(tokenizer: Any) -> None:
    drafter = PassageDrafter(tokenizer, 'He said "Ada" came to the U.S. today.', max_tokens=8)
    assert drafter.propose_text('["said') == []  # the next token holds a quote
    assert _pieces(tokenizer, drafter.propose_text('["U')) == [".", "S", '",', ' "']


# ---------------------------------------------------------------- the verify loop


class Oracle:
    """Drafts the answer plain decoding gave, wrong at every ``wrong``-th token (if set)."""

    def __init__(self, answer: Sequence[int], wrong: int = 0) -> None:
        self.answer = list(answer)
        self.wrong = wrong

    def propose(self, tokens: Sequence[int], limit: int) -> list[int]:
        if list(tokens) != self.answer[: len(tokens)]:
            return []
        draft = self.answer[len(tokens) : len(tokens) + limit]
        if self.wrong and len(draft) >= self.wrong:
            draft[self.wrong - 1] = (draft[self.wrong - 1] + 1) % 1000
        return draft


@pytest.fixture(scope="module")
def sharp_model(tiny_llama: Callable[..., Path], smollm2_dir: Path, tmp_path_factory) -> object:  # type: ignore[no-untyped-def]
    """A tiny random Llama with large weights: its answers depend on every position."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = tiny_llama(smollm2_dir, tmp_path_factory.mktemp("sharp"), initializer_range=0.5)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    return model, AutoTokenizer.from_pretrained(folder)


TEXTS = ["Ada Lovelace met Charles Babbage in London.", "Zoë lives in Reykjavík, Iceland today."]
TYPES = ["person", "programming language", "city", "year"]


def _same(got: Sequence[Generation], want: Sequence[Generation]) -> None:
    for g, w in zip(got, want, strict=True):
        assert g.tokens == w.tokens and g.finished == w.finished
        assert g.logprobs == pytest.approx(w.logprobs, abs=1e-4)


@pytest.mark.parametrize("wrong", [0, 1, 3])
@pytest.mark.parametrize("guess", [False, True])
def test_verified_drafts_give_the_plain_answers(sharp_model, wrong: int, guess: bool) -> None:  # type: ignore[no-untyped-def]
    model, tokenizer = sharp_model
    encoded = [encode_passage(tokenizer, "chat", t, TYPES) for t in TEXTS]
    first = generate_shared(model, tokenizer, encoded, max_new_tokens=1)[0][0].tokens[0]
    draft = first if guess else None  # the [] guess, right for some queries
    answers = generate_shared(model, tokenizer, encoded, max_new_tokens=10, draft=draft)
    plain = [g for gs in answers for g in gs]
    oracles = [Oracle(g.tokens, wrong) for g in plain]
    verified = generate_shared(
        model, tokenizer, encoded, max_new_tokens=10, draft=draft, drafters=oracles
    )
    flat = [g for gs in verified for g in gs]
    _same(flat, plain)
    steps, plain_steps = sum(g.steps for g in flat), sum(g.steps for g in plain)
    accepted, drafted = sum(g.accepted for g in flat), sum(g.drafted for g in flat)
    assert sum(g.decoding()["steps_without_draft"] for g in flat) == plain_steps > 0
    if wrong == 0:
        # Up to 9 tokens after the first, all drafted right: one decode step per answer.
        assert all(g.steps == (len(g.tokens) > g.from_prompt) for g in flat)
        assert accepted == drafted > 0
    elif wrong == 1:
        # Every draft wrong from its first token: one token per step, as without drafts.
        assert steps == plain_steps and accepted == 0 < drafted
    else:
        assert steps < plain_steps and 0 < accepted < drafted


def test_verified_drafts_on_the_unpacked_path(sharp_model) -> None:  # type: ignore[no-untyped-def]
    model, tokenizer = sharp_model
    prompts = [encode_passage(tokenizer, "chat", TEXTS[0], TYPES).full(k) for k in range(4)]
    plain = generate_padded(model, tokenizer, prompts, max_new_tokens=9)
    drafted = generate_padded(
        model, tokenizer, prompts, max_new_tokens=9, drafters=[Oracle(g.tokens, 2) for g in plain]
    )
    _same(drafted, plain)
    assert all(g.from_prompt == 1 for g in drafted)
    assert sum(g.steps for g in drafted) < sum(g.steps for g in plain)


def test_drafting_under_the_constraint_gives_the_same_answers(tiny_ner: NERModel) -> None:
    text = "Ada Lovelace met Charles Babbage in London in 1833."
    plain = tiny_ner.predict([text], TYPES, constrained=True, max_new_tokens=12)
    drafted = tiny_ner.predict([text], TYPES, constrained=True, max_new_tokens=12, draft=True)
    assert drafted[0].answers == plain[0].answers
    assert drafted[0].entities == plain[0].entities


def test_drafters_must_match_the_queries(sharp_model) -> None:  # type: ignore[no-untyped-def]
    model, tokenizer = sharp_model
    encoded = [encode_passage(tokenizer, "chat", TEXTS[0], TYPES)]
    with pytest.raises(ValueError, match="expected 4 drafters"):
        generate_shared(model, tokenizer, encoded, max_new_tokens=4, drafters=[None])


# ---------------------------------------------------------------- the option


def test_the_option_is_off_by_default_and_checked() -> None:
    assert ExtractOptions().draft is False
    with pytest.raises(ValueError, match="draft must be True or False, got 1"):
        ExtractOptions(draft=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs decoder='shared'"):
        ExtractOptions(draft=True, decoder="naive")
    for bad in (0, -2, 2.5, True):
        with pytest.raises(ValueError, match="draft_tokens must be a positive int"):
            ExtractOptions(draft_tokens=bad)  # type: ignore[arg-type]


def test_meta_counts_the_steps_only_when_drafting(tiny_ner: NERModel) -> None:
    text = "Ada Lovelace met Charles Babbage in London."
    plain = tiny_ner.predict([text], ["person", "city"], max_new_tokens=6)[0]
    assert "decoding" not in plain.meta
    drafted = tiny_ner.predict([text], ["person", "city"], max_new_tokens=6, draft=True)[0]
    assert drafted.answers == plain.answers
    decoding = drafted.meta["decoding"]
    assert [(q["window"], q["type"]) for q in decoding["queries"]] == [(0, "person"), (0, "city")]
    for key in ("tokens", "steps", "steps_without_draft", "drafted", "accepted"):
        assert decoding[key] == sum(q[key] for q in decoding["queries"])
    # The tiny model talks to the limit: 6 tokens, the first from the prompt's pass.
    assert all(q["tokens"] == 6 and q["steps_without_draft"] == 5 for q in decoding["queries"])


def test_cli_flag() -> None:
    from uniner.cli.extract import _options, register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    plain = parser.parse_args(["extract", "-t", "person", "Ada."])
    assert _options(plain)["draft"] is False
    assert _options(parser.parse_args(["extract", "-t", "person", "--draft", "Ada."]))["draft"]
    no = parser.parse_args(["extract", "-t", "person", "--no-draft", "Ada."])
    assert _options(no)["draft"] is False


# ---------------------------------------------------------------- the real student, float32

# Passages with many mentions, repeated mentions, and types nobody mentions.
REAL_TEXTS = [
    "Charles Babbage worked at the University of London with Ada Lovelace in 1830. Babbage "
    "designed the Analytical Engine, and Lovelace wrote the first algorithm for it.",
    "Guido van Rossum created Python at CWI in Amsterdam; later Python moved to the Python "
    "Software Foundation, and Python 3 was released in December 2008.",
    "Apple, Google, Microsoft, Amazon, Meta, IBM, Intel and Nvidia compete in cloud computing, "
    "machine learning, deep learning and natural language processing.",
    "The conference on Neural Information Processing Systems (NeurIPS) met in Vancouver, Canada, "
    "where Yoshua Bengio, Geoffrey Hinton and Yann LeCun received the Turing Award.",
    "Paris, Paris, Paris: the band played Paris again in Lyon and Marseille before Berlin.",
]
REAL_TYPES = [
    "person", "organization", "location", "programming language", "field", "product",
    "algorithm", "date",
]  # fmt: skip


@pytest.fixture(scope="module")
def default_student() -> NERModel:
    """The shipped default (SmolLM2-135M-Instruct + the packaged adapter), float32."""
    return NERModel.from_pretrained(device="cpu", dtype="float32")


def _compare(model: NERModel, **options: Any) -> tuple[list[str], int, dict[str, int]]:
    """The plain answers, how many the drafting engine gives too, and its counts."""
    plain = model.predict(REAL_TEXTS, REAL_TYPES, **options)
    drafted = model.predict(REAL_TEXTS, REAL_TYPES, draft=True, **options)
    answers = [p.answers[t] for p in plain for t in REAL_TYPES]
    same = sum(
        p.answers[t] == d.answers[t]
        for p, d in zip(plain, drafted, strict=True)
        for t in REAL_TYPES
    )
    for p, d in zip(plain, drafted, strict=True):
        assert d.entities == p.entities
    keys = ("tokens", "steps", "steps_without_draft", "drafted", "accepted")
    totals = {k: sum(d.meta["decoding"][k] for d in drafted) for k in keys}
    return answers, same, totals


def test_the_default_student_answers_the_same_with_drafts(default_student: NERModel) -> None:
    answers, same, totals = _compare(default_student)
    print(f"default student: {same}/{len(answers)} identical, {totals}")
    assert same == len(answers) == 40
    # The queries hold empty answers, long lists, and a mention repeated in the passage.
    assert "[]" in answers
    assert max(len(parse_answer(a).mentions) for a in answers) >= 4
    # A mention the passage holds several times ("Python" four times, "Paris" five): its
    # drafts could continue from any occurrence.
    passage_of = [text for text in REAL_TEXTS for _ in REAL_TYPES]  # answers are in that order
    repeated = [
        m.text
        for text, a in zip(passage_of, answers, strict=True)
        for m in parse_answer(a).mentions
        if text.count(m.text) >= 2
    ]
    assert repeated
    # Answers are copies of the passage: many of their tokens come from accepted drafts.
    assert totals["steps"] <= 0.6 * totals["steps_without_draft"]


def test_the_untuned_base_answers_the_same_with_drafts(smollm2_ner: NERModel) -> None:
    answers, same, totals = _compare(smollm2_ner, max_new_tokens=24)
    print(f"untuned SmolLM2: {same}/{len(answers)} identical, {totals}")
    assert same == len(answers)
    # It writes prose, not a list: there is no string to copy into, so nothing is drafted.
    assert totals["drafted"] == 0 and totals["steps"] == totals["steps_without_draft"]


def test_the_benchmark_measures_the_drafting_engine(tiny_ner: NERModel) -> None:
    """``benchmarks/bench_extract.py``'s (d) on the tiny model and two inline passages."""
    import importlib.util

    path = Path(__file__).parents[2] / "benchmarks" / "bench_extract.py"
    spec = importlib.util.spec_from_file_location("bench_extract", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    args = argparse.Namespace(batch_size=2, max_new_tokens=6, draft_tokens=4)
    engine = tiny_ner.predict(TEXTS, TYPES, batch_size=2, max_new_tokens=6)
    result = bench._drafting(tiny_ner, TEXTS, TYPES, (engine, 1.0), args)
    assert result["draft_identical"] is True and result["draft_mismatches"] == 0
    speedup = 1.0 / result["draft_s_per_query"]  # of a rounded time
    assert result["draft_speedup_vs_engine"] == pytest.approx(speedup, rel=0.01)
    # The tiny model talks to the limit, never inside a list: 6 tokens, 5 decode steps each.
    assert result["decode_steps_per_answer_token"] == {"engine": 0.833, "draft": 0.833}
    assert result["draft_tokens"] == {"max": 4, "fed": 0, "accepted": 0, "answer_tokens": 48}


def test_a_corpus_job_without_drafts_records_the_options_it_always_did(tmp_path: Path) -> None:
    from uniner.extract import ExtractConfig

    plain = ExtractConfig([str(tmp_path)], str(tmp_path / "out"), ["person"]).to_dict()
    assert "draft" not in plain["options"] and "draft_tokens" not in plain["options"]
    drafted = ExtractConfig(
        [str(tmp_path)], str(tmp_path / "out"), ["person"], options={"draft": True}
    ).to_dict()
    assert drafted["options"]["draft"] is True and drafted["options"]["draft_tokens"] == 8
