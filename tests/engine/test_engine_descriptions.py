"""Types with descriptions through the engine (tiny random Llama): the prompts, the shared
prefix, the window budget, and the answers' labels."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from uniner.engine import NERModel
from uniner.engine.queries import encode_passage, encode_query, prompt_text
from uniner.entity_types import EntityType
from uniner.errors import UninerWarning
from uniner.prompts import DESCRIPTION_TEMPLATE_VERSION

TEXT = "Ada Lovelace met Charles Babbage in London. Ada wrote notes in London."
DESCRIBED = {"person": "a human being, real or fictional", "city": None, "year": "a calendar year"}


def test_names_only_mapping_is_the_list(tiny_ner: NERModel) -> None:
    as_list = tiny_ner.predict([TEXT], ["person", "city"], max_new_tokens=6)
    as_mapping = tiny_ner.predict([TEXT], {"person": None, "city": None}, max_new_tokens=6)
    assert [p.answers for p in as_mapping] == [p.answers for p in as_list]
    assert [p.entities for p in as_mapping] == [p.entities for p in as_list]


def test_fast_path_equals_the_naive_reference_with_descriptions(tiny_ner: NERModel) -> None:
    texts = [TEXT, "Zoë lives in Reykjavík."]
    fast = tiny_ner.predict(texts, DESCRIBED, max_new_tokens=10, batch_size=2, stop_repeats=False)
    naive = tiny_ner.predict(texts, DESCRIBED, max_new_tokens=10, decoder="naive")
    assert [p.answers for p in fast] == [p.answers for p in naive]
    assert [list(p.answers) for p in fast] == [["person", "city", "year"]] * 2  # labelled by name


def test_the_backend_is_asked_the_described_types(
    tiny_ner: NERModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[object] = []
    answer = tiny_ner.backend.answer

    def spy(passages: Any, types: Any, *args: Any, **kwargs: Any) -> Any:
        asked.extend(types)
        return answer(passages, types, *args, **kwargs)

    monkeypatch.setattr(tiny_ner.backend, "answer", spy)
    tiny_ner.predict([TEXT], {" person ": " a human\nbeing ", "city": ""}, max_new_tokens=2)
    assert asked == [EntityType("person", "a human being"), EntityType("city")]


def test_extract_labels_mentions_by_name(tiny_ner: NERModel) -> None:
    entities = tiny_ner.extract(TEXT, [EntityType("person", "a human being")], constrained=True)
    assert {e.type for e in entities} <= {"person"}


def test_a_description_lengthens_the_suffix_not_the_prefix(tiny_ner: NERModel) -> None:
    tok, style = tiny_ner.tokenizer, tiny_ner.style
    person = EntityType("person", "a human being, real or fictional")
    plain = encode_passage(tok, style, TEXT, ["person", "city"])
    described = encode_passage(tok, style, TEXT, [person, "city"])
    assert described.prefix == plain.prefix
    assert described.types == ["person", "city"]
    assert described.suffixes[1] == plain.suffixes[1]
    assert described.full(0) == encode_query(tok, style, TEXT, person)
    extra = len(tok(" Description: a human being, real or fictional")["input_ids"])
    assert len(described.suffixes[0]) == len(plain.suffixes[0]) + extra
    assert prompt_text(tok, style, TEXT, person).endswith(
        "What describes person in the text? Description: a human being, real or fictional"
        "<|im_end|>\n<|im_start|>assistant\n"
    )


def test_the_window_budget_leaves_room_for_the_longest_question(tiny_ner: NERModel) -> None:
    opts = tiny_ner.options
    long = EntityType("person", "a human being " * 20)
    plain = tiny_ner.window_budget(["person"], None, opts)
    described = tiny_ner.window_budget([long, "city"], None, opts)
    room = tiny_ner.max_length - opts.max_new_tokens
    assert plain == min(
        opts.window_tokens, room - len(encode_query(tiny_ner.tokenizer, "chat", "", "person"))
    )
    assert described == min(
        opts.window_tokens, room - len(encode_query(tiny_ner.tokenizer, "chat", "", long))
    )


def _with_card(ner: NERModel, card: dict[str, Any] | None) -> NERModel:
    from uniner.engine.backends.transformers import TransformersBackend

    backend = TransformersBackend(ner.model, ner.tokenizer, style=ner.style, card=card)
    return NERModel(backend)


@pytest.mark.parametrize(
    ("card", "says"),
    [
        ({}, "not trained with type descriptions"),
        ({"description_template_version": "uniner-descriptions-0"}, "'uniner-descriptions-0'"),
    ],
)
def test_descriptions_to_a_student_that_never_learnt_them_warn(
    tiny_ner: NERModel, card: dict[str, Any], says: str
) -> None:
    with pytest.warns(UninerWarning, match=says):
        _with_card(tiny_ner, card).predict([TEXT], DESCRIBED, max_new_tokens=2)


@pytest.mark.parametrize(
    ("card", "types"),
    [
        ({}, ["person", "city"]),  # names only: nothing to learn
        ({}, {"person": None}),
        ({"description_template_version": DESCRIPTION_TEMPLATE_VERSION}, DESCRIBED),
        (None, DESCRIBED),  # wrapped from memory: its training is unknown
    ],
)
def test_no_warning_where_descriptions_are_learnt_or_absent(
    tiny_ner: NERModel, card: dict[str, Any] | None, types: Any
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _with_card(tiny_ner, card).predict([TEXT], types, max_new_tokens=2)
