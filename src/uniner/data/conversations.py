"""The official UniversalNER conversation form ("uniner" format): its one reader and writer.

One record per passage (the multi-turn training form) or per (passage, type) (the released
test files)::

    {"id": "CrossNER_AI_0", "conversations": [
      {"from": "human", "value": "Text: <passage>"},
      {"from": "gpt",   "value": "I've read this text."},
      {"from": "human", "value": "What describes <type> in the text?"},
      {"from": "gpt",   "value": "[\\"mention\\", ...]"}]}

in a JSON list (``.json``) or one record a line (``.jsonl``). Every record is read into a
:class:`Conversation` - the training data is exactly that - and :func:`read_conversations`
groups consecutive records about one passage into an :class:`~uniner.types.AnnotatedText` for
evaluation: its ``types`` are the asked types in order, ``answers`` the exact answer strings
(the official metric compares strings), ``meta["ids"][type]`` the record ids; mentions are
grounded by the one rule of :mod:`uniner.grounding`, and those not found are listed in
``meta["ungrounded"][type]``. The messages are read back by :mod:`uniner.prompts`, which
writes them, and answers by its lenient parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uniner.data._io import read_json, read_text, write_json
from uniner.data.answers import answer_for
from uniner.entity_types import EntityType
from uniner.errors import DataFormatError
from uniner.grounding import ground_all
from uniner.prompts import (
    Turn,
    conversation,
    format_answer,
    parse_answer,
    query_message,
    read_passage_message,
    read_query,
    read_query_message,
)
from uniner.types import AnnotatedText, Dataset, Entity

USER_ROLES = ("human", "user")
ASSISTANT_ROLES = ("gpt", "assistant")
_ROLE_NAMES = {"user": "human", "assistant": "gpt"}  # prompt roles -> the official names


@dataclass
class Conversation:
    """The questions asked about one passage (or one piece of a long passage).

    ``answers`` are ``(type, mentions)`` in the order asked; ``answer_texts`` keeps, for a
    record read from a file, each answer exactly as written (the official metric compares
    answer strings); a built conversation writes its mentions with
    :func:`uniner.prompts.format_answer`. ``descriptions`` maps the types whose question
    carries a description (:func:`uniner.prompts.query_message`) to it.

    >>> c = Conversation("c0", "Ada met Bob.", [("person", ["Ada", "Bob"]), ("city", [])])
    >>> c.to_official()["conversations"][3]
    {'from': 'gpt', 'value': '["Ada", "Bob"]'}
    """

    id: str
    text: str
    answers: list[tuple[str, list[str]]]
    dataset: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    answer_texts: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def asked(self, entity_type: str) -> str | EntityType:
        """One asked type: with its description if its question carries one, else the name
        as it is (so a names-only question is written byte for byte as before)."""
        description = self.descriptions.get(entity_type)
        return entity_type if description is None else EntityType(entity_type, description)

    @property
    def types(self) -> list[str]:
        """The types asked, in the order asked."""
        return [t for t, _ in self.answers]

    def answer_text(self, entity_type: str, mentions: Sequence[str]) -> str:
        """The answer to one question as written in the file, else as uniner writes it."""
        if entity_type in self.answer_texts:
            return self.answer_texts[entity_type]
        return format_answer(mentions)

    def turns(self, *, loss_on_acknowledgement: bool = False) -> list[Turn]:
        """The prompt turns (from :func:`uniner.prompts.conversation`)."""
        return conversation(
            self.text,
            [(self.asked(t), list(m)) for t, m in self.answers],
            self.dataset,
            loss_on_acknowledgement=loss_on_acknowledgement,
        )

    def to_official(self) -> dict[str, Any]:
        """The official UniversalNER record."""
        turns = conversation(self.text, [], self.dataset)
        rows = [{"from": _ROLE_NAMES[t.role], "value": t.content} for t in turns]
        for entity_type, mentions in self.answers:
            rows.append({"from": "human", "value": query_message(self.asked(entity_type))})
            rows.append({"from": "gpt", "value": self.answer_text(entity_type, mentions)})
        return {"id": self.id, "conversations": rows}

    @classmethod
    def from_official(
        cls, record: Any, *, path: str | Path = "<record>", line: int | None = None
    ) -> Conversation:
        """Parse one official record; anything else raises :class:`DataFormatError`."""
        return parse_record(record, Path(path), line, "record")


def parse_record(record: Any, path: Path, line: int | None, where: str) -> Conversation:
    """One official record as a :class:`Conversation`; errors name the record and turn."""

    def bad(expected: str) -> DataFormatError:
        return DataFormatError(path, line, f"{where}: {expected}")

    if not isinstance(record, dict) or not isinstance(record.get("conversations"), list):
        raise bad("an object with a 'conversations' list")
    values = [_turn_value(turn, n, bad) for n, turn in enumerate(record["conversations"])]
    passage = read_passage_message(values[0]) if values else None
    if passage is None:
        first = values[0][:60] if values else ""
        raise bad(f"first turn 'Text: <passage>', got {first!r}")
    if len(values) < 4 or len(values) % 2:
        raise bad(
            "passage, acknowledgement, then query/answer pairs "
            f"(an even number >= 4 of turns, got {len(values)})"
        )
    result = Conversation(_record_id(record), passage[0], [], passage[1])
    for n in range(2, len(values), 2):
        entity_type = read_query_message(values[n])  # the name as written
        query = read_query(values[n])
        if entity_type is None or query is None:
            raise bad(f"turn {n + 1}: 'What describes <type> in the text?', got {values[n][:60]!r}")
        if entity_type in result.answer_texts:  # asked twice in one record: the first counts
            continue
        mentions = [m.text for m in parse_answer(values[n + 1]).mentions]
        result.answers.append((entity_type, mentions))
        result.answer_texts[entity_type] = values[n + 1]
        if query.description is not None:
            result.descriptions[entity_type] = query.description
    return result


def _turn_value(turn: Any, n: int, bad: Any) -> str:
    roles = USER_ROLES if n % 2 == 0 else ASSISTANT_ROLES
    if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
        raise bad(f"turn {n + 1}: an object with a string 'value'")
    if turn.get("from") not in roles:
        raise bad(f"turn {n + 1}: 'from' one of {roles}, got {turn.get('from')!r}")
    return str(turn["value"])


def _record_id(record: dict[str, Any]) -> str:
    value = record.get("id")
    return "" if value is None else str(value)


# ---------------------------------------------------------------- files of records


def read_conversation_records(path: str | Path) -> list[Conversation]:
    """Every record of a conversation file: a JSON list (the released files; any extension)
    or, in a ``.jsonl`` file, one record a line (the training form)."""
    path = Path(path)
    text = read_text(path)
    if path.suffix != ".jsonl" or text.lstrip().startswith("["):
        data = read_json(path, "a JSON list of conversation records")
        if not isinstance(data, list):
            raise DataFormatError(path, 1, "a JSON list of conversation records")
        return [parse_record(item, path, None, f"record {i}") for i, item in enumerate(data, 1)]
    records = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                item = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataFormatError(path, lineno, f"invalid JSON ({err.msg})") from err
            records.append(parse_record(item, path, lineno, "record"))
    return records


def write_conversation_records(conversations: Iterable[Conversation], path: str | Path) -> int:
    """Write official records, one JSON object a line (the training form); returns how many."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for item in conversations:
            handle.write(json.dumps(item.to_official(), ensure_ascii=False) + "\n")
            count += 1
    return count


