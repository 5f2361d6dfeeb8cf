"""Annotation stage: a teacher LLM labels sampled passages; answers are cached, parsed, filtered.

>>> from uniner.annotate import AnnotateConfig, annotate
>>> from uniner.corpus import CorpusConfig
>>> config = AnnotateConfig(CorpusConfig("pile.jsonl", n=1000), out="run",
...     teacher_url="http://localhost:8000/v1", teacher_model="my-teacher")  # doctest: +SKIP
>>> result = annotate(config)                                              # doctest: +SKIP

With ``AnnotateConfig(..., batch=True)`` the requests go through the OpenAI Batch API
(``OpenAIBatch``) at half price, into the same cache.
"""

from __future__ import annotations

from uniner.annotate.batch import BatchOutcome, OpenAIBatch
from uniner.annotate.cache import ResponseCache
from uniner.annotate.config import AnnotateConfig
from uniner.annotate.filtering import (
    EXCLUDED_TYPES,
    MENTION_REASONS,
    PASSAGE_REASONS,
    FilterResult,
    filter_answer,
    normalize_type,
)
from uniner.annotate.openai_teacher import OpenAITeacher, RetryPolicy
from uniner.annotate.parsing import ParsedAnswer, parse_tuple_list
from uniner.annotate.stage import AnnotateResult, annotate, make_batch, make_teacher
from uniner.annotate.stats import BATCH_DISCOUNT, Usage, annotation_stats, cost_report, type_shares
from uniner.annotate.teacher import SamplingParams, Teacher, TeacherResponse, request_key

__all__ = [
    "BATCH_DISCOUNT",
    "EXCLUDED_TYPES",
    "MENTION_REASONS",
    "PASSAGE_REASONS",
    "AnnotateConfig",
    "AnnotateResult",
    "BatchOutcome",
    "FilterResult",
    "OpenAIBatch",
    "OpenAITeacher",
    "ParsedAnswer",
    "ResponseCache",
    "RetryPolicy",
    "SamplingParams",
    "Teacher",
    "TeacherResponse",
    "Usage",
    "annotate",
    "annotation_stats",
    "cost_report",
    "filter_answer",
    "make_batch",
    "make_teacher",
    "normalize_type",
    "parse_tuple_list",
    "request_key",
    "type_shares",
]
