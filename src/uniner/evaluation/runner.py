"""Running a model over a benchmark and scoring it.

The model is anything with the engine's ``predict`` method (see :class:`Predictor`): the
runner asks it about each dataset's passages, keeps its raw answers for the official metric
and its grounded mentions for the strict one, and writes the results (JSON, Markdown, PNG).
A directory of prediction files can be scored the same way (:func:`evaluate_predictions`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from uniner.data.io import load_dataset, write_dataset
from uniner.errors import DatasetNotFoundError
from uniner.evaluation.benchmarks import Benchmark, DatasetSpec, get_benchmark
from uniner.evaluation.official import official_response
from uniner.evaluation.scoring import METRICS, Metric, Score, score_datasets
from uniner.types import AnnotatedText, Dataset, Entity


class PredictionLike(Protocol):
    """What the engine's ``Prediction`` offers the runner."""

    @property
    def text(self) -> str: ...
    @property
    def entities(self) -> Sequence[Entity]: ...
    @property
    def answers(self) -> dict[str, str]: ...


class Predictor(Protocol):
    """Anything that predicts mentions of ``types`` in ``texts`` (``uniner.NERModel`` does)."""

    def predict(
        self,
        texts: list[str],
        types: list[str],
        *,
        dataset: str | None = None,
        batch_size: int = 8,
        progress: bool = False,
    ) -> Sequence[PredictionLike]: ...


@dataclass
class EvalConfig:
    """The options of one benchmark run (written next to its results)."""

    benchmark: str = "zero-shot"
    limit: int | None = None
    batch_size: int = 8
    metrics: tuple[Metric, ...] = ("official", "strict")
    data_root: str | None = None
    config: str | None = None
    model: str | None = None

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


# A source of predictions for one dataset: (spec, gold records) -> predicted dataset.
PredictFn = Callable[[DatasetSpec, Dataset], Dataset]


def run_benchmark(
    bench: Benchmark, predict: PredictFn, config: EvalConfig, *, progress: bool = True
) -> BenchmarkResult:
    """Load each dataset, get its predictions from ``predict``, and score them."""
    from tqdm.auto import tqdm

    result = BenchmarkResult(bench.name, config)
    for spec in tqdm(bench.datasets, desc=bench.name, unit="dataset", disable=not progress):
        try:
            gold = spec.load(config.data_root)
        except DatasetNotFoundError as err:
            result.missing[spec.name] = str(err)
            continue
        if config.limit is not None:
            gold.records = gold.records[: config.limit]
        started = time.perf_counter()
        try:
            predicted = predict(spec, gold)
        except DatasetNotFoundError as err:
            result.missing[spec.name] = str(err)
            continue
        scores: dict[str, Score] = {m: score_datasets(gold, predicted, m) for m in config.metrics}
        queries = sum(len(r.types) for r in gold.records)
        seconds = time.perf_counter() - started
        result.datasets.append(
            DatasetResult(spec.name, spec.domain, len(gold.records), queries, seconds, scores)
        )
    return result


def model_predictions(
    model: Predictor, gold: Dataset, *, batch_size: int = 8, progress: bool = False
) -> Dataset:
    """Ask ``model`` every gold passage's types; keep answers (cleaned as the official
    pipeline does) and the mentions it grounded, restricted to the asked types.

    Passages asking the same *set* of types share one ``predict`` call, so they are batched
    together: a query's answer does not depend on the order the types are asked in (each type
    is its own question), and the official files list each passage's types in its own order.
    """
    # type set -> (its types in the order its first passage lists them, record indices)
    groups: dict[frozenset[str], tuple[tuple[str, ...], list[int]]] = {}
    for i, record in enumerate(gold.records):
        group = groups.setdefault(frozenset(record.types), (tuple(record.types), []))
        group[1].append(i)
    records: list[AnnotatedText | None] = [None] * len(gold.records)
    for types, indices in groups.values():
        texts = [gold.records[i].text for i in indices]
        outputs = model.predict(
            texts, list(types), dataset=None, batch_size=batch_size, progress=progress
        )
        if len(outputs) != len(texts):
            raise ValueError(
                f"the model returned {len(outputs)} predictions for {len(texts)} texts"
            )
        for i, output in zip(indices, outputs, strict=True):
            records[i] = _as_record(gold.records[i], output, tuple(gold.records[i].types))
    return Dataset(gold.name, [r for r in records if r is not None], list(gold.types), gold.domain)


