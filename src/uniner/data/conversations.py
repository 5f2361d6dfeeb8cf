"""The official UniversalNER conversation JSON ("uniner" format).

One record per (passage, type), as in the paper's released test files::

    {"id": "CrossNER_AI_0", "conversations": [
      {"from": "human", "value": "Text: <passage>"},
      {"from": "gpt",   "value": "I've read this text."},
      {"from": "human", "value": "What describes <type> in the text?"},
      {"from": "gpt",   "value": "[\\"mention\\", ...]"}]}

or the multi-turn training form, with several query/answer pairs after the acknowledgement.
Reading groups consecutive records about the same passage into one :class:`AnnotatedText`
whose ``types`` are the asked types in order; ``meta["answers"][type]`` keeps each exact
answer string (the official metric compares strings) and ``meta["ids"][type]`` the record id.
Mentions are grounded to every occurrence; those not found are listed in
``meta["ungrounded"][type]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uniner.data._io import read_json, write_json
from uniner.data.answers import answer_for
from uniner.data.grounding import answer_mentions, ground
from uniner.errors import DataFormatError
from uniner.prompts import ACKNOWLEDGEMENT, passage_message, query_message
from uniner.types import AnnotatedText, Dataset, Entity

PASSAGE = re.compile(r"(?:Dataset: (?P<dataset>.*?) \n)?Text: (?P<text>.*)", re.DOTALL)
QUERY = re.compile(r"What describes (?P<type>.+) in the text\?", re.DOTALL)
USER_ROLES = ("human", "user")
ASSISTANT_ROLES = ("gpt", "assistant")


@dataclass
class _Record:
    """One parsed conversation: its passage and its (type, answer) pairs."""

    id: str | None
    text: str
    prompt_dataset: str | None
    answers: list[tuple[str, str]] = field(default_factory=list)


def read_conversations(path: Path) -> list[AnnotatedText]:
    """Read a conversation-format file into annotated texts, one per passage."""
    data = read_json(path, "a JSON list of conversation records")
    if not isinstance(data, list):
        raise DataFormatError(path, 1, "a JSON list of conversation records")
    parsed = [_parse_record(path, i, item) for i, item in enumerate(data, start=1)]
    return [_to_annotated(group) for group in _group_by_passage(parsed)]


def _parse_record(path: Path, index: int, item: Any) -> _Record:
    where = f"record {index}"
    if not isinstance(item, dict) or not isinstance(item.get("conversations"), list):
        raise DataFormatError(path, None, f"{where}: an object with a 'conversations' list")
    turns = item["conversations"]
    values = [_turn_value(path, where, n, turn) for n, turn in enumerate(turns)]
    if len(values) < 4 or len(values) % 2:
        raise DataFormatError(
            path,
            None,
            f"{where}: passage, acknowledgement, then query/answer pairs "
            f"(an even number >= 4 of turns, got {len(values)})",
        )
    passage = PASSAGE.fullmatch(values[0])
    if passage is None:
        raise DataFormatError(
            path, None, f"{where}: first turn 'Text: <passage>', got {values[0][:60]!r}"
        )
    record = _Record(_record_id(item), passage["text"], passage["dataset"])
    for n in range(2, len(values), 2):
        query = QUERY.fullmatch(values[n])
        if query is None:
            raise DataFormatError(
                path,
                None,
                f"{where}, turn {n + 1}: 'What describes <type> in the text?', "
                f"got {values[n][:60]!r}",
            )
        record.answers.append((query["type"], values[n + 1]))
    return record


def _turn_value(path: Path, where: str, n: int, turn: Any) -> str:
    roles = USER_ROLES if n % 2 == 0 else ASSISTANT_ROLES
    if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
        raise DataFormatError(path, None, f"{where}, turn {n + 1}: an object with a string 'value'")
    if turn.get("from") not in roles:
        raise DataFormatError(
            path, None, f"{where}, turn {n + 1}: 'from' one of {roles}, got {turn.get('from')!r}"
        )
    return str(turn["value"])


def _record_id(item: dict[str, Any]) -> str | None:
    value = item.get("id")
    return None if value is None else str(value)


def _group_by_passage(records: list[_Record]) -> list[list[_Record]]:
    """Consecutive records about one passage; a repeated type starts a new passage."""
    groups: list[list[_Record]] = []
    asked: set[str] = set()
    for record in records:
        types = {t for t, _ in record.answers}
        previous = groups[-1][-1] if groups else None
        same = (
            previous is not None
            and (previous.text, previous.prompt_dataset) == (record.text, record.prompt_dataset)
            and not types & asked
        )
        if same:
            groups[-1].append(record)
            asked |= types
        else:
            groups.append([record])
            asked = set(types)
    return groups


def _to_annotated(group: list[_Record]) -> AnnotatedText:
    text = group[0].text
    answers: dict[str, str] = {}
    ids: dict[str, str] = {}
    entities: list[Entity] = []
    ungrounded: dict[str, list[str]] = {}
    for record in group:
        for type, answer in record.answers:
            if type in answers:  # a type asked twice in one conversation: keep the first
                continue
            answers[type] = answer
            if record.id is not None:
                ids[type] = record.id
            found, missing = ground(text, answer_mentions(answer), type)
            entities.extend(found)
            if missing:
                ungrounded[type] = missing
    meta: dict[str, Any] = {"answers": answers, "ids": ids}
    if ungrounded:
        meta["ungrounded"] = ungrounded
    if group[0].prompt_dataset:
        meta["prompt_dataset"] = group[0].prompt_dataset
    return AnnotatedText(text, sorted(entities), list(answers), id=group[0].id, meta=meta)


def write_conversations(dataset: Dataset, path: Path, *, multi_turn: bool = False) -> None:
    """Write a dataset as conversation JSON: one record per (passage, type), or per passage.

    Stored answer strings are written verbatim, so reading then writing an official file
    reproduces its answers exactly.
    """
    rows: list[dict[str, Any]] = []
    for i, record in enumerate(dataset.records):
        head = [_turn("human", passage_message(record.text, record.meta.get("prompt_dataset")))]
        head.append(_turn("gpt", ACKNOWLEDGEMENT))
        pairs = [
            [_turn("human", query_message(t)), _turn("gpt", answer_for(record, t))]
            for t in record.types
        ]
        if multi_turn:
            turns = head + [turn for pair in pairs for turn in pair]
            rows.append({"id": record.id or f"{dataset.name}_{i}", "conversations": turns})
            continue
        ids = record.meta.get("ids", {})
        for type, pair in zip(record.types, pairs, strict=True):
            row_id = ids.get(type) or f"{dataset.name}_{len(rows)}"
            rows.append({"id": row_id, "conversations": head + pair})
    write_json(path, rows)


def _turn(role: str, value: str) -> dict[str, str]:
    return {"from": role, "value": value}
