"""A passage's conversation and its official UniversalNER JSON form.

A :class:`Conversation` is the passage, the optional dataset name, and the ordered
``(type, mentions)`` questions asked about it. Its turns come from :mod:`uniner.prompts`,
the same module the engine renders prompts with, so training data and inference agree.
The official training form is ``{"id", "conversations": [{"from": "human"|"gpt",
"value"}]}``; :meth:`Conversation.from_official` parses it back, so the form round-trips.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from uniner.errors import DataFormatError
from uniner.prompts import ACKNOWLEDGEMENT, Turn, conversation
from uniner.types import AnnotatedText, unique

# "Dataset: <name> \nText: <passage>" or "Text: <passage>" (see prompts.passage_message).
_PASSAGE = re.compile(r"\A(?:Dataset: (?P<dataset>.*?) \n)?Text: (?P<text>.*)\Z", re.DOTALL)
_QUERY = re.compile(r"\AWhat describes (?P<type>.+) in the text\?\Z", re.DOTALL)

# The official form names roles "human" / "gpt".
_ROLE_NAMES = {"user": "human", "assistant": "gpt"}


@dataclass
class Conversation:
    """The questions asked about one passage (or one piece of a long passage).

    >>> c = Conversation("c0", "Ada met Bob.", [("person", ["Ada", "Bob"]), ("city", [])])
    >>> c.to_official()["conversations"][3]
    {'from': 'gpt', 'value': '["Ada", "Bob"]'}
    """

    id: str
    text: str
    answers: list[tuple[str, list[str]]]
    dataset: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def turns(self, *, loss_on_acknowledgement: bool = False) -> list[Turn]:
        """The prompt turns (from :func:`uniner.prompts.conversation`)."""
        return conversation(
            self.text,
            [(t, list(m)) for t, m in self.answers],
            self.dataset,
            loss_on_acknowledgement=loss_on_acknowledgement,
        )

    @property
    def types(self) -> list[str]:
        """The types asked, in the order asked."""
        return [t for t, _ in self.answers]

    def to_official(self) -> dict[str, Any]:
        """The official UniversalNER training record."""
        turns = [{"from": _ROLE_NAMES[t.role], "value": t.content} for t in self.turns()]
        return {"id": self.id, "conversations": turns}

    @classmethod
    def from_official(
        cls, record: dict[str, Any], *, path: str = "<record>", line: int | None = None
    ) -> Conversation:
        """Parse an official training record; a record that is not one raises DataFormatError."""

        def bad(expected: str) -> DataFormatError:
            return DataFormatError(path, line, expected)

        turns = record.get("conversations")
        if not isinstance(turns, list) or len(turns) < 2 or len(turns) % 2:
            raise bad("expected 'conversations': an even-length list of {from, value} turns")
        values = [_turn_value(t, i, bad) for i, t in enumerate(turns)]
        first = _PASSAGE.match(values[0])
        if first is None:
            raise bad(f"the first turn must be 'Text: <passage>', got {values[0][:60]!r}")
        answers = []
        for query, answer in zip(values[2::2], values[3::2], strict=True):
            asked = _QUERY.match(query)
            if asked is None:
                raise bad(f"expected 'What describes <type> in the text?', got {query[:60]!r}")
            answers.append((asked["type"], _parse_answer(answer, bad)))
        return cls(str(record.get("id", "")), first["text"], answers, first["dataset"])


def _turn_value(turn: Any, index: int, bad: Any) -> str:
    expected_role = "human" if index % 2 == 0 else "gpt"
    if not isinstance(turn, dict) or turn.get("from") != expected_role:
        raise bad(f"turn {index} must be {{'from': '{expected_role}', 'value': ...}}")
    value = turn.get("value")
    if not isinstance(value, str):
        raise bad(f"turn {index} has no string 'value'")
    if index == 1 and value != ACKNOWLEDGEMENT:
        raise bad(f"turn 1 must be {ACKNOWLEDGEMENT!r}, got {value[:60]!r}")
    return value


def _parse_answer(answer: str, bad: Any) -> list[str]:
    try:
        mentions = json.loads(answer)
    except json.JSONDecodeError as err:
        raise bad(f"an answer must be a JSON list of strings, got {answer[:60]!r}") from err
    if not isinstance(mentions, list) or not all(isinstance(m, str) for m in mentions):
        raise bad(f"an answer must be a JSON list of strings, got {answer[:60]!r}")
    return mentions


def mentions_in_order(record: AnnotatedText, entity_type: str) -> list[str]:
    """The distinct mention strings of one type, in order of first appearance in the text."""
    return unique(e.text for e in record.mentions_of(entity_type))
