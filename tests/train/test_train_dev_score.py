"""The dev questions: asked by name as the trainer asks them, or with a type's description."""

from __future__ import annotations

from pathlib import Path

from uniner.entity_types import EntityType
from uniner.instruct import Conversation
from uniner.prompts import query_message
from uniner.train.dev_score import dev_questions

CONVERSATIONS = [
    Conversation(
        "a", "Ada Lovelace lived in London.", [("person", ["Ada Lovelace"]), ("city", [])]
    ),
    Conversation("b", "Paris is in France.", [("country", ["France"])]),
]
DESCRIPTIONS = {"person": "a human being", "country": "a nation state", "drug": "a medicine"}


def _tokenizer(model_dir: Path) -> object:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_dir)


def test_questions_by_name_carry_no_description(tiny_model_dir: Path) -> None:
    questions = dev_questions(CONVERSATIONS, _tokenizer(tiny_model_dir), "chat", limit=10)
    assert [(q.type, q.gold, q.asked) for q in questions] == [
        ("person", '["Ada Lovelace"]', "person"),
        ("city", "[]", "city"),
        ("country", '["France"]', "country"),
    ]
    assert all("Description:" not in q.prompt for q in questions)


def test_described_types_are_asked_with_their_description(tiny_model_dir: Path) -> None:
    tokenizer = _tokenizer(tiny_model_dir)
    plain = dev_questions(CONVERSATIONS, tokenizer, "chat", limit=2)
    rich = dev_questions(CONVERSATIONS, tokenizer, "chat", limit=2, descriptions=DESCRIPTIONS)
    assert [q.asked for q in rich] == [EntityType("person", "a human being"), "city"]
    assert query_message(EntityType("person", "a human being")) in rich[0].prompt
    assert rich[1].prompt == plain[1].prompt  # an undescribed type is asked as before
    assert [q.gold for q in rich] == [q.gold for q in plain]  # the limit counts questions
