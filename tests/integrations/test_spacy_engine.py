"""The spaCy component through ``nlp.add_pipe`` with the real engine on the tiny model."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import spacy

pytestmark = pytest.mark.slow

TEXTS = [
    "Ada Lovelace worked with Charles Babbage in London.",
    "Grace Hopper joined Remington Rand.",
]
TYPES = ["person", "organization", "location"]


@pytest.fixture(scope="module")
def nlp(tiny_model_dir: Path) -> Any:
    nlp = spacy.blank("en")
    config = {"model": str(tiny_model_dir), "types": TYPES, "device": "cpu",
              "options": {"max_new_tokens": 8}}  # fmt: skip
    nlp.add_pipe("uniner", config=config)
    return nlp


def test_add_pipe_builds_the_component_from_its_config(nlp: Any, tiny_model_dir: Path) -> None:
    assert nlp.pipe_names == ["uniner"]
    pipe_config = nlp.config["components"]["uniner"]
    assert pipe_config["factory"] == "uniner"
    assert pipe_config["model"] == str(tiny_model_dir)
    assert pipe_config["types"] == TYPES
    assert nlp.get_pipe("uniner").config.alignment_mode == "expand"


def test_docs_get_aligned_ents_spans_and_scores_that_match_the_engine(nlp: Any) -> None:
    engine = nlp.get_pipe("uniner").model
    docs = list(nlp.pipe(TEXTS))
    for doc, expected in zip(docs, engine.predict(TEXTS, TYPES, max_new_tokens=8), strict=True):
        spans = list(doc.spans["uniner"])
        # expand-alignment keeps each mention's start and covers its end.
        assert len(spans) == len(expected.entities)
        for span, entity in zip(sorted(spans, key=lambda s: (s.start_char, s.label_)),
                                sorted(expected.entities, key=lambda e: (e.start, e.type)),
                                strict=True):  # fmt: skip
            assert span.start_char <= entity.start and span.end_char >= entity.end
            assert span.label_ == entity.type
            assert span._.score == entity.score
        ents = list(doc.ents)
        assert all(e.label_ in TYPES for e in ents)
        assert all(a.end <= b.start for a, b in itertools.pairwise(ents))  # no overlaps
        assert {(e.start, e.end, e.label_) for e in ents} <= {
            (s.start, s.end, s.label_) for s in spans
        }


def test_a_second_pipe_on_the_same_model_reuses_the_loaded_engine(
    nlp: Any, tiny_model_dir: Path
) -> None:
    other = spacy.blank("en")
    other.add_pipe(
        "uniner", config={"model": str(tiny_model_dir), "types": ["date"], "device": "cpu"}
    )
    assert other.get_pipe("uniner").model is nlp.get_pipe("uniner").model


def test_add_pipe_takes_types_with_descriptions(tiny_model_dir: Path) -> None:
    from uniner.entity_types import EntityType

    described = {"person": "a human being", "location": None}
    nlp = spacy.blank("en")
    config = {"model": str(tiny_model_dir), "types": described, "device": "cpu",
              "options": {"max_new_tokens": 4}}  # fmt: skip
    nlp.add_pipe("uniner", config=config)
    assert nlp.config["components"]["uniner"]["types"] == described
    pipe = nlp.get_pipe("uniner")
    assert (pipe.config.types, pipe.config.descriptions) == (
        ["person", "location"],
        {"person": "a human being"},
    )
    assert pipe.config.asked == [EntityType("person", "a human being"), EntityType("location")]
    doc = nlp(TEXTS[0])
    [prediction] = pipe.model.predict([TEXTS[0]], pipe.config.asked, max_new_tokens=4)
    assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["uniner"]] == [
        (e.start, e.end, e.type) for e in prediction.entities
    ]
