"""Scoring NER output: the official UniversalNER metric, the strict span metric, benchmarks.

>>> from uniner.evaluation import official_score
>>> official_score(['["Ada Lovelace"]'], ['["ada lovelace"]']).correct
1
"""

from __future__ import annotations

from uniner.evaluation.benchmarks import (
    Benchmark,
    DatasetSpec,
    Registry,
    get_benchmark,
    load_registry,
)
from uniner.evaluation.metrics import METRICS, align, score_datasets, score_files
from uniner.evaluation.official import (
    OfficialScore,
    normalize_answer,
    official_response,
    official_score,
    parse_answer,
)
from uniner.evaluation.results import BenchmarkResult, DatasetResult, EvalConfig
from uniner.evaluation.stage import evaluate, evaluate_predictions
from uniner.evaluation.strict import SpanError, SpanPair, StrictScore, TypeScore, strict_score
from uniner.types import Predictor  # defined once, with the records; re-exported here

__all__ = [
    "METRICS",
    "Benchmark",
    "BenchmarkResult",
    "DatasetResult",
    "DatasetSpec",
    "EvalConfig",
    "OfficialScore",
    "Predictor",
    "Registry",
    "SpanError",
    "SpanPair",
    "StrictScore",
    "TypeScore",
    "align",
    "evaluate",
    "evaluate_predictions",
    "get_benchmark",
    "load_registry",
    "normalize_answer",
    "official_response",
    "official_score",
    "parse_answer",
    "score_datasets",
    "score_files",
    "strict_score",
]
