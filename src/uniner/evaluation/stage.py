"""Running a model over a benchmark and scoring it (the evaluation stage).

The model is anything with the engine's ``predict`` method (:class:`uniner.types.Predictor`):
the runner asks it about each dataset's passages, keeps its raw answers for the official metric
and its grounded mentions for the strict one, and writes the results (JSON, Markdown, PNG).
A directory of prediction files can be scored the same way (:func:`evaluate_predictions`).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from uniner.data.io import load_dataset
from uniner.entity_types import describe
from uniner.errors import DatasetNotFoundError
from uniner.evaluation.benchmarks import Benchmark, DatasetSpec, get_benchmark
from uniner.evaluation.journal import RunJournal, run_key
from uniner.evaluation.metrics import Score, score_datasets
from uniner.evaluation.official import official_response
from uniner.evaluation.results import BenchmarkResult, DatasetResult, EvalConfig
from uniner.types import AnnotatedText, Dataset, PredictionLike, Predictor

# A source of predictions for one dataset: (spec, gold records) -> predicted dataset.
PredictFn = Callable[[DatasetSpec, Dataset], Dataset]


def run_benchmark(
    bench: Benchmark,
    predict: PredictFn,
    config: EvalConfig,
    *,
    progress: bool = True,
    journal: RunJournal | None = None,
) -> BenchmarkResult:
    """Load each dataset, keep the passages ``config`` selects, get their predictions from
    ``predict`` (or from ``journal``, where a stopped run finished them; each new one is
    recorded there), and score them. One bar counts the datasets."""
    from tqdm.auto import tqdm

    result = BenchmarkResult(bench.name, config)
    bar = tqdm(bench.datasets, desc=bench.name, unit="dataset", disable=not progress)
    for spec in bar:
        bar.set_postfix_str(spec.name)
        try:
            read = spec.read(config.data_root, skip_malformed=config.skip_malformed)
        except DatasetNotFoundError as err:
            result.missing[spec.name] = str(err)
            continue
        gold = read.dataset
        available = len(gold.records)
        gold.records = select_passages(gold, config)
        done = journal.load(spec.name, gold) if journal is not None else None
        if done is not None:
            predicted, seconds = done
            result.resumed.append(spec.name)
        else:
            started = time.perf_counter()
            try:
                predicted = predict(spec, gold)
            except DatasetNotFoundError as err:
                result.missing[spec.name] = str(err)
                continue
            seconds = time.perf_counter() - started
            if journal is not None:
                journal.record(spec.name, predicted, seconds)
        scores: dict[str, Score] = {m: score_datasets(gold, predicted, m) for m in config.metrics}
        queries = sum(len(r.types) for r in gold.records)
        result.datasets.append(
            DatasetResult(
                spec.name,
                spec.domain,
                len(gold.records),
                queries,
                seconds,
                scores,
                available=available,
                skipped_lines=len(read.skipped),
            )
        )
    return result


def select_passages(gold: Dataset, config: EvalConfig) -> list[AnnotatedText]:
    """The records ``config`` scores: all, the first ``limit``, or a seeded random ``sample``
    kept in file order. The sample's seed is the run's seed with the dataset's name, so each
    dataset gets its own draw, the same on every machine and Python version.

    >>> from uniner.types import AnnotatedText, Dataset
    >>> gold = Dataset("d", [AnnotatedText(str(i)) for i in range(10)])
    >>> [r.text for r in select_passages(gold, EvalConfig(sample=3, seed=1))]
    ['1', '7', '9']
    """
    records = gold.records
    if config.sample is not None and config.sample < len(records):
        draw = random.Random(f"{config.seed}:{gold.name}")
        return [records[i] for i in sorted(draw.sample(range(len(records)), config.sample))]
    if config.limit is not None:
        return records[: config.limit]
    return list(records)


def model_predictions(
    model: Predictor,
    gold: Dataset,
    *,
    batch_size: int = 8,
    progress: bool = False,
    descriptions: Mapping[str, str] | None = None,
) -> Dataset:
    """Ask ``model`` every gold passage's types; keep answers (cleaned as the official
    pipeline does) and the mentions it grounded, restricted to the asked types.

    Passages asking the same *set* of types share one ``predict`` call, so they are batched
    together: a query's answer does not depend on the order the types are asked in (each type
    is its own question), and the official files list each passage's types in its own order.

    ``descriptions`` (type -> description) asks those types with their description.

    With ``progress``, a dataset shows one bar: the engine's, when one call asks every passage
    (as in every bundled dataset), else one over the passages of all its calls.
    """
    from tqdm.auto import tqdm

    # type set -> (its types in the order its first passage lists them, record indices)
    groups: dict[frozenset[str], tuple[tuple[str, ...], list[int]]] = {}
    for i, record in enumerate(gold.records):
        group = groups.setdefault(frozenset(record.types), (tuple(record.types), []))
        group[1].append(i)
    ours = progress and len(groups) > 1  # else the one predict call draws the bar
    bar = tqdm(
        total=len(gold.records), desc=gold.name, unit="passage", leave=False, disable=not ours
    )
    records: list[AnnotatedText | None] = [None] * len(gold.records)
    for types, indices in groups.values():
        texts = [gold.records[i].text for i in indices]
        asked = describe(types, descriptions) if descriptions else list(types)
        outputs = model.predict(
            texts, asked, dataset=None, batch_size=batch_size, progress=progress and not ours
        )
        if len(outputs) != len(texts):
            raise ValueError(
                f"the model returned {len(outputs)} predictions for {len(texts)} texts"
            )
        for i, output in zip(indices, outputs, strict=True):
            records[i] = _as_record(gold.records[i], output, tuple(gold.records[i].types))
        bar.update(len(texts))
    bar.close()
    return Dataset(gold.name, [r for r in records if r is not None], list(gold.types), gold.domain)


def _as_record(
    gold: AnnotatedText, output: PredictionLike, types: tuple[str, ...]
) -> AnnotatedText:
    raw = {t: output.answers[t] for t in types if t in output.answers}
    entities = [e for e in output.entities if e.type in types]
    cleaned = {t: official_response(a) for t, a in raw.items()}
    return AnnotatedText(
        gold.text,
        sorted(set(entities)),
        list(types),
        id=gold.id,
        meta={"raw_answers": raw},
        answers=cleaned,
    )


def evaluate(
    model: Predictor,
    benchmark: str | EvalConfig = "zero-shot",
    *,
    progress: bool = True,
    resume: bool = True,
    **options: Any,
) -> BenchmarkResult:
    """Run ``model`` over a benchmark and score it: the evaluation stage.

    Args:
        model: anything with the engine's ``predict`` (e.g. ``NERModel.from_pretrained()``).
        benchmark: an :class:`EvalConfig`, or a registered benchmark or dataset name
            (``zero-shot`` is the paper's 7 sets, ``universal`` every test set we hold) with its
            fields as keyword arguments (``limit``, ``sample``, ``seed``, ``out_dir``,
            ``data_root``, ``batch_size``, ``metrics``, ``config``, ``skip_malformed``,
            ``definitions``).
        progress: show progress bars.
        resume: with ``out_dir``, reuse the datasets a stopped run of the same model and
            options finished there (:mod:`uniner.evaluation.journal`); False starts over.

    Returns:
        The scores per dataset, the datasets that were missing and those resumed.

    >>> evaluate(NERModel.from_pretrained(), EvalConfig("zero-shot", limit=50))  # doctest: +SKIP
    """
    run = _config(benchmark, options)
    if run.model is None:
        run.model = _model_name(model)
    journal = None
    if run.out_dir is not None:
        journal = RunJournal.open(run.out_dir, run_key(run, model), resume=resume)

    def predict(spec: DatasetSpec, gold: Dataset) -> Dataset:
        described = spec.descriptions(gold.types, run.data_root) if run.definitions else None
        return model_predictions(
            model, gold, batch_size=run.batch_size, progress=progress, descriptions=described
        )

    bench = get_benchmark(run.benchmark, config=run.config)
    result = run_benchmark(bench, predict, run, progress=progress, journal=journal)
    if run.out_dir is not None:
        from uniner.evaluation.report import write_report

        write_report(result, run.out_dir)
    return result


def _model_name(model: Predictor) -> str:
    """What a run calls its model: its name, with its adapter when it has one (a base model
    and the student trained on it are different models)."""
    from uniner.checkpoints import default_adapter

    name = getattr(model, "name", None) or type(model).__name__
    adapter = getattr(model, "adapter", None)
    if not adapter:
        return str(name)
    packaged = default_adapter()
    if packaged is not None and Path(adapter).resolve() == packaged.resolve():
        adapter = "the default adapter"  # not a path inside site-packages
    return f"{name} + {adapter}"


def evaluate_predictions(
    predictions_dir: str | Path,
    benchmark: str | EvalConfig = "zero-shot",
    *,
    progress: bool = True,
    **options: Any,
) -> BenchmarkResult:
    """Score a directory of prediction files, one per dataset (``<dataset name>.<ext>``, any
    supported format; ``evaluate`` writes such a directory under ``out_dir/predictions``).

    ``benchmark`` is as for :func:`evaluate`. A dataset without a prediction file is reported
    as missing.
    """
    folder = Path(predictions_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"no predictions directory at {folder}")
    run = _config(benchmark, options)
    run.model = f"predictions:{folder}"

    def predict(spec: DatasetSpec, gold: Dataset) -> Dataset:
        files = sorted(p for p in folder.glob(f"{spec.name}.*") if p.is_file())
        if not files:
            raise DatasetNotFoundError(f"no predictions for {spec.name!r} in {folder}")
        predicted = load_dataset(
            files[0],
            name=spec.name,
            label_map=spec.label_map,
            skip_malformed=run.skip_malformed or spec.skip_malformed,
        )
        if run.limit is not None or run.sample is not None:
            # keep only the passages being scored, as often as gold has them
            wanted = Counter(r.text for r in gold.records)
            kept = []
            for record in predicted.records:
                if wanted[record.text] > 0:
                    wanted[record.text] -= 1
                    kept.append(record)
            predicted.records = kept
        return predicted

    bench = get_benchmark(run.benchmark, config=run.config)
    result = run_benchmark(bench, predict, run, progress=progress)
    if run.out_dir is not None:
        from uniner.evaluation.report import write_report

        write_report(result, run.out_dir)
    return result


def _config(benchmark: str | EvalConfig, options: dict[str, Any]) -> EvalConfig:
    """The run's config: given whole, or built from a benchmark name and keyword options."""
    if isinstance(benchmark, EvalConfig):
        if options:
            raise TypeError(f"pass either an EvalConfig or options, not both: {sorted(options)}")
        return benchmark
    fields = {**options}
    for key in ("data_root", "config", "out_dir"):
        if fields.get(key) is not None:
            fields[key] = str(fields[key])
    if "metrics" in fields:
        fields["metrics"] = tuple(fields["metrics"])
    try:
        return EvalConfig(benchmark, **fields)
    except TypeError as err:  # an unknown keyword
        raise TypeError(f"evaluate() got an unexpected option: {err}") from err