def _as_record(
    gold: AnnotatedText, output: PredictionLike, types: tuple[str, ...]
) -> AnnotatedText:
    raw = {t: output.answers[t] for t in types if t in output.answers}
    entities = [e for e in output.entities if e.type in types]
    meta = {"answers": {t: official_response(a) for t, a in raw.items()}, "raw_answers": raw}
    return AnnotatedText(gold.text, sorted(set(entities)), list(types), id=gold.id, meta=meta)


def evaluate(
    model: Predictor,
    benchmark: str = "zero-shot",
    *,
    limit: int | None = None,
    out_dir: str | Path | None = None,
    data_root: str | Path | None = None,
    batch_size: int = 8,
    metrics: Sequence[Metric] = ("official", "strict"),
    config: str | Path | None = None,
    progress: bool = True,
) -> BenchmarkResult:
    """Run ``model`` over a benchmark and score it.

    Args:
        model: anything with the engine's ``predict`` (e.g. ``NERModel.from_pretrained()``).
        benchmark: a registered benchmark or dataset name (``zero-shot`` is the paper's 7 sets).
        limit: score only the first ``limit`` passages of each dataset.
        out_dir: where to write results.json/.md/.png, the config and the predictions.
        data_root: where relative dataset paths start (default ``uniner.paths.data_root()``).
        batch_size: passed to ``model.predict``.
        metrics: ``official`` and/or ``strict``; the first is the summary's.
        config: a YAML/JSON file with more datasets and benchmarks.
        progress: show progress bars.

    Returns:
        The scores per dataset and the datasets that were missing.
    """
    run = EvalConfig(
        benchmark,
        limit,
        batch_size,
        tuple(metrics),
        _str(data_root),
        _str(config),
        model=getattr(model, "name", None) or type(model).__name__,
    )
    predictions: dict[str, Dataset] = {}

    def predict(spec: DatasetSpec, gold: Dataset) -> Dataset:
        predictions[spec.name] = model_predictions(
            model, gold, batch_size=batch_size, progress=progress
        )
        return predictions[spec.name]

    result = run_benchmark(get_benchmark(benchmark, config=config), predict, run, progress=progress)
    if out_dir is not None:
        from uniner.evaluation.report import write_report

        write_report(result, out_dir)
        for name, dataset in predictions.items():
            write_dataset(dataset, Path(out_dir) / "predictions" / f"{name}.jsonl", format="jsonl")
    return result


def evaluate_predictions(
    predictions_dir: str | Path,
    benchmark: str = "zero-shot",
    *,
    limit: int | None = None,
    out_dir: str | Path | None = None,
    data_root: str | Path | None = None,
    metrics: Sequence[Metric] = ("official", "strict"),
    config: str | Path | None = None,
    progress: bool = True,
) -> BenchmarkResult:
    """Score a directory of prediction files, one per dataset (``<dataset name>.<ext>``, any
    supported format; ``evaluate`` writes such a directory under ``out_dir/predictions``).

    A dataset without a prediction file is reported as missing.
    """
    folder = Path(predictions_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"no predictions directory at {folder}")
    run = EvalConfig(benchmark, limit, 8, tuple(metrics), _str(data_root), _str(config))
    run.model = f"predictions:{folder}"

    def predict(spec: DatasetSpec, gold: Dataset) -> Dataset:
        files = sorted(p for p in folder.glob(f"{spec.name}.*") if p.is_file())
        if not files:
            raise DatasetNotFoundError(f"no predictions for {spec.name!r} in {folder}")
        predicted = load_dataset(files[0], name=spec.name, label_map=spec.label_map)
        if limit is not None:  # keep only the passages being scored, as often as gold has them
            wanted = Counter(r.text for r in gold.records)
            kept = []
            for record in predicted.records:
                if wanted[record.text] > 0:
                    wanted[record.text] -= 1
                    kept.append(record)
            predicted.records = kept
        return predicted

    result = run_benchmark(get_benchmark(benchmark, config=config), predict, run, progress=progress)
    if out_dir is not None:
        from uniner.evaluation.report import write_report

        write_report(result, out_dir)
    return result


def _str(value: str | Path | None) -> str | None:
    return None if value is None else str(value)
