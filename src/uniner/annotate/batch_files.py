"""The Batch API's files: the request lines uniner writes and the result lines it reads back.

An input file holds one request a line, named by its ``custom_id`` (uniner uses the request's
cache key, so a result goes straight to the cache; 64 hex characters, unique in a batch, as
batch APIs require)::

    {"custom_id": KEY, "method": "POST", "url": "/v1/chat/completions", "body": {...}}

The output file and the error file hold one result a line, in any order::

    {"id": ..., "custom_id": KEY, "response": {"status_code": 200, "body": {...}}, "error": null}
    {"id": ..., "custom_id": KEY, "response": null, "error": {"code": ..., "message": ...}}

The body sent is the one ``OpenAITeacher`` sends, so both paths ask the same question.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from uniner.annotate.teacher import Messages, SamplingParams, TeacherResponse
from uniner.errors import TeacherError

ENDPOINT = "/v1/chat/completions"


def request_line(key: str, model: str, messages: Messages, params: SamplingParams) -> str:
    """One line of a batch input file (without the newline).

    >>> line = request_line("k1", "gpt-4o-mini", [{"role": "user", "content": "Hi"}],
    ...     SamplingParams())
    >>> row = json.loads(line)
    >>> row["custom_id"], row["url"], row["body"]["model"], row["body"]["max_tokens"]
    ('k1', '/v1/chat/completions', 'gpt-4o-mini', 1024)
    """
    body = {
        "model": model,
        "messages": messages,
        "temperature": params.temperature,
        "max_tokens": params.max_tokens,
    }
    line = {"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}
    return json.dumps(line, ensure_ascii=False)


@dataclass
class BatchResults:
    """What a batch's output and error files say: an answer or an error per custom_id."""

    answers: dict[str, TeacherResponse] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read_results(text: str, *, source: str, into: BatchResults | None = None) -> BatchResults:
    """Read an output or error file's lines into ``into`` (a new ``BatchResults`` if None).

    Args:
        text: the file's content.
        source: the file's id, named in errors.

    Raises:
        TeacherError: a line is not a batch result.
    """
    results = into if into is not None else BatchResults()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            key = row["custom_id"]
            outcome = _outcome(row)
        except (ValueError, KeyError, TypeError, IndexError) as err:
            raise TeacherError(
                f"batch file {source}, line {number}: not a batch result ({err!r}): {line[:200]}"
            ) from err
        if isinstance(outcome, TeacherResponse):
            results.answers[key] = outcome
            results.errors.pop(key, None)
        elif key not in results.answers:
            results.errors[key] = outcome
    return results


def _outcome(row: dict[str, Any]) -> TeacherResponse | str:
    """The answer in one result line, or why there is none."""
    error = row.get("error")
    if error:
        return f"{error.get('code')}: {error.get('message')}"
    response = row["response"]
    body = response.get("body") or {}
    if response["status_code"] != 200:
        message = (body.get("error") or {}).get("message", "")
        return f"HTTP {response['status_code']}: {message}".rstrip(": ")
    choices = body["choices"]
    if not choices:
        return "the response has no choices"
    usage = body.get("usage") or {}
    return TeacherResponse(
        text=choices[0]["message"].get("content") or "",
        prompt_tokens=int(usage.get("prompt_tokens", 0)),
        completion_tokens=int(usage.get("completion_tokens", 0)),
        finish_reason=choices[0].get("finish_reason"),
        batch=True,
    )
