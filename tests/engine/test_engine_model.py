"""NERModel on the tiny random Llama: the mechanics, not the quality of the answers."""

from __future__ import annotations

import json

import pytest

from uniner.engine import NERModel, Prediction
from uniner.engine.constrained import valid_prefix
from uniner.prompts import parse_answer

TEXT = "Ada Lovelace met Charles Babbage in London. Ada wrote notes in London."
TYPES = ["person", "city", "year"]


def test_fast_path_equals_the_naive_reference(tiny_ner: NERModel) -> None:
    texts = [TEXT, "Zoë lives in Reykjavík.", "A much longer passage about Paris " * 3]
    # stop_repeats off: the exact decoding is compared, not the loop cut (tested apart).
    fast = tiny_ner.predict(texts, TYPES, max_new_tokens=12, batch_size=2, stop_repeats=False)
    naive = tiny_ner.predict(texts, TYPES, max_new_tokens=12, decoder="naive")
    assert [p.answers for p in fast] == [p.answers for p in naive]
    assert all(len(p.answers["person"]) > 0 for p in fast)  # the random model says something


def test_prediction_shape_and_meta(tiny_ner: NERModel) -> None:
    [pred] = tiny_ner.predict([TEXT], [" person ", "person", "city"], max_new_tokens=4)
    assert isinstance(pred, Prediction)
    assert list(pred.answers) == ["person", "city"]  # stripped and de-duplicated
    assert pred.meta["windows"] == [[0, len(TEXT)]]
    assert pred.meta["truncated"] == 2  # 4 tokens never finish a random answer


def test_empty_text_gives_no_mentions(tiny_ner: NERModel) -> None:
    assert tiny_ner.extract("", ["person"]) == []
    assert tiny_ner.extract("   \n", ["person"]) == []
    [pred] = tiny_ner.predict([""], ["person"])
    assert pred.entities == [] and pred.meta["windows"] == []


def test_bad_input_raises_plainly(tiny_ner: NERModel) -> None:
    with pytest.raises(ValueError, match="no entity types"):
        tiny_ner.extract(TEXT, [])
    with pytest.raises(ValueError, match="no entity types"):
        tiny_ner.extract(TEXT, ["  "])
    with pytest.raises(TypeError, match="text must be a string, got int"):
        tiny_ner.extract(42, ["person"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="list of strings"):
        tiny_ner.predict(TEXT, ["person"])
    with pytest.raises(TypeError, match="entity types must be strings"):
        tiny_ner.extract(TEXT, [3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="unexpected keyword"):
        tiny_ner.extract(TEXT, ["person"], bogus=1)
    with pytest.raises(ValueError, match="max_new_tokens"):
        tiny_ner.extract(TEXT, ["person"], max_new_tokens=0)


def test_constrained_answers_are_lists_of_substrings(tiny_ner: NERModel) -> None:
    preds = tiny_ner.predict([TEXT], TYPES, constrained=True, max_new_tokens=24)
    for answer in preds[0].answers.values():
        assert answer.startswith("[")
        assert valid_prefix(answer, TEXT)
        for mention in parse_answer(answer).mentions:
            assert mention.text in TEXT
    assert preds[0].meta["ungrounded"] == 0
    for entity in preds[0].entities:
        assert TEXT[entity.start : entity.end] == entity.text


def test_long_documents_are_windowed_and_remapped(tiny_ner: NERModel) -> None:
    text = " ".join(f"Sentence {i} says Ada visited London." for i in range(40))
    [pred] = tiny_ner.predict(
        [text],
        ["person"],
        window_tokens=48,
        window_overlap=8,
        constrained=True,
        max_new_tokens=16,
    )
    windows = pred.meta["windows"]
    assert len(windows) > 3 and windows[0][0] == 0 and windows[-1][1] == len(text)
    assert len(pred.meta["window_answers"]) == len(windows)
    for entity in pred.entities:
        assert text[entity.start : entity.end] == entity.text
    spans = [e.span for e in pred.entities]
    assert len(spans) == len(set(spans))  # overlaps of windows merged


def test_info(tiny_ner: NERModel) -> None:
    info = tiny_ner.info()
    assert info["style"] == "chat"
    assert info["device"] == "cpu" and info["dtype"] == "float32"
    assert info["max_length"] == 2048
    assert info["description_template_version"] is None  # the random model has no uniner.json


def test_uniner_style_can_be_forced(tiny_model_dir) -> None:  # type: ignore[no-untyped-def]
    model = NERModel.from_pretrained(tiny_model_dir, style="uniner")
    assert model.style == "uniner"
    fast = model.predict([TEXT], TYPES, max_new_tokens=8)
    naive = model.predict([TEXT], TYPES, max_new_tokens=8, decoder="naive")
    assert fast[0].answers == naive[0].answers


def test_model_card_sets_style(tmp_path, tiny_model_dir) -> None:  # type: ignore[no-untyped-def]
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / "uniner.json").write_text(json.dumps({"style": "uniner"}))
    assert NERModel.from_pretrained(copy).style == "uniner"
