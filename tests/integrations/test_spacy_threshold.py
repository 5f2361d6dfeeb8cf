"""The spaCy component's ``threshold`` key: checked when the pipe is added, used by the engine."""

from __future__ import annotations

from typing import Any

import pytest
import spacy

from uniner.integrations.spacy import UninerComponent, UninerComponentConfig
from uniner.serve.gazetteer import GazetteerModel


def test_the_threshold_key_reaches_the_model_as_an_option() -> None:
    model = GazetteerModel({"person": ["Ada"]})
    config = UninerComponentConfig(types=["person"], threshold=0.5)
    assert config.options == {"threshold": 0.5}
    UninerComponent(model, config)(spacy.blank("en")("Ada"))
    assert model.calls[0]["options"] == {"threshold": 0.5}


def test_the_threshold_may_come_as_an_option_too() -> None:
    config = UninerComponentConfig(types=["person"], options={"threshold": 1})
    assert config.threshold == 1.0 and config.options == {"threshold": 1.0}
    same = UninerComponentConfig(types=["person"], threshold=0.5, options={"threshold": 0.5})
    assert same.options == {"threshold": 0.5}
    assert UninerComponentConfig(types=["person"]).options == {}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"threshold": 1.5}, r"threshold must be a number in \[0, 1\], got 1.5"),
        ({"threshold": -1}, r"threshold must be a number in \[0, 1\], got -1"),
        ({"options": {"threshold": "high"}}, r"threshold must be a number in \[0, 1\], got 'high'"),
        ({"threshold": 0.2, "options": {"threshold": 0.3}}, "disagree; give one"),
    ],
)
def test_a_bad_threshold_is_refused_when_the_pipe_is_made(
    config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        UninerComponentConfig(**{"types": ["person"], **config})


def test_add_pipe_refuses_a_bad_threshold_before_loading_a_model() -> None:
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="threshold must be a number"):
        # A model that does not exist: the config check must fail first.
        nlp.add_pipe("uniner", config={"model": "/no/such/model", "types": ["x"], "threshold": 2})


@pytest.mark.slow
def test_add_pipe_with_a_threshold_keeps_only_the_surer_mentions() -> None:
    text = "Ada Lovelace met Charles Babbage in London in 1833."
    types = ["person", "city", "year"]
    everything = spacy.blank("en")
    everything.add_pipe("uniner", config={"types": types, "device": "cpu"})
    engine = everything.get_pipe("uniner").model
    full = everything(text)
    scores = sorted({s._.score for s in full.spans["uniner"]})
    assert len(scores) >= 2, "expected mentions of different scores"
    cut = (scores[0] + scores[-1]) / 2
    strict = spacy.blank("en")
    strict.add_pipe("uniner", config={"types": types, "device": "cpu", "threshold": cut})
    assert strict.get_pipe("uniner").model is engine  # one loaded model for both pipes
    doc = strict(text)
    kept = [(s.start_char, s.end_char, s.label_) for s in doc.spans["uniner"]]
    [expected] = engine.predict([text], types, threshold=cut)
    assert kept == [e.span for e in expected.entities]
    assert all(s._.score >= cut for s in doc.spans["uniner"])
    assert 0 < len(kept) < len(full.spans["uniner"])