# ---------------------------------------------------------------- the evaluation view


def read_conversations(path: Path) -> list[AnnotatedText]:
    """Read a conversation-format file into annotated texts, one per passage."""
    return [_to_annotated(group) for group in _group_by_passage(read_conversation_records(path))]


def _group_by_passage(records: list[Conversation]) -> list[list[Conversation]]:
    """Consecutive records about one passage; a repeated type starts a new passage."""
    groups: list[list[Conversation]] = []
    asked: set[str] = set()
    for record in records:
        types = set(record.types)
        previous = groups[-1][-1] if groups else None
        same = (
            previous is not None
            and (previous.text, previous.dataset) == (record.text, record.dataset)
            and not types & asked
        )
        if same:
            groups[-1].append(record)
            asked |= types
        else:
            groups.append([record])
            asked = set(types)
    return groups


def _to_annotated(group: list[Conversation]) -> AnnotatedText:
    text = group[0].text
    answers: dict[str, str] = {}  # type -> the answer string as written
    ids: dict[str, str] = {}
    entities: list[Entity] = []
    ungrounded: dict[str, list[str]] = {}
    for record in group:
        for entity_type, mentions in record.answers:
            answers[entity_type] = record.answer_text(entity_type, mentions)
            if record.id:
                ids[entity_type] = record.id
            found, missing = ground_all(text, mentions, entity_type)
            entities.extend(found)
            if missing:
                ungrounded[entity_type] = missing
    meta: dict[str, Any] = {"ids": ids}
    if ungrounded:
        meta["ungrounded"] = ungrounded
    if group[0].dataset:
        meta["prompt_dataset"] = group[0].dataset
    return AnnotatedText(
        text, sorted(entities), list(answers), id=group[0].id or None, meta=meta, answers=answers
    )


def write_conversations(dataset: Dataset, path: Path, *, multi_turn: bool = False) -> None:
    """Write a dataset as conversation JSON: one record per (passage, type), or per passage.

    Stored answer strings are written verbatim, so reading then writing an official file
    reproduces its answers exactly.
    """
    rows: list[dict[str, Any]] = []
    for i, record in enumerate(dataset.records):
        answers = {t: answer_for(record, t) for t in record.types}
        if multi_turn:
            whole = _conversation(record, record.types, answers, record.id or f"{dataset.name}_{i}")
            rows.append(whole.to_official())
            continue
        ids = record.meta.get("ids", {})
        for entity_type in record.types:
            row_id = ids.get(entity_type) or f"{dataset.name}_{len(rows)}"
            rows.append(_conversation(record, [entity_type], answers, row_id).to_official())
    write_json(path, rows)


def _conversation(
    record: AnnotatedText, types: Sequence[str], answers: dict[str, str], row_id: str
) -> Conversation:
    """The record's questions about ``types`` as one official record."""
    return Conversation(
        row_id,
        record.text,
        [(t, []) for t in types],
        record.meta.get("prompt_dataset"),
        answer_texts={t: answers[t] for t in types},
    )
