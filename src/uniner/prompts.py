"""Every prompt uniner sends or trains on, in one place.

The student conversation (paper, section 3)::

    USER:      Text: <passage>            (``Dataset: <name> \\nText: <passage>`` when supervised)
    ASSISTANT: I've read this text.
    USER:      What describes <type> in the text?
    ASSISTANT: ["mention", ...]           (one query/answer pair per type)

A type may carry a description (:class:`~uniner.entity_types.EntityType`); its question is then
``What describes <type> in the text? Description: <description>`` (:data:`DESCRIPTION_QUERY`),
versioned on its own (:data:`DESCRIPTION_TEMPLATE_VERSION`) so that names-only prompts, and the
students that learnt them, stay exactly as they were.

It is rendered in one of two styles, and the engine and the trainer both import the renderers
below so that training and inference cannot drift:

* ``uniner`` - the exact string format of the released UniversalNER checkpoints (FastChat's
  ``ner`` template: system line, ``USER: ``/``ASSISTANT: `` roles, answers closed by ``</s>``);
* ``chat``   - the same turns through the tokenizer's own chat template (modern instruct models).

The teacher prompts of the data-construction step (paper, section 2) live here too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from uniner.entity_types import EntityType

# Bump when any rendering below changes: caches and saved models record it and refuse a mismatch.
TEMPLATE_VERSION = "uniner-prompts-1"

# The question that carries a type's description, and its own version. A separate version, not a
# bump of TEMPLATE_VERSION: a names-only question is the same bytes as before, so every model and
# cache made with "uniner-prompts-1" stays valid; a student trained with descriptions records this
# one beside it (``uniner.json``, ``build_config.json``), and it is bumped when DESCRIPTION_QUERY
# changes. The names-only question comes first, unchanged: a student that never saw a
# description still reads its own question, and the engine's shared prefix still ends inside
# "What describes". "Description:" labels the text rather than "<type> means:", because
# descriptions come as definitions that name the type themselves ("'person' signifies ..."),
# as guidelines, or as noun phrases, and a label reads right before each of them (SLIMER labels
# its DEFINITION and GUIDELINES the same way).
DESCRIPTION_TEMPLATE_VERSION = "uniner-descriptions-1"
DESCRIPTION_QUERY = "What describes {type} in the text? Description: {description}"

# ---------------------------------------------------------------- student conversation

UNINER_SYSTEM = "A virtual assistant answers questions from a user based on the provided text."
ACKNOWLEDGEMENT = "I've read this text."
UNINER_EOS = "</s>"

Role = Literal["user", "assistant"]
Style = Literal["uniner", "chat"]
STYLES: tuple[Style, ...] = ("uniner", "chat")


@dataclass(frozen=True)
class Turn:
    """One message of a conversation; ``loss`` marks the assistant answers a student learns."""

    role: Role
    content: str
    loss: bool = False


def passage_message(text: str, dataset: str | None = None) -> str:
    """The first user turn: the passage, prefixed by its dataset name when supervised."""
    if dataset:
        return f"Dataset: {dataset} \nText: {text}"
    return f"Text: {text}"


def query_message(entity_type: str | EntityType) -> str:
    """The user turn that asks for one entity type, with its description when it has one.

    >>> query_message("drug")
    'What describes drug in the text?'
    >>> query_message(EntityType("drug", "a medication"))
    'What describes drug in the text? Description: a medication'
    """
    if isinstance(entity_type, EntityType):
        if entity_type.description is not None:
            return DESCRIPTION_QUERY.format(
                type=entity_type.name, description=entity_type.description
            )
        entity_type = entity_type.name
    return f"What describes {entity_type} in the text?"


# The two user messages read back (data files in the official form): the inverse of
# passage_message and query_message.
_PASSAGE_MESSAGE = re.compile(r"(?:Dataset: (?P<dataset>.*?) \n)?Text: (?P<text>.*)", re.DOTALL)
_QUERY_MESSAGE = re.compile(r"What describes (?P<type>.+) in the text\?", re.DOTALL)
_DESCRIBED_QUERY_MESSAGE = re.compile(
    r"What describes (?P<type>.+?) in the text\? Description: (?P<description>.+)", re.DOTALL
)


def read_passage_message(message: str) -> tuple[str, str | None] | None:
    """``(text, dataset)`` of a :func:`passage_message`, or None when it is not one.

    >>> read_passage_message("Dataset: conll2003 \nText: Ada met Bob.")
    ('Ada met Bob.', 'conll2003')
    """
    found = _PASSAGE_MESSAGE.fullmatch(message)
    return None if found is None else (found["text"], found["dataset"])


def read_query_message(message: str) -> str | None:
    """The entity type's name in a :func:`query_message` as written, or None when it is not
    one (the description, if any, is :func:`read_query`'s)."""
    found = _DESCRIBED_QUERY_MESSAGE.fullmatch(message) or _QUERY_MESSAGE.fullmatch(message)
    return None if found is None else found["type"]


def read_query(message: str) -> EntityType | None:
    """The entity type (and description) of a :func:`query_message`, or None when it is not one.

    >>> read_query("What describes drug in the text? Description: a medication")
    EntityType(name='drug', description='a medication')
    """
    name = read_query_message(message)
    if name is None or not name.strip():
        return None
    described = _DESCRIBED_QUERY_MESSAGE.fullmatch(message)
    return EntityType(name, described["description"] if described else None)


def format_answer(mentions: Sequence[str]) -> str:
    """The assistant's answer: a JSON list of mention strings (non-ASCII kept as is)."""
    return json.dumps(list(mentions), ensure_ascii=False)


# ---------------------------------------------------------------- reading an answer back
#
# The student is asked for ``["mention", ...]`` but a small model may stop early, add prose, or
# use odd escapes. :func:`parse_answer` takes the first ``[``, then every complete JSON string
# literal up to the matching ``]``; it never raises. Each mention keeps its character span in
# the answer so that a score can be computed from the tokens that produced it. Every reader of
# answers (engine, data readers, trainer) uses it; only the official metric keeps the paper's
# own stricter parser (``uniner.evaluation.official``), on purpose.

# A JSON string literal: quote, (non-quote-non-backslash | escape)*, quote.
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)


