"""The spaCy component with known answers: alignment, overlap resolution, spans, scores, config."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest
import spacy
from spacy.tokens import Span

from uniner.integrations.spacy import (
    UninerComponent,
    UninerComponentConfig,
    make_uniner_component,
    non_overlapping,
)
from uniner.serve.gazetteer import GazetteerModel, GazetteerPrediction
from uniner.types import Entity

TEXT = "The New York Times praised Ada Lovelace."


class FixedModel:
    """Answers every text with the same mentions (given as (start, end, type, score))."""

    def __init__(self, mentions: Sequence[tuple[int, int, str, float | None]]) -> None:
        self.mentions = mentions
        self.calls: list[list[str]] = []

    def predict(self, texts: Sequence[str], types: Sequence[str], **kw: Any) -> list[Any]:
        self.calls.append(list(texts))
        return [
            GazetteerPrediction(
                t, [Entity.from_span(t, s, e, ty, sc) for s, e, ty, sc in self.mentions]
            )
            for t in texts
        ]

    def info(self) -> dict[str, Any]:
        return {"name": "fixed"}


def component(model: Any, **config: Any) -> UninerComponent:
    return UninerComponent(model, UninerComponentConfig(**{"types": ["x"], **config}))


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return spacy.blank("en")


def test_overlaps_stay_in_spans_and_ents_keep_the_longest(nlp: Any) -> None:
    model = GazetteerModel({"city": ["New York"], "organization": ["New York Times"],
                            "person": ["Ada Lovelace"]})  # fmt: skip
    doc = component(model, types=["city", "organization", "person"])(nlp(TEXT))
    assert [(s.text, s.label_, s._.score) for s in doc.spans["uniner"]] == [
        ("New York", "city", 1.0),
        ("New York Times", "organization", 1.0),
        ("Ada Lovelace", "person", 1.0),
    ]
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("New York Times", "organization"),
        ("Ada Lovelace", "person"),
    ]


def test_a_higher_score_beats_a_longer_span(nlp: Any) -> None:
    model = FixedModel([(4, 12, "city", 0.9), (4, 18, "organization", 0.4)])
    doc = component(model)(nlp(TEXT))
    assert [(e.text, e.label_, e._.score) for e in doc.ents] == [("New York", "city", 0.9)]
    assert len(doc.spans["uniner"]) == 2


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("strict", []),
        ("contract", ["York"]),
        ("expand", ["New York Times"]),
    ],
)
def test_alignment_mode_decides_what_a_token_cutting_mention_becomes(
    nlp: Any, mode: str, expected: list[str]
) -> None:
    # "w York Ti" cuts "New" and "Times" in the middle.
    model = FixedModel([(6, 15, "organization", 0.5)])
    assert TEXT[6:15] == "w York Ti"
    doc = component(model, alignment_mode=mode)(nlp(TEXT))
    assert [e.text for e in doc.ents] == expected
    assert [s.text for s in doc.spans["uniner"]] == expected


def test_existing_ents_are_kept_when_not_overwriting(nlp: Any) -> None:
    doc = nlp(TEXT)
    doc.ents = [Span(doc, 1, 3, label="GPE")]  # "New York"
    model = FixedModel([(4, 18, "organization", 1.0), (27, 39, "person", 1.0)])
    doc = component(model, overwrite_ents=False)(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("New York", "GPE"),
        ("Ada Lovelace", "person"),
    ]


def test_pipe_batches_texts_and_keeps_order(nlp: Any) -> None:
    model = GazetteerModel({"person": ["Ada"]})
    pipe = component(model, types=["person"], batch_size=2)
    docs = list(pipe.pipe(nlp.pipe(["Ada", "Bob", "Ada and Ada"])))
    assert [[e.start_char for e in d.ents] for d in docs] == [[0], [], [0, 8]]
    assert [len(call["texts"]) for call in model.calls] == [2, 1]


def test_options_and_dataset_reach_the_model(nlp: Any) -> None:
    model = GazetteerModel({"person": ["Ada"]})
    component(model, types=["person"], dataset="conll", options={"flat": True})(nlp("Ada"))
    assert model.calls[0]["dataset"] == "conll"
    assert model.calls[0]["options"] == {"flat": True}


def test_non_overlapping_prefers_score_then_length_then_position(nlp: Any) -> None:
    doc = nlp("a b c d")
    spans = [Span(doc, 0, 2, "x"), Span(doc, 1, 3, "y"), Span(doc, 2, 4, "z")]
    for span, score in zip(spans, (0.5, None, 0.5), strict=True):
        span._.score = score
    assert [(s.start, s.label_) for s in non_overlapping(spans)] == [(0, "x"), (2, "z")]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"types": []}, "no entity types given"),
        ({"alignment_mode": "loose"}, "alignment_mode must be one of"),
        ({"batch_size": 0}, "batch_size must be a positive integer, got 0"),
        ({"spans_key": ""}, "spans_key must be a non-empty string"),
        ({"options": {"beam": True}}, r"unknown engine options \['beam'\]"),
    ],
)
def test_bad_config_is_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UninerComponentConfig(**{"types": ["person"], **config})


def test_the_factory_is_found_through_the_entry_point_without_an_import() -> None:
    # A fresh interpreter that never imports uniner: spaCy must find the factory itself.
    code = (
        "import sys, spacy\n"
        "nlp = spacy.blank('en')\n"
        "meta = nlp.get_factory_meta('uniner')\n"
        "print(meta.factory, meta.default_config['alignment_mode'], 'uniner' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    # spaCy imported uniner (to run the factory module) on its own.
    assert out.stdout.split() == ["uniner", "expand", "True"]
    assert make_uniner_component.__module__ == "uniner.integrations.spacy"


def test_any_engine_option_is_accepted() -> None:
    config = UninerComponentConfig(types=["person"], options={"max_new_tokens": 8, "flat": True})
    assert config.options == {"max_new_tokens": 8, "flat": True}


def test_types_with_descriptions_reach_the_model(nlp: Any) -> None:
    from uniner.entity_types import EntityType

    model = GazetteerModel({"city": ["London"]})
    pipe = component(model, types={"city": " a  town ", "person": None})
    doc = pipe(nlp("Ada went to London."))
    assert [(e.text, e.label_) for e in doc.ents] == [("London", "city")]
    assert model.calls[0]["types"] == [EntityType("city", "a town"), EntityType("person")]
    names_only = GazetteerModel({"city": ["London"]})
    component(names_only, types={"city": None})(nlp("London."))
    assert names_only.calls[0]["types"] == ["city"]
    with pytest.raises(TypeError, match="description of entity type 'city' must be a string"):
        component(model, types={"city": 3})
