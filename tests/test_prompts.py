from __future__ import annotations

from pathlib import Path

import pytest

from uniner import prompts
from uniner.prompts import Turn, conversation, render, render_uniner, uniner_prefix, uniner_query

RELEASED = (
    "A virtual assistant answers questions from a user based on the provided text. "
    "USER: Text: {passage} ASSISTANT: I've read this text.</s>"
    "USER: What describes {type} in the text? ASSISTANT:"
)


def test_uniner_prompt_is_the_released_one() -> None:
    turns = conversation("Obama visited Paris.", [("person", None)])
    text = "".join(s for s, _ in render_uniner(turns, add_generation_prompt=True))
    assert text == RELEASED.format(passage="Obama visited Paris.", type="person")
    assert uniner_prefix("Obama visited Paris.") + uniner_query("person") == text


def test_dataset_specific_variant() -> None:
    turns = conversation("EU rejects it", [("organization", None)], dataset="CoNLL2003")
    assert turns[0].content == "Dataset: CoNLL2003 \nText: EU rejects it"


def test_loss_segments_are_exactly_the_answers() -> None:
    turns = conversation("Paris, Rome.", [("city", ["Paris", "Rome"]), ("person", [])])
    segs = render_uniner(turns)
    assert [s for s, loss in segs if loss] == ['["Paris", "Rome"]</s>', "[]</s>"]
    assert "".join(s for s, _ in segs).endswith("ASSISTANT: []</s>")


def test_answer_keeps_non_ascii() -> None:
    assert prompts.format_answer(["Académie française"]) == '["Académie française"]'


def test_chat_style_uses_the_tokenizer_template(smollm2_dir: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    assert prompts.default_style(tok) == "chat"
    turns = conversation("Paris.", [("city", ["Paris"]), ("person", [])])
    segs = render("chat", turns, tokenizer=tok)
    whole = tok.apply_chat_template(prompts.chat_messages(turns), tokenize=False)
    assert "".join(s for s, _ in segs) == whole
    assert [s for s, loss in segs if loss] == ['["Paris"]<|im_end|>\n', "[]<|im_end|>\n"]


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="add_generation_prompt"):
        render_uniner([Turn("user", "x")])
    with pytest.raises(ValueError, match="unknown prompt style"):
        render("nope", [])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="passage"):
        prompts.teacher_messages("x", template="no placeholder")


def test_teacher_prompt_is_the_papers() -> None:
    msgs = prompts.teacher_messages("Some passage.")
    assert msgs[0] == {
        "role": "system",
        "content": "You are a helpful information extraction system.",
    }
    assert msgs[1]["content"].startswith("Given a passage, your task is to extract all entities")
    assert msgs[1]["content"].endswith("Passage: Some passage.")
