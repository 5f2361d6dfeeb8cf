"""Corpus-level figures of an annotation run: drops, types, their long tail, usage and cost."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from uniner.annotate.filtering import FilterResult, count_reasons
from uniner.annotate.teacher import TeacherResponse

TOP_TYPES = 30
BATCH_DISCOUNT = 0.5  # the Batch API bills half the online price per token


@dataclass(frozen=True)
class Usage:
    """Token totals of a set of responses and what they cost."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @classmethod
    def of(cls, responses: Sequence[TeacherResponse]) -> Usage:
        return cls(
            len(responses),
            sum(r.prompt_tokens for r in responses),
            sum(r.completion_tokens for r in responses),
        )

    def cost(self, price_input: float, price_output: float) -> float:
        """USD, given prices per million prompt and completion tokens."""
        return (self.prompt_tokens * price_input + self.completion_tokens * price_output) / 1e6

    def to_dict(self, price_input: float, price_output: float) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": round(self.cost(price_input, price_output), 6),
        }


def cost_report(
    responses: Sequence[TeacherResponse], price_input: float, price_output: float
) -> dict[str, Any]:
    """Tokens and cost of ``responses``: batch answers at half price, online ones at full.

    When some came through the Batch API, ``batch`` gives their part, and ``online_cost_usd``
    what they would have cost online.

    >>> report = cost_report([TeacherResponse("[]", 1000, 100),
    ...     TeacherResponse("[]", 1000, 100, batch=True)], 2.0, 10.0)
    >>> report["cost_usd"], report["batch"]["cost_usd"], report["batch"]["online_cost_usd"]
    (0.0045, 0.0015, 0.003)
    """
    online = Usage.of([r for r in responses if not r.batch])
    batch = Usage.of([r for r in responses if r.batch])
    batch_prices = (price_input * BATCH_DISCOUNT, price_output * BATCH_DISCOUNT)
    report = Usage.of(responses).to_dict(price_input, price_output)
    cost = online.cost(price_input, price_output) + batch.cost(*batch_prices)
    report["cost_usd"] = round(cost, 6)
    if batch.requests:
        report["batch"] = {
            **batch.to_dict(*batch_prices),
            "online_cost_usd": round(batch.cost(price_input, price_output), 6),
        }
    return report


def type_shares(type_counts: Counter[str]) -> dict[str, float]:
    """The share of mentions carried by the top 1% of types, the next 9%, and the rest.

    The paper reports 74% / 19% / 7% on Pile-NER. Tiers hold ``ceil(1%)`` and ``ceil(10%)``
    of the distinct types (so the top tier is never empty).

    >>> type_shares(Counter({"person": 6, "city": 3, "dog": 1}))
    {'top_1pct': 0.6, 'top_1_10pct': 0.0, 'rest': 0.4}
    """
    counts = sorted(type_counts.values(), reverse=True)
    total = sum(counts)
    if not total:
        return {"top_1pct": 0.0, "top_1_10pct": 0.0, "rest": 0.0}
    first = math.ceil(0.01 * len(counts))
    tenth = max(first, math.ceil(0.10 * len(counts)))
    return {
        "top_1pct": round(sum(counts[:first]) / total, 4),
        "top_1_10pct": round(sum(counts[first:tenth]) / total, 4),
        "rest": round(sum(counts[tenth:]) / total, 4),
    }


def annotation_stats(results: Sequence[FilterResult]) -> dict[str, Any]:
    """Passages kept and dropped by reason, mentions kept and dropped by reason, types."""
    passage_drops, mention_drops = count_reasons(results)
    records = [r.record for r in results if r.record is not None]
    type_counts: Counter[str] = Counter(
        t for record in records for _, t in record.meta.get("mentions", [])
    )
    repairs: Counter[str] = Counter(rep for r in results for rep in r.repairs)
    return {
        "passages": {
            "annotated": len(results),
            "kept": len(records),
            "dropped": dict(sorted(passage_drops.items())),
        },
        "mentions": {
            "proposed": sum(r.mentions_proposed for r in results),
            "kept": sum(type_counts.values()),
            "spans": sum(len(record.entities) for record in records),
            "dropped": dict(sorted(mention_drops.items())),
        },
        "repairs": dict(sorted(repairs.items())),
        "types": {
            "distinct": len(type_counts),
            "shares": type_shares(type_counts),
            "top": [[t, n] for t, n in type_counts.most_common(TOP_TYPES)],
        },
    }
