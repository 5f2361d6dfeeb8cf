from __future__ import annotations

from pathlib import Path

import pytest

from uniner import prompts
from uniner.entity_types import EntityType
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


# ---------------------------------------------------------------- type descriptions

DESCRIBED = (
    "A virtual assistant answers questions from a user based on the provided text. "
    "USER: Text: Aspirin, 81 mg. ASSISTANT: I've read this text.</s>"
    "USER: What describes drug in the text? Description: a medication given to treat a disease "
    "ASSISTANT:"
)


def test_names_only_prompts_are_byte_identical_to_the_released_ones() -> None:
    # Pinned: the shipped student and every "uniner-prompts-1" cache depend on these bytes.
    assert prompts.TEMPLATE_VERSION == "uniner-prompts-1"
    assert prompts.query_message("drug") == "What describes drug in the text?"
    for names_only in ("drug", EntityType("drug"), EntityType("drug", "  ")):
        turns = conversation("Aspirin, 81 mg.", [(names_only, None)])
        text = "".join(s for s, _ in render_uniner(turns, add_generation_prompt=True))
        assert text == RELEASED.format(passage="Aspirin, 81 mg.", type="drug")


def test_a_description_extends_the_question_only() -> None:
    drug = EntityType("drug", "a medication given to treat a disease")
    assert prompts.DESCRIPTION_TEMPLATE_VERSION == "uniner-descriptions-1"
    assert prompts.query_message(drug) == (
        "What describes drug in the text? Description: a medication given to treat a disease"
    )
    turns = conversation("Aspirin, 81 mg.", [(drug, None)])
    assert "".join(s for s, _ in render_uniner(turns, add_generation_prompt=True)) == DESCRIBED
    assert uniner_prefix("Aspirin, 81 mg.") + uniner_query(drug) == DESCRIBED
    trained = render_uniner(conversation("Aspirin.", [(drug, ["Aspirin"]), ("dose", [])]))
    assert [s for s, loss in trained if loss] == ['["Aspirin"]</s>', "[]</s>"]


def test_described_chat_prompt(smollm2_dir: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    drug = EntityType("drug", "a medication")
    turns = conversation("Aspirin.", [(drug, None)])
    text = "".join(s for s, _ in render("chat", turns, tokenizer=tok, add_generation_prompt=True))
    assert text.endswith(
        "<|im_start|>user\nWhat describes drug in the text? Description: a medication<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("What describes drug in the text?", EntityType("drug")),
        ("What describes programming  language in the text?", EntityType("programming language")),
        (
            "What describes drug in the text? Description: a medication in the text?",
            EntityType("drug", "a medication in the text?"),
        ),
        ("What describes  in the text?", None),
        ("What is drug?", None),
    ],
)
def test_read_query_inverts_query_message(message: str, expected: EntityType | None) -> None:
    assert prompts.read_query(message) == expected
    if expected is not None:
        assert prompts.read_query(prompts.query_message(expected)) == expected


def test_read_query_message_keeps_the_name_as_written() -> None:
    assert prompts.read_query_message("What describes a  b in the text?") == "a  b"
    assert prompts.read_query_message("What describes drug in the text? Description: x") == "drug"
