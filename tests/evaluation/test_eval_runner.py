"""The benchmark runner, driven by real deterministic predictors (an oracle and a perturber)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from uniner.checkpoints import default_adapter
from uniner.data import answer_for, load_dataset
from uniner.errors import DataFormatError
from uniner.evaluation import EvalConfig, evaluate, evaluate_predictions
from uniner.types import AnnotatedText, Dataset, Entity

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"


@dataclass
class Prediction:
    text: str
    entities: list[Entity]
    answers: dict[str, str]
    meta: dict[str, object] = field(default_factory=dict)


class Oracle:
    """Answers from the gold files, as a model would (with a leading space)."""

    name = "oracle"

    def __init__(self) -> None:
        self.gold: dict[str, AnnotatedText] = {}
        for path in (FIXTURES / "official.json", FIXTURES / "spans" / "test.json"):
            for record in load_dataset(path):
                self.gold.setdefault(record.text, record)
        self.calls: list[tuple[int, tuple[str, ...], int]] = []

    def answer(self, record: AnnotatedText, type: str) -> str:
        return " " + answer_for(record, type)

    def mentions(self, record: AnnotatedText) -> list[Entity]:
        return list(record.entities)

    def predict(self, texts, types, *, dataset=None, batch_size=8, progress=False):  # type: ignore[no-untyped-def]
        self.calls.append((len(texts), tuple(types), batch_size))
        out = []
        for text in texts:
            record = self.gold[text]
            answers = {t: self.answer(record, t) for t in types}
            out.append(Prediction(text, self.mentions(record), answers))
        return out


class Perturber(Oracle):
    """Prefixes every person answer with text (official: []) and drops each first mention."""

    name = "perturber"

    def answer(self, record: AnnotatedText, type: str) -> str:
        prefix = "Sure! " if type == "person" else ""
        return prefix + answer_for(record, type)

    def mentions(self, record: AnnotatedText) -> list[Entity]:
        return list(record.entities)[1:]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    # a config's relative paths start at its folder: the span fixture is copied beside it
    shutil.copytree(FIXTURES / "spans", tmp_path / "spans")
    path = tmp_path / "bench.yaml"
    path.write_text(
        "datasets:\n"
        f"  tiny-official: {{path: {FIXTURES / 'official.json'}, format: uniner, domain: toy}}\n"
        "  tiny-spans: {path: spans/test.json, domain: news}\n"
        "  ghost: {path: nowhere/test.json, domain: news}\n"
        "benchmarks:\n"
        "  tiny: {datasets: [tiny-official, tiny-spans, ghost]}\n"
    )
    return path


def run(model: Oracle, config: Path, **kwargs):  # type: ignore[no-untyped-def]
    return evaluate(
        model, "tiny", config=config, data_root=FIXTURES, progress=False, batch_size=3, **kwargs
    )


def test_oracle_scores_one_and_missing_is_reported(config: Path) -> None:
    model = Oracle()
    result = run(model, config)
    assert [d.name for d in result.datasets] == ["tiny-official", "tiny-spans"]
    assert list(result.missing) == ["ghost"]
    assert "nowhere/test.json" in result.missing["ghost"]
    for d in result.datasets:
        assert d.f1("official") == pytest.approx(1.0, abs=1e-9)
        assert d.f1("strict") == 1.0
    # one predict call per distinct list of asked types, with the batch size passed on
    assert model.calls == [
        (2, ("person", "city"), 3),
        (1, ("person",), 3),
        (2, ("person", "city"), 3),
    ]


def test_perturbed_scores_by_hand(config: Path) -> None:
    result = run(Perturber(), config)
    official, spans = result.datasets
    tiny = official.scores["official"]
    # gold items 5 (ada, bob, paris, atlantis, rome); person answers lost -> predicted 3, all right
    assert (tiny.correct, tiny.predicted, tiny.gold) == (3, 3, 5)
    p, r = 3 / (3 + 1e-10), 3 / (5 + 1e-10)
    assert tiny.f1 == pytest.approx(2 * p * r / (p + r + 1e-10), abs=1e-12)
    # strict: gold Ada, Bob, Paris, Rome; predicted Bob, Paris -> P 1, R 0.5
    strict = official.scores["strict"]
    assert (strict.correct, strict.predicted, strict.gold) == (2, 2, 4)
    assert spans.scores["official"].f1 == 0.0
    assert spans.scores["strict"].f1 == pytest.approx(2 / 3)
    summary = result.summary()
    assert summary["average"]["f1"] == pytest.approx((tiny.f1 + 0.0) / 2, abs=1e-12)
    assert summary["datasets"]["tiny-spans"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "domain": "news",
    }
    assert summary["domains"] == {"toy": tiny.f1, "news": 0.0}


def test_limit_and_outputs_and_rescoring_saved_predictions(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(Perturber(), config, limit=1, out_dir=out)
    assert [d.passages for d in result.datasets] == [1, 1]
    for name in ("results.json", "results.md", "results.png", "config.json"):
        assert (out / name).is_file(), name
    assert (out / "results.png").read_bytes()[:4] == b"\x89PNG"
    saved = json.loads((out / "results.json").read_text())
    assert saved["config"]["limit"] == 1 and saved["config"]["model"] == "perturber"
    assert saved["detail"]["tiny-official"]["strict"]["per_type"]["person"]["support"] == 2
    assert "| **average** |" in (out / "results.md").read_text()
    errors = json.loads((out / "errors" / "tiny-official.json").read_text())
    assert [e["text"] for e in errors["false_negatives"]] == ["Ada"]
    rescored = evaluate_predictions(
        out / "predictions", "tiny", config=config, data_root=FIXTURES, limit=1, progress=False
    )
    for before, after in zip(result.datasets, rescored.datasets, strict=True):
        assert after.scores["official"] == before.scores["official"]
        assert after.scores["strict"].f1 == before.scores["strict"].f1
    assert set(rescored.missing) == {"ghost"}


def test_model_returning_too_few_predictions_is_an_error(config: Path) -> None:
    class Short(Oracle):
        def predict(self, texts, types, **kwargs):  # type: ignore[no-untyped-def]
            return super().predict(texts, types, **kwargs)[:-1]

    with pytest.raises(ValueError, match="returned 1 predictions for 2 texts"):
        run(Short(), config)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"limit": 0}, "limit"), ({"batch_size": 0}, "batch_size"), ({"metrics": ("f2",)}, "metrics")],
)
def test_bad_options(config: Path, kwargs: dict[str, object], match: str) -> None:
    options = {"config": config, "data_root": FIXTURES, "progress": False, **kwargs}
    with pytest.raises(ValueError, match=match):
        evaluate(Oracle(), "tiny", **options)  # type: ignore[arg-type]


def test_passages_asking_the_same_type_set_share_one_predict_call() -> None:
    """Official files list each passage's types in its own order: one call per *set* of types,
    each record scored with its own list."""
    from uniner.evaluation.stage import model_predictions
    from uniner.types import Dataset

    texts = ["Ada met Bob in Paris.", "Rome is old.", "Ann sang."]
    records = [
        AnnotatedText(texts[0], types=["person", "city"]),
        AnnotatedText(texts[1], types=["city", "person"]),
        AnnotatedText(texts[2], types=["person"]),
    ]
    model = Oracle()
    model.gold = {t: AnnotatedText(t) for t in texts}
    predicted = model_predictions(model, Dataset("d", records), batch_size=8)
    assert model.calls == [(2, ("person", "city"), 8), (1, ("person",), 8)]
    assert [r.types for r in predicted.records] == [r.types for r in records]
    assert list(predicted.records[1].answers) == ["city", "person"]


class Recorder(Oracle):
    """An oracle over any gold datasets it is given (a passage found in two datasets answers
    as the one asking these types); records each call's progress flag."""

    def __init__(self, *datasets: Dataset) -> None:
        super().__init__()
        self.asked: dict[tuple[str, frozenset[str]], AnnotatedText] = {}
        for dataset in datasets:
            for record in dataset:
                self.asked.setdefault((record.text, frozenset(record.types)), record)
        self.progress: list[bool] = []

    def predict(self, texts, types, *, dataset=None, batch_size=8, progress=False):  # type: ignore[no-untyped-def]
        self.progress.append(progress)
        for text in texts:
            self.gold[text] = self.asked.get((text, frozenset(types)), self.gold.get(text))
        return super().predict(texts, types, batch_size=batch_size)


