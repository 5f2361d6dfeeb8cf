"""What a benchmark run produces: its config, each dataset's scores, and the summary.

Averages are honest about what they cover: ``None`` when nothing was scored (never a 0.0 that
reads as a model scoring zero), and ``partial`` when a dataset of the benchmark is missing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from uniner.evaluation.metrics import METRICS, Metric, Score


@dataclass
class EvalConfig:
    """The options of one benchmark run (written next to its results).

    Args:
        benchmark: a registered benchmark or dataset name (``zero-shot``: the paper's 7 sets;
            ``universal``: every test set we hold).
        limit: score only the first ``limit`` passages of each dataset.
        sample: score a random sample of ``sample`` passages of each dataset (seeded by
            ``seed`` and the dataset's name; kept in file order), so a small run is not
            biased to a file's first documents. Not with ``limit``.
        seed: the sample's seed.
        batch_size: passages per ``predict`` batch.
        metrics: ``official`` and/or ``strict``; the first is the summary's.
        data_root: where the bundled registry's relative dataset paths start (default
            ``uniner.paths.data_root()``); a config file's datasets start at its folder.
        config: a YAML/JSON file with more datasets and benchmarks.
        model: what the run calls the model (default: its ``name``).
        out_dir: where to write results.json/.md/.png, the config and the predictions.
        skip_malformed: leave out (and count) CoNLL lines without both a token and a tag.
        definitions: ask each type with its description from the dataset's definitions file
            (SLIMER's "zero-shot with definitions" protocol; a dataset without one is an
            error). Off: names only, the paper's protocol.
    """

    benchmark: str = "zero-shot"
    limit: int | None = None
    batch_size: int = 8
    metrics: tuple[Metric, ...] = ("official", "strict")
    data_root: str | None = None
    config: str | None = None
    model: str | None = None
    out_dir: str | None = None
    sample: int | None = None
    seed: int = 0
    skip_malformed: bool = False
    definitions: bool = False

    def __post_init__(self) -> None:
        for name in ("limit", "sample"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 1
            ):
                raise ValueError(f"{name} must be a positive number of passages, got {value!r}")
        if self.limit is not None and self.sample is not None:
            raise ValueError(
                f"give limit (the first passages) or sample (a random sample), not both: "
                f"limit={self.limit}, sample={self.sample}"
            )
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        self.metrics = tuple(self.metrics)
        bad = [m for m in self.metrics if m not in METRICS]
        if bad or not self.metrics:
            raise ValueError(
                f"metrics must be a non-empty subset of {METRICS}, got {self.metrics!r}"
            )

    def selection(self) -> dict[str, Any]:
        """Which passages of each dataset are scored: ``{"method": "all" | "first" | "sample",
        "n"?, "seed"?}``."""
        if self.sample is not None:
            return {"method": "sample", "n": self.sample, "seed": self.seed}
        if self.limit is not None:
            return {"method": "first", "n": self.limit}
        return {"method": "all"}


@dataclass
class DatasetResult:
    """One dataset's scores under each metric.

    ``passages`` were scored out of ``available`` in the file (fewer with limit or sample);
    ``skipped_lines`` counts the malformed lines ``skip_malformed`` left out of the file.
    """

    name: str
    domain: str
    passages: int
    queries: int
    seconds: float
    scores: dict[str, Score]
    available: int | None = None
    skipped_lines: int = 0

    def f1(self, metric: str) -> float:
        return self.scores[metric].f1


@dataclass
class BenchmarkResult:
    """Every dataset's scores, the datasets that could not be scored, and the run's config.

    ``resumed`` names the datasets whose predictions a stopped run had finished (their
    ``seconds`` are that run's)."""

    benchmark: str
    config: EvalConfig
    datasets: list[DatasetResult] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # dataset name -> why
    resumed: list[str] = field(default_factory=list)

    @property
    def primary(self) -> str:
        """The metric the summary reports: the first one asked."""
        return self.config.metrics[0]

    @property
    def partial(self) -> bool:
        """Whether some dataset of the benchmark was not scored (the averages leave it out)."""
        return bool(self.missing)

    @property
    def multi_domain(self) -> bool:
        """Whether some domain holds several scored datasets, so that the domain average (the
        paper's figure) differs from the dataset average and the report leads with it."""
        domains = {d.domain for d in self.datasets}
        return 1 < len(domains) < len(self.datasets)

    def average(self, metric: str | None = None) -> float | None:
        """Macro-average F1 over the scored datasets; None when none was scored."""
        scores = [d.f1(metric or self.primary) for d in self.datasets]
        return sum(scores) / len(scores) if scores else None

    def domains(self, metric: str | None = None) -> dict[str, float]:
        """Macro-average F1 per domain, domains in first-seen order."""
        by_domain: dict[str, list[float]] = {}
        for d in self.datasets:
            by_domain.setdefault(d.domain, []).append(d.f1(metric or self.primary))
        return {k: sum(v) / len(v) for k, v in by_domain.items()}

    def domain_average(self, metric: str | None = None) -> float | None:
        """The mean of the per-domain F1s (each domain the mean of its datasets), as the
        paper averages its 43 datasets; None when none was scored."""
        per_domain = self.domains(metric)
        return sum(per_domain.values()) / len(per_domain) if per_domain else None

    def domain_datasets(self) -> dict[str, list[str]]:
        """The scored datasets of each domain, domains in first-seen order."""
        grouped: dict[str, list[str]] = {}
        for d in self.datasets:
            grouped.setdefault(d.domain, []).append(d.name)
        return grouped

    def skipped_lines(self) -> dict[str, int]:
        """Malformed lines left out per dataset, for the datasets that had any."""
        return {d.name: d.skipped_lines for d in self.datasets if d.skipped_lines}

    def summary(self) -> dict[str, Any]:
        """``{"datasets": {name: {precision, recall, f1, domain}}, "average": {"f1", "partial",
        "datasets"}, "domains", "domain_average": {"f1", "partial", "domains"}, "missing",
        "passages": {"method", ...}, "skipped_lines"}``; each ``f1`` is None when nothing was
        scored."""
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
            "average": {
                "f1": self.average(),
                "partial": self.partial,
                "datasets": len(self.datasets),
            },
            "domains": self.domains(),
            "domain_average": {
                "f1": self.domain_average(),
                "partial": self.partial,
                "domains": len(self.domains()),
            },
            "missing": dict(self.missing),
            "passages": self.config.selection(),
            "skipped_lines": self.skipped_lines(),
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything but the error lists: summary, per-metric scores with per-type, config."""
        detail = {
            d.name: {
                "domain": d.domain,
                "passages": d.passages,
                "available": d.available,
                "queries": d.queries,
                "seconds": round(d.seconds, 3),
                "skipped_lines": d.skipped_lines,
                **{m: _without_errors(s.to_dict()) for m, s in d.scores.items()},
            }
            for d in self.datasets
        }
        averages = {m: self.average(m) for m in self.config.metrics}
        domain_averages = {m: self.domain_average(m) for m in self.config.metrics}
        return {
            **self.summary(),
            "detail": detail,
            "averages": averages,
            "domain_averages": domain_averages,
            "resumed": list(self.resumed),
            "config": asdict(self.config),
        }


def _without_errors(score: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in score.items() if k not in ("false_positives", "false_negatives")}
