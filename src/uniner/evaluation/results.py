"""What a benchmark run produces: its config, each dataset's scores, and the summary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from uniner.evaluation.metrics import METRICS, Metric, Score


@dataclass
class EvalConfig:
    """The options of one benchmark run (written next to its results).

    Args:
        benchmark: a registered benchmark or dataset name (``zero-shot``: the paper's 7 sets).
        limit: score only the first ``limit`` passages of each dataset.
        batch_size: passages per ``predict`` batch.
        metrics: ``official`` and/or ``strict``; the first is the summary's.
        data_root: where relative dataset paths start (default ``uniner.paths.data_root()``).
        config: a YAML/JSON file with more datasets and benchmarks.
        model: what the run calls the model (default: its ``name``).
        out_dir: where to write results.json/.md/.png, the config and the predictions.
    """

    benchmark: str = "zero-shot"
    limit: int | None = None
    batch_size: int = 8
    metrics: tuple[Metric, ...] = ("official", "strict")
    data_root: str | None = None
    config: str | None = None
    model: str | None = None
    out_dir: str | None = None

    def __post_init__(self) -> None:
        if self.limit is not None and (not isinstance(self.limit, int) or self.limit < 1):
            raise ValueError(f"limit must be a positive number of passages, got {self.limit!r}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        self.metrics = tuple(self.metrics)
        bad = [m for m in self.metrics if m not in METRICS]
        if bad or not self.metrics:
            raise ValueError(
                f"metrics must be a non-empty subset of {METRICS}, got {self.metrics!r}"
            )


@dataclass
class DatasetResult:
    """One dataset's scores under each metric."""

    name: str
    domain: str
    passages: int
    queries: int
    seconds: float
    scores: dict[str, Score]

    def f1(self, metric: str) -> float:
        return self.scores[metric].f1


@dataclass
class BenchmarkResult:
    """Every dataset's scores, the datasets that could not be scored, and the run's config."""

    benchmark: str
    config: EvalConfig
    datasets: list[DatasetResult] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # dataset name -> why

    @property
    def primary(self) -> str:
        """The metric the summary reports: the first one asked."""
        return self.config.metrics[0]

    def average(self, metric: str | None = None) -> float:
        """Macro-average F1 over the scored datasets (0.0 when none was scored)."""
        scores = [d.f1(metric or self.primary) for d in self.datasets]
        return sum(scores) / len(scores) if scores else 0.0

    def domains(self, metric: str | None = None) -> dict[str, float]:
        """Macro-average F1 per domain, domains in first-seen order."""
        by_domain: dict[str, list[float]] = {}
        for d in self.datasets:
            by_domain.setdefault(d.domain, []).append(d.f1(metric or self.primary))
        return {k: sum(v) / len(v) for k, v in by_domain.items()}

    def summary(self) -> dict[str, Any]:
        """``{"datasets": {name: {precision, recall, f1, domain}}, "average": {"f1"}, ...}``."""
        datasets = {}
        for d in self.datasets:
            score = d.scores[self.primary]
            datasets[d.name] = {
                "precision": score.precision,
                "recall": score.recall,
                "f1": score.f1,
                "domain": d.domain,
            }
        return {
            "benchmark": self.benchmark,
            "metric": self.primary,
            "datasets": datasets,
            "average": {"f1": self.average()},
            "domains": self.domains(),
            "missing": dict(self.missing),
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything but the error lists: summary, per-metric scores with per-type, config."""
        detail = {
            d.name: {
                "domain": d.domain,
                "passages": d.passages,
                "queries": d.queries,
                "seconds": round(d.seconds, 3),
                **{m: _without_errors(s.to_dict()) for m, s in d.scores.items()},
            }
            for d in self.datasets
        }
        averages = {m: self.average(m) for m in self.config.metrics}
        return {
            **self.summary(),
            "detail": detail,
            "averages": averages,
            "config": asdict(self.config),
        }


def _without_errors(score: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in score.items() if k not in ("false_positives", "false_negatives")}