@dataclass(frozen=True)
class ParsedMention:
    """One mention string and the ``[start, end)`` span of its literal in the answer."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ParsedAnswer:
    """The mentions of one answer; ``complete`` is False when the list was never closed."""

    mentions: list[ParsedMention]
    complete: bool


def _unescape(body: str) -> str:
    try:
        value = json.loads(f'"{body}"')
    except json.JSONDecodeError:
        # A stray backslash: keep the characters as written.
        return body.replace('\\"', '"')
    return value if isinstance(value, str) else body


def parse_answer(answer: str) -> ParsedAnswer:
    """Parse the first JSON list of strings in ``answer``.

    Non-string items are skipped; an unterminated list yields the complete strings before the
    cut. Text with no ``[`` yields no mentions.

    >>> [m.text for m in parse_answer('["Ada", "Bob"]').mentions]
    ['Ada', 'Bob']
    """
    open_at = answer.find("[")
    if open_at < 0:
        return ParsedAnswer([], complete=False)
    mentions: list[ParsedMention] = []
    pos = open_at + 1
    while pos < len(answer):
        next_quote = answer.find('"', pos)
        next_close = answer.find("]", pos)
        if next_close >= 0 and (next_quote < 0 or next_close < next_quote):
            return ParsedAnswer(mentions, complete=True)
        if next_quote < 0:
            break
        match = _STRING.match(answer, next_quote)
        if match is None:  # unterminated string: the answer was cut off
            break
        text = _unescape(match.group(1)).strip()
        if text:
            mentions.append(ParsedMention(text, match.start(), match.end()))
        pos = match.end()
    return ParsedAnswer(mentions, complete=False)


def list_end(answer: str) -> int | None:
    """The index just past the ``]`` that closes the first JSON list, or None if still open.

    Used as a stopping rule while decoding: once the list is closed the answer is complete.
    """
    open_at = answer.find("[")
    if open_at < 0:
        return None
    in_string = escaped = False
    depth = 0
    for i in range(open_at, len(answer)):
        ch = answer[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def conversation(
    text: str,
    answers: Sequence[tuple[str | EntityType, Sequence[str] | None]],
    dataset: str | None = None,
    *,
    loss_on_acknowledgement: bool = False,
) -> list[Turn]:
    """Build the turns for one passage.

    Args:
        text: the passage.
        answers: ``(type, mentions)`` pairs in the order to ask them, a type a name or an
            :class:`~uniner.entity_types.EntityType` (asked with its description);
            ``mentions=None`` leaves the last query open for generation (inference).
        dataset: dataset name for the dataset-specific variant, or None.
        loss_on_acknowledgement: also train on ``I've read this text.`` (the released code
            does; the paper's text says loss is on the answers only).
    """
    turns = [
        Turn("user", passage_message(text, dataset)),
        Turn("assistant", ACKNOWLEDGEMENT, loss=loss_on_acknowledgement),
    ]
    for entity_type, mentions in answers:
        turns.append(Turn("user", query_message(entity_type)))
        if mentions is not None:
            turns.append(Turn("assistant", format_answer(mentions), loss=True))
    return turns


# ---------------------------------------------------------------- rendering: uniner style


def render_uniner(
    turns: Sequence[Turn],
    *,
    add_generation_prompt: bool = False,
) -> list[tuple[str, bool]]:
    """Render turns in the released checkpoints' format as ``(segment, carries_loss)`` pairs.

    Joining the segments gives the prompt string. An assistant segment that carries loss
    includes its closing ``</s>`` so the student learns to stop.
    """
    segments: list[tuple[str, bool]] = [(UNINER_SYSTEM + " ", False)]
    for turn in turns:
        if turn.role == "user":
            segments.append((f"USER: {turn.content} ASSISTANT:", False))
        else:
            segments.append((" ", False))
            segments.append((turn.content + UNINER_EOS, turn.loss))
    if not add_generation_prompt and turns and turns[-1].role == "user":
        raise ValueError("a conversation ending in a user turn needs add_generation_prompt=True")
    return segments


def uniner_prefix(text: str, dataset: str | None = None) -> str:
    """The part of a uniner-style prompt shared by every type query about ``text``."""
    return "".join(s for s, _ in render_uniner(conversation(text, [], dataset)))


def uniner_query(entity_type: str | EntityType) -> str:
    """The per-type suffix of a uniner-style prompt (ends where the answer starts)."""
    return f"USER: {query_message(entity_type)} ASSISTANT:"


# ---------------------------------------------------------------- rendering: chat style


def chat_messages(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """Turns as the ``[{"role", "content"}]`` list that ``apply_chat_template`` takes."""
    return [{"role": t.role, "content": t.content} for t in turns]


def render_chat(
    tokenizer: Any,
    turns: Sequence[Turn],
    *,
    add_generation_prompt: bool = False,
) -> list[tuple[str, bool]]:
    """Render turns with the tokenizer's chat template as ``(segment, carries_loss)`` pairs.

    The template is applied to growing prefixes of the conversation so that each assistant
    answer (and the end-of-turn marker the template puts after it) is its own segment.
    """
    segments: list[tuple[str, bool]] = []
    done = ""
    if not add_generation_prompt and turns and turns[-1].role == "user":
        raise ValueError("a conversation ending in a user turn needs add_generation_prompt=True")
    for i, turn in enumerate(turns):
        upto = chat_messages(turns[: i + 1])
        # A user segment includes the header that opens the next assistant turn.
        rendered = tokenizer.apply_chat_template(
            upto, tokenize=False, add_generation_prompt=turn.role == "user"
        )
        if not rendered.startswith(done):
            raise ValueError(
                "the tokenizer's chat template does not render conversations "
                "incrementally; use style='uniner'"
            )
        segments.append((rendered[len(done) :], turn.loss))
        done = rendered
    return segments


def render(
    style: Style,
    turns: Sequence[Turn],
    *,
    tokenizer: Any = None,
    add_generation_prompt: bool = False,
) -> list[tuple[str, bool]]:
    """Render turns in the given style; ``chat`` needs the tokenizer."""
    if style == "uniner":
        return render_uniner(turns, add_generation_prompt=add_generation_prompt)
    if style == "chat":
        if tokenizer is None or not getattr(tokenizer, "chat_template", None):
            raise ValueError("style='chat' needs a tokenizer with a chat template")
        return render_chat(tokenizer, turns, add_generation_prompt=add_generation_prompt)
    raise ValueError(f"unknown prompt style {style!r}; choose one of {STYLES}")


def default_style(tokenizer: Any) -> Style:
    """``chat`` when the tokenizer has a chat template, else the released ``uniner`` format."""
    return "chat" if getattr(tokenizer, "chat_template", None) else "uniner"


def pick_style(requested: str | None, card: dict[str, Any], tokenizer: Any) -> Style:
    """The caller's style, else the saved model card's, else what the tokenizer suggests."""
    style = requested or card.get("style") or default_style(tokenizer)
    if style not in STYLES:
        raise ValueError(f"unknown prompt style {style!r}; choose one of {STYLES}")
    return style


# ---------------------------------------------------------------- teacher (data construction)

TEACHER_SYSTEM = "You are a helpful information extraction system."

# Verbatim from the paper (Fig. 1): entity + free-form type.
TEACHER_ENTITY_PROMPT = (
    "Given a passage, your task is to extract all entities and identify their entity types. "
    "The output should be in a list of tuples of the following format: "
    '[("entity 1", "type of entity 1"), ... ]. Passage: {passage}'
)

# The paper's definition variant (types as short sentences); it tuned worse on the benchmark.
TEACHER_DEFINITION_PROMPT = (
    "Given a paragraph, your task is to extract all entities and concepts, and define their "
    "type using a short sentence. The output should be in the following format: "
    '[("entity", "definition of entity type in a short sentence"), ... ]. Paragraph: {passage}'
)

TEACHER_PROMPTS = {"entity": TEACHER_ENTITY_PROMPT, "definition": TEACHER_DEFINITION_PROMPT}


def teacher_messages(
    passage: str, template: str = TEACHER_ENTITY_PROMPT, system: str | None = TEACHER_SYSTEM
) -> list[dict[str, str]]:
    """The chat messages sent to the teacher for one passage."""
    if "{passage}" not in template:
        raise ValueError(f"a teacher template must contain '{{passage}}': {template!r}")
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": template.replace("{passage}", passage)})
    return messages
