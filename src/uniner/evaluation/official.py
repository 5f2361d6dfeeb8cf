"""The official UniversalNER metric, quirks included.

This reproduces, rule for rule, the scorer released with the paper (``src/eval/evaluate.py``
of the UniversalNER repository) so that our numbers sit beside the paper's table:

* an answer is parsed by ``re.match(r'\\[(.*?)\\]', answer)`` - the *first* ``[...]`` and only
  at the very *start* of the answer, non-greedy, ``.`` not crossing newlines - then
  ``json.loads``; no match means ``[]``, and *any* exception while parsing or normalising
  (bad JSON, a ``]`` inside a mention, a number among the items) makes the whole answer ``[]``;
* each item is normalised - lower-case, ``string.punctuation`` removed, the words a/an/the
  replaced by a space, whitespace collapsed - a list/tuple item element-wise into a tuple;
* duplicates are dropped, the first kept; the gold answer is parsed the same way;
* counts are summed over all records: correct = predicted items found in the gold list;
  precision = correct / (predicted + 1e-10), recall = correct / (gold + 1e-10),
  F1 = 2PR / (P + R + 1e-10).

The released pipeline also post-processes each generated response before scoring
(``r.split('ASSISTANT:')[-1].strip()``, its ``get_response``); :func:`official_response`
does that and the benchmark runner applies it to raw model output.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Union

_ANSWER = re.compile(r"\[(.*?)\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)
EPSILON = 1e-10  # the released scorer's guard against division by zero, kept for exactness

Item = Union[str, tuple[str, ...]]  # noqa: UP007 - runtime alias on Python 3.10


def normalize_answer(text: str) -> str:
    """Lower-case, drop ASCII punctuation, replace a/an/the by a space, collapse whitespace.

    >>> normalize_answer("The  U.S.-led  Coalition")
    'usled coalition'
    """
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def parse_answer(answer: str) -> list[Item]:
    """The normalised, de-duplicated items of one answer, exactly as the official parser.

    >>> parse_answer('["Paris", "the paris", "Rome"] trailing text')
    ['paris', 'rome']
    >>> parse_answer(' ["Paris"]')  # leading text: re.match fails
    []
    """
    try:
        match = _ANSWER.match(answer)
        items = json.loads(match.group() if match else "[]")
        parsed: list[Item] = []
        for item in items:
            if isinstance(item, (list, tuple)):
                normalised: Item = tuple(normalize_answer(element) for element in item)
            else:
                normalised = normalize_answer(item)
            if normalised not in parsed:
                parsed.append(normalised)
        return parsed
    except Exception:  # the released parser swallows every error, so must we
        return []


def official_response(generated: str) -> str:
    """The released pipeline's clean-up of one generated response (its ``get_response``).

    >>> official_response(' ["Ada"]')
    '["Ada"]'
    """
    return generated.split("ASSISTANT:")[-1].strip()


@dataclass(frozen=True)
class OfficialScore:
    """Micro counts and scores of the official metric."""

    precision: float
    recall: float
    f1: float
    correct: int
    predicted: int
    gold: int
    records: int

    metric = "official"

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, **asdict(self)}


def official_score(predictions: Sequence[str], golds: Sequence[str]) -> OfficialScore:
    """Score answer strings against gold answer strings, record by record.

    Unlike the released code (``zip``, which silently drops the tail of the longer list),
    lists of different lengths are an error.

    >>> score = official_score(['["Ada", "Bob"]'], ['["ada"]'])
    >>> score.correct, score.predicted, score.gold, round(score.precision, 6)
    (1, 2, 1, 0.5)
    """
    if len(predictions) != len(golds):
        raise ValueError(
            f"{len(predictions)} predictions but {len(golds)} gold answers: they pair record "
            "by record, so the counts must match"
        )
    correct = predicted = gold = 0
    for prediction, reference in zip(predictions, golds, strict=True):
        gold_items = parse_answer(reference)
        pred_items = parse_answer(prediction)
        correct += sum(1 for item in pred_items if item in gold_items)
        predicted += len(pred_items)
        gold += len(gold_items)
    return _score(correct, predicted, gold, len(golds))


def _score(correct: int, predicted: int, gold: int, records: int) -> OfficialScore:
    precision = correct / (predicted + EPSILON)
    recall = correct / (gold + EPSILON)
    f1 = 2 * precision * recall / (precision + recall + EPSILON)
    return OfficialScore(precision, recall, f1, correct, predicted, gold, records)