def test_sample_is_seeded_per_dataset_in_file_order_and_recorded(tmp_path: Path) -> None:
    from uniner.evaluation.stage import select_passages

    records = [AnnotatedText(f"passage {i}") for i in range(50)]
    gold = Dataset("d", records)
    first = select_passages(gold, EvalConfig(sample=5, seed=3))
    assert first == select_passages(gold, EvalConfig(sample=5, seed=3))
    assert [records.index(r) for r in first] == sorted(records.index(r) for r in first)
    assert first != records[:5]
    assert first != select_passages(gold, EvalConfig(sample=5, seed=4))
    assert first != select_passages(Dataset("e", records), EvalConfig(sample=5, seed=3))
    assert select_passages(gold, EvalConfig(sample=80)) == records  # more than there are: all
    assert select_passages(gold, EvalConfig(limit=2)) == records[:2]


def test_sample_through_a_run_and_rescoring(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(Perturber(), config, sample=1, seed=5, out_dir=out)
    assert [(d.passages, d.available) for d in result.datasets] == [(1, 3), (1, 2)]
    saved = json.loads((out / "results.json").read_text())
    assert (saved["config"]["sample"], saved["config"]["seed"]) == (1, 5)
    assert saved["passages"] == {"method": "sample", "n": 1, "seed": 5}
    assert "`--sample 1 --seed 5`" in (out / "results.md").read_text()
    rescored = evaluate_predictions(
        out / "predictions", "tiny", config=config, sample=1, seed=5, progress=False
    )
    for before, after in zip(result.datasets, rescored.datasets, strict=True):
        assert after.scores["official"] == before.scores["official"]


def test_limit_and_sample_together_are_refused(config: Path) -> None:
    with pytest.raises(ValueError, match=r"give limit .* or sample .*, not both"):
        run(Oracle(), config, limit=1, sample=1)


def test_one_bar_per_dataset(config: Path) -> None:
    """A dataset asked in one predict call lets the engine draw its bar; one asked in several
    (tiny-official: two type sets) gets the runner's one bar and quiet calls."""
    from uniner.data import load_dataset

    model = Recorder(load_dataset(FIXTURES / "spans" / "test.json"))
    evaluate(model, "tiny", config=config, progress=True, batch_size=3)
    assert model.progress == [False, False, True]
    model.progress.clear()
    evaluate(model, "tiny", config=config, progress=False)
    assert model.progress == [False, False, False]


def test_skip_malformed_through_a_run(tmp_path: Path) -> None:
    (tmp_path / "tweets.conll").write_text("Ada\tB-PER\n\tO\nsang\tO\n\nBob\tB-PER\n")
    config = tmp_path / "bench.yaml"
    config.write_text("datasets:\n  tweets: {path: tweets.conll, domain: social}\n")
    from uniner.data.io import read_dataset

    gold = read_dataset(tmp_path / "tweets.conll", skip_malformed=True).dataset
    with pytest.raises(DataFormatError, match="line 2"):
        evaluate(Recorder(gold), "tweets", config=config, progress=False)
    result = evaluate(Recorder(gold), "tweets", config=config, progress=False, skip_malformed=True)
    assert result.skipped_lines() == {"tweets": 1}
    assert result.datasets[0].f1("strict") == 1.0
    assert result.summary()["skipped_lines"] == {"tweets": 1}
    # or on the dataset itself, in the config file
    config.write_text(
        "datasets:\n  tweets: {path: tweets.conll, domain: social, skip_malformed: true}\n"
    )
    again = evaluate(Recorder(gold), "tweets", config=config, progress=False)
    assert again.skipped_lines() == {"tweets": 1}


@pytest.mark.data
def test_universal_with_gold_answers_scores_every_dataset_one(shared_data: Path) -> None:
    """Every registered dataset end to end on real data: a sample of each, answered from its
    gold, scores 1.0; the report leads with the domains."""
    from uniner.evaluation import get_benchmark
    from uniner.evaluation.report import markdown_table

    bench = get_benchmark("universal")
    model = Recorder(*(spec.load(shared_data) for spec in bench.datasets))
    result = evaluate(model, "universal", data_root=shared_data, sample=5, seed=0, progress=False)
    assert not result.missing and len(result.datasets) == 13
    for d in result.datasets:
        assert (d.passages, d.f1("official")) == (5, pytest.approx(1.0, abs=1e-9)), d.name
    assert len(result.domains()) == 9 and result.multi_domain
    assert result.domain_average() == pytest.approx(1.0, abs=1e-9)
    text = markdown_table(result)
    assert text.index("### By domain") < text.index("### By dataset")
    assert "| biomedical | anatem, bionlp11id, bionlp13cg, jnlpba, linnaeus |" in text


class Described(Oracle):
    """An oracle that records how each type was asked (a name, or a name with a description)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked_as: list[object] = []

    def predict(self, texts, types, *, dataset=None, batch_size=8, progress=False):  # type: ignore[no-untyped-def]
        self.asked_as.extend(types)
        names = [getattr(t, "name", t) for t in types]
        return super().predict(texts, names, batch_size=batch_size)


def test_definitions_ask_each_type_with_its_description(tmp_path: Path) -> None:
    (tmp_path / "defs.json").write_text(
        json.dumps({"PERSON": {"definition": "A human.", "guidelines": "Not groups."}})
    )
    bench = tmp_path / "bench.yaml"
    bench.write_text(
        "datasets:\n"
        f"  toy: {{path: {FIXTURES / 'official.json'}, format: uniner, definitions: defs.json}}\n"
    )
    names_only, described = Described(), Described()
    plain = evaluate(names_only, "toy", config=bench, progress=False)
    with_defs = evaluate(described, "toy", config=bench, progress=False, definitions=True)
    assert all(isinstance(t, str) for t in names_only.asked_as)
    asked = {getattr(t, "name", t): getattr(t, "description", None) for t in described.asked_as}
    # matched ignoring case; a type the file does not describe is asked by its name
    assert asked["person"] == "A human. Not groups."
    assert {t: d for t, d in asked.items() if t != "person"} == {
        t: None for t in asked if t != "person"
    }
    assert with_defs.datasets[0].scores["official"].f1 == plain.datasets[0].scores["official"].f1


def test_definitions_for_a_dataset_without_a_file_are_reported_missing(config: Path) -> None:
    result = run(Oracle(), config, definitions=True)
    assert set(result.missing) == {"tiny-official", "tiny-spans", "ghost"}
    assert "has no definitions file" in result.missing["tiny-official"]


class Crasher(Perturber):
    """A Perturber that dies on its third call (the second dataset), as a killed run would."""

    def predict(self, texts, types, **kwargs):  # type: ignore[no-untyped-def]
        if len(self.calls) == 2:
            raise RuntimeError("killed")
        return super().predict(texts, types, **kwargs)


def test_a_stopped_run_resumes_its_finished_datasets(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="killed"):
        run(Crasher(), config, out_dir=out)
    assert (out / "predictions" / "tiny-official.jsonl").is_file()
    assert not (out / "predictions" / "tiny-spans.jsonl").exists()
    model = Perturber()
    resumed = run(model, config, out_dir=out)
    assert resumed.resumed == ["tiny-official"]
    assert model.calls == [(2, ("person", "city"), 3)]  # only the unfinished dataset is asked
    whole = run(Perturber(), config)
    for before, after in zip(whole.datasets, resumed.datasets, strict=True):
        assert after.scores["official"] == before.scores["official"]
        assert after.scores["strict"] == before.scores["strict"]
    assert json.loads((out / "results.json").read_text())["resumed"] == ["tiny-official"]
    again = Perturber()
    assert run(again, config, out_dir=out).resumed == ["tiny-official", "tiny-spans"]
    assert again.calls == []


@pytest.mark.parametrize(
    ("second", "kwargs"),
    [
        (Perturber, {"limit": 1}),  # other passages
        (Perturber, {"resume": False}),  # asked to start over
        (Oracle, {}),  # another model
    ],
)
def test_a_run_with_other_options_or_model_starts_over(
    config: Path, tmp_path: Path, second: type[Oracle], kwargs: dict[str, object]
) -> None:
    out = tmp_path / "out"
    run(Perturber(), config, out_dir=out)
    model = second()
    result = run(model, config, out_dir=out, **kwargs)
    assert result.resumed == [] and len(model.calls) == 3 - ("limit" in kwargs)
    assert json.loads((out / "results.json").read_text())["config"]["model"] == model.name


def test_an_unreadable_saved_dataset_is_redone(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(Perturber(), config, out_dir=out)
    (out / "predictions" / "tiny-spans.jsonl").write_text("{torn")
    (out / "predictions" / "tiny-official.jsonl").unlink()
    model = Perturber()
    assert run(model, config, out_dir=out).resumed == []
    assert len(model.calls) == 3


def test_the_run_names_the_model_with_its_adapter(config: Path) -> None:
    model = Oracle()
    model.adapter = "runs/student"  # type: ignore[attr-defined]
    assert run(model, config).config.model == "oracle + runs/student"
    model.adapter = str(default_adapter())  # type: ignore[attr-defined]
    assert run(model, config).config.model == "oracle + the default adapter"


def test_a_student_retrained_in_the_same_folder_starts_over(config: Path, tmp_path: Path) -> None:
    adapter = tmp_path / "student"
    adapter.mkdir()
    (adapter / "adapter_model.safetensors").write_bytes(b"first")

    class Student(Perturber):
        def info(self) -> dict[str, object]:
            return {"name": self.name, "adapter": str(adapter), "threads": len(self.calls)}

    out = tmp_path / "out"
    run(Student(), config, out_dir=out)
    assert run(Student(), config, out_dir=out).resumed == ["tiny-official", "tiny-spans"]
    (adapter / "adapter_model.safetensors").write_bytes(b"second!")
    assert run(Student(), config, out_dir=out).resumed == []
