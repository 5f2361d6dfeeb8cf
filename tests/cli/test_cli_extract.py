from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from uniner.cli import main
from uniner.data import load_dataset
from uniner.engine import NERModel
from uniner.engine.results import Answer
from uniner.errors import DataFormatError, UninerWarning
from uniner.extract.files import entity_dict, read_texts
from uniner.prompts import Style
from uniner.types import Entity


def test_entity_shapes() -> None:
    e = Entity(0, 3, "Ada", "person", 0.5)
    assert entity_dict(e, "uniner") == {
        "start": 0,
        "end": 3,
        "text": "Ada",
        "type": "person",
        "score": 0.5,
    }
    assert entity_dict(e, "gliner") == {
        "start": 0,
        "end": 3,
        "text": "Ada",
        "label": "person",
        "score": 0.5,
    }
    assert entity_dict(e, "hf") == {
        "entity_group": "person",
        "score": 0.5,
        "word": "Ada",
        "start": 0,
        "end": 3,
    }


def test_read_texts(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\n\n two \n", encoding="utf-8")
    assert read_texts(tmp_path / "a.txt") == ["one", " two "]
    (tmp_path / "b.jsonl").write_text('{"text": "x"}\n\n{"text": "y", "id": 2}\n')
    assert read_texts(tmp_path / "b.jsonl") == ["x", "y"]
    (tmp_path / "c.jsonl").write_text('{"text": "x"}\n{"txt": 1}\n')
    with pytest.raises(DataFormatError, match=r"c\.jsonl, line 2"):
        read_texts(tmp_path / "c.jsonl")


def test_extract_text_to_stdout(tiny_model_dir: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(
        [
            "extract",
            "--model",
            str(tiny_model_dir),
            "-t",
            "person",
            "-t",
            "city",
            "--constrained",
            "--max-new-tokens",
            "8",
            "Ada lives in Paris.",
        ]
    )
    assert code == 0
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["text"] == "Ada lives in Paris."
    for entity in record["entities"]:
        assert record["text"][entity["start"] : entity["end"]] == entity["text"]


def test_extract_file_to_jsonl(tiny_model_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "Ada lives in Paris."}\n{"text": "Bob."}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = main(
        [
            "extract",
            "--model",
            str(tiny_model_dir),
            "-t",
            "person",
            "--format",
            "hf",
            "--max-new-tokens",
            "4",
            "--input",
            str(source),
            "--output",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == ["Ada lives in Paris.", "Bob."]


def test_extract_needs_text_or_input(capsys: pytest.CaptureFixture) -> None:
    assert main(["extract", "-t", "person"]) == 2
    assert "give either TEXT or --input FILE" in capsys.readouterr().err


def corpus_args(model: Path, source: Path, out: Path, *extra: str) -> list[str]:
    return [
        "extract",
        "--model",
        str(model),
        "-t",
        "person",
        "--max-new-tokens",
        "4",
        "--input",
        str(source),
        "--output",
        str(out),
        "--no-progress",
        *extra,
    ]


def test_extract_corpus_to_a_folder_then_resume(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    source = tmp_path / "in.jsonl"
    lines = [json.dumps({"text": f"Ada went to Paris {i}.", "key": i}) for i in range(5)]
    source.write_text("\n".join([*lines, '{"text": ""}']) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = corpus_args(
        tiny_model_dir, source, out, "--id-field", "key", "--documents-per-file", "3"
    )
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "6 documents: 5 rows, 0 mentions, 1 bad (1 empty;" in err  # empty before no id
    assert f"manifest: {out / 'manifest.json'}" in err
    rows = [
        json.loads(line)
        for name in ("part-00000.jsonl", "part-00001.jsonl")
        for line in (out / name).read_text(encoding="utf-8").splitlines()
    ]
    assert [(r["id"], r["position"], r["text"]) for r in rows] == [
        (str(i), str(i + 1), f"Ada went to Paris {i}.") for i in range(5)
    ]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["job"]["model"]["name"] == str(tiny_model_dir)
    assert manifest["job"]["options"]["max_new_tokens"] == 4

    assert main(args) == 0  # finished: nothing to do
    assert "this run: 0 documents (6 were already written)" in capsys.readouterr().err

    assert main([*args, "-t", "city"]) == 2
    err = capsys.readouterr().err
    assert "was written by another job (types: ['person', 'city'] now, ['person'] there)" in err


def test_extract_corpus_shards_to_parquet(tiny_model_dir: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    source = tmp_path / "in.txt"
    source.write_text("".join(f"Line {i} about Ada.\n" for i in range(8)), encoding="utf-8")
    out = tmp_path / "out"
    for shard in ("0/2", "1/2"):
        args = corpus_args(tiny_model_dir, source, out, "--format", "parquet", "--shard", shard)
        assert main([*args, "--no-text"]) == 0
    rows = [
        row
        for i in range(2)
        for row in pq.read_table(out / f"shard-{i}-of-2.part-00000.parquet").to_pylist()
    ]
    assert sorted(int(r["position"]) for r in rows) == list(range(1, 9))
    assert set(rows[0]) == {"id", "source", "position", "entities"}


def test_corpus_options_need_an_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "Ada."}\n', encoding="utf-8")
    base = ["extract", "-t", "person", "--input", str(source)]
    assert main([*base, "--output", str(tmp_path / "o.jsonl"), "--shard", "0/2"]) == 2
    assert "need --output DIR" in capsys.readouterr().err
    assert main([*base, str(source), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert "several inputs or a folder need --output DIR" in capsys.readouterr().err
    assert main([*base, "--output", str(tmp_path / "dir"), "--shard", "2/2"]) == 2
    assert "--shard must be I/N with 0 <= I < N (e.g. 0/4), got '2/2'" in capsys.readouterr().err


# '["Ada", "Bob"]' in five tokens; the score of a mention is exp of the mean log-probability of
# the three tokens that write it: Ada 0.9^(1/3) = 0.965, Bob 0.2^(1/3) = 0.585.
PIECES = ['["', "Ada", '", "', "Bob", '"]']
LOGPROBS = [0.0, math.log(0.9), 0.0, math.log(0.2), 0.0]


class SureOfAda:
    """A backend that answers every person query with Ada (sure) and Bob (unsure)."""

    model = None
    style: Style = "chat"
    name = "sure-of-ada"
    adapter: str | None = None
    max_length = 2048

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def info(self) -> dict[str, Any]:
        return {"name": self.name}

    def answer(self, passages: Sequence[str], types: Sequence[str], *a: Any, **k: Any) -> Any:
        ends = [sum(map(len, PIECES[: i + 1])) for i in range(len(PIECES))]
        person = Answer("person", "".join(PIECES), ends, LOGPROBS, finished=True)
        return [[person for _ in types] for _ in passages]


@pytest.fixture
def sure_of_ada(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``uniner extract`` loads the real engine over :class:`SureOfAda`."""
    from transformers import AutoTokenizer

    model = NERModel(SureOfAda(AutoTokenizer.from_pretrained(tiny_model_dir)))
    monkeypatch.setattr(NERModel, "from_pretrained", classmethod(lambda cls, *a, **k: model))


def test_threshold_drops_and_counts_mentions_in_memory(
    sure_of_ada: None, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    base = ["extract", "-t", "person", "--no-progress"]
    assert main([*base, "Ada met Bob."]) == 0
    out, err = capsys.readouterr()
    assert [e["text"] for e in json.loads(out)["entities"]] == ["Ada", "Bob"]
    assert "below --threshold" not in err

    assert main([*base, "--threshold", "0.6", "Ada met Bob."]) == 0
    out, err = capsys.readouterr()
    assert [e["text"] for e in json.loads(out)["entities"]] == ["Ada"]
    assert "1 mentions below --threshold 0.6 dropped" in err

    source = tmp_path / "in.txt"
    source.write_text("Ada met Bob.\nBob and Ada.\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    assert (
        main([*base, "--threshold", "0.97", "--input", str(source), "--output", str(target)]) == 0
    )
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["entities"] for r in rows] == [[], []]
    assert "4 mentions below --threshold 0.97 dropped" in capsys.readouterr().err


def test_threshold_in_a_corpus_job_is_counted_in_the_manifest(
    sure_of_ada: None, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("Ada met Bob.\nBob and Ada.\nNobody.\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["extract", "-t", "person", "--no-progress", "--input", str(source)]
    assert main([*args, "--output", str(out), "--threshold", "0.6"]) == 0
    rows = [json.loads(line) for line in (out / "part-00000.jsonl").read_text().splitlines()]
    assert [[e["text"] for e in r["entities"]] for r in rows] == [["Ada"], ["Ada"], []]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["job"]["options"]["threshold"] == 0.6
    assert (manifest["totals"]["mentions"], manifest["totals"]["below_threshold"]) == (2, 2)
    assert manifest["parts"][0]["below_threshold"] == 2
    assert "2 mentions (2 more below the threshold, dropped)" in capsys.readouterr().err
    # Another threshold is another job: its output is not mixed in.
    assert main([*args, "--output", str(out), "--threshold", "0.5"]) == 2
    assert "options: " in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["1.5", "-0.1", "nan", "high"])
def test_a_bad_threshold_is_refused_with_its_value(bad: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["extract", "-t", "person", "--threshold", bad, "Ada."])
    err = capsys.readouterr().err
    assert "threshold must be a number in [0, 1], got" in err and repr(bad) in err


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("label-studio", "tasks.json"), ("doccano", "pre.jsonl"), ("spacy", "pre.spacy")],
)
def test_predictions_as_pre_annotations_read_back_as_the_same_mentions(
    sure_of_ada: None, tmp_path: Path, capsys: pytest.CaptureFixture, fmt: str, name: str
) -> None:
    if fmt == "spacy":
        pytest.importorskip("spacy")
    source = tmp_path / "in.txt"
    source.write_text("Ada met Bob.\nBob and Ada.\nNobody.\n", encoding="utf-8")
    target = tmp_path / name
    base = ["extract", "-t", "person", "--no-progress", "--input", str(source)]
    assert main([*base, "--format", fmt, "--output", str(target)]) == 0
    assert f"wrote 3 predictions to {target}" in capsys.readouterr().err
    assert main(base) == 0  # the same predictions, as JSON lines on stdout
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    expected = [
        [(e["start"], e["end"], e["text"], e["type"]) for e in p["entities"]] for p in printed
    ]
    assert expected == [
        [(0, 3, "Ada", "person"), (8, 11, "Bob", "person")],
        [(0, 3, "Bob", "person"), (8, 11, "Ada", "person")],
        [],
    ]
    data = load_dataset(target)
    assert [r.text for r in data] == ["Ada met Bob.", "Bob and Ada.", "Nobody."]
    assert [[(e.start, e.end, e.text, e.type) for e in r.entities] for r in data] == expected


def test_label_studio_pre_annotations_carry_the_model_and_scores(
    sure_of_ada: None, tmp_path: Path
) -> None:
    target = tmp_path / "tasks.json"
    args = ["extract", "-t", "person", "--format", "label-studio", "--output", str(target)]
    assert main([*args, "Ada met Bob."]) == 0
    [task] = json.loads(target.read_text(encoding="utf-8"))
    [prediction] = task["predictions"]
    ada, bob = 0.9 ** (1 / 3), 0.2 ** (1 / 3)
    assert prediction["model_version"] == "sure-of-ada"
    assert prediction["score"] == pytest.approx((ada + bob) / 2, abs=1e-6)
    assert [(r["value"]["text"], r["score"]) for r in prediction["result"]] == [
        ("Ada", pytest.approx(ada, abs=1e-6)),
        ("Bob", pytest.approx(bob, abs=1e-6)),
    ]


def uniner_cli(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    """``python -m uniner ARGS`` in a process of its own, its arguments given as bytes."""
    return subprocess.run(
        [sys.executable, "-m", "uniner", *args], capture_output=True, timeout=300, check=False
    )


def test_a_text_argument_that_is_not_utf8_is_refused_saying_where() -> None:
    done = uniner_cli("extract", "--model", "/nonexistent", "-t", "person", b"Ada \xff met Bob")
    assert done.returncode == 2
    err = done.stderr.decode("utf-8", errors="replace")
    assert "TEXT is not valid UTF-8: byte 0xff at character 5 (after 'Ada '); re-encode" in err
    assert "TextEncodeInput" not in err and "Traceback" not in err


def test_an_input_file_that_is_not_utf8_is_refused_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    source = tmp_path / "latin1.txt"
    source.write_bytes("Ada met Bob.\nCaf\u00e9 Zo\u00e9.\n".encode("latin-1"))
    # A missing model would fail later: the error shows the file was read first.
    args = ["extract", "--model", "/nonexistent", "-t", "person", "--input", str(source)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert (
        f"{source}, line 2: UTF-8 text (invalid continuation byte: 0xe9 at byte offset 16)" in err
    )
    source.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert main(args) == 2
    assert f"{source}, line 1: UTF-8 text (invalid start byte: 0x89 at byte offset 0)" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-t", "person", ""], "TEXT is empty: give the text to extract from, or --input FILE"),
        (["-t", "person", "  \n"], "TEXT is empty"),
        (["-t", "", "Ada."], "no entity types given"),
        (["-t", " ", "--input", "{blank}"], "no entity types given"),
        (["-t", "person", "--input", "{blank}"], "no text to extract from (no non-blank line)"),
        (
            ["-t", "person", "--format", "spacy", "Ada."],
            "--format spacy writes a file: give --output FILE",
        ),
    ],
)
def test_empty_arguments_are_refused_before_the_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture, args: list[str], expected: str
) -> None:
    blank = tmp_path / "blank.txt"
    blank.write_text("\n  \n", encoding="utf-8")
    args = [a.replace("{blank}", str(blank)) for a in args]
    # /nonexistent would be reported if the model were loaded first.
    assert main(["extract", "--model", "/nonexistent", *args]) == 2
    err = capsys.readouterr().err
    assert expected in err and "nonexistent" not in err


# ---------------------------------------------------------------- types with descriptions


@pytest.fixture
def asked_types(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The ``types`` of every ``NERModel.predict`` call, in order (the calls still run)."""
    calls: list[Any] = []
    predict = NERModel.predict

    def spy(self: NERModel, texts: Any, types: Any, **kwargs: Any) -> Any:
        calls.append(types)
        return predict(self, texts, types, **kwargs)

    monkeypatch.setattr(NERModel, "predict", spy)
    return calls


def test_extract_types_with_descriptions(
    tiny_model_dir: Path, tmp_path: Path, asked_types: list[Any], capsys: pytest.CaptureFixture
) -> None:
    from uniner.entity_types import EntityType

    types_file = tmp_path / "types.yaml"
    types_file.write_text("dose: an amount of a drug\nroute:\n", encoding="utf-8")
    args = ["extract", "--model", str(tiny_model_dir), "--max-new-tokens", "2"]
    args += ["-t", "drug=a medication given to treat a disease", "-t", "person"]
    with warnings.catch_warnings():  # pytest's settings hide this warning from other tests
        warnings.simplefilter("always", UninerWarning)
        code = main([*args, "--types-file", str(types_file), "Aspirin, 81 mg by mouth."])
    assert code == 0
    assert asked_types == [
        [
            EntityType("drug", "a medication given to treat a disease"),
            EntityType("person"),
            EntityType("dose", "an amount of a drug"),
            EntityType("route"),
        ]
    ]
    out, err = capsys.readouterr()
    [line] = out.splitlines()
    assert json.loads(line)["text"] == "Aspirin, 81 mg by mouth."
    # The tiny model has no uniner.json: one plain line says its descriptions are not learnt.
    assert f"uniner: warning: {tiny_model_dir}: this student was not trained with type " in err


def test_extract_corpus_job_records_descriptions(
    tiny_model_dir: Path, tmp_path: Path, asked_types: list[Any]
) -> None:
    from uniner.entity_types import EntityType
    from uniner.prompts import DESCRIPTION_TEMPLATE_VERSION

    source = tmp_path / "in.txt"
    source.write_text("Aspirin helps.\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["extract", "--model", str(tiny_model_dir), "--max-new-tokens", "2", "--no-progress"]
    args += ["-t", "drug=a medication", "-t", "dose", "--input", str(source)]
    code = main([*args, "--output", str(out)])
    assert code == 0
    assert asked_types == [[EntityType("drug", "a medication"), EntityType("dose")]]
    job = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["job"]
    assert (job["types"], job["descriptions"]) == (["drug", "dose"], {"drug": "a medication"})
    assert job["description_template_version"] == DESCRIPTION_TEMPLATE_VERSION


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["Ada."], "give the entity types: -t TYPE (repeat for several) or --types-file"),
        (["-t", "=a medication", "Ada."], "an entity type needs a non-empty name"),
        (["--types-file", "{bad}", "Ada."], "types.json: the description of entity type 'drug'"),
        (["-t", "drug=x", "-t", "drug=y", "Ada."], "given twice with different descriptions"),
    ],
)
def test_bad_types_are_refused_before_the_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture, args: list[str], expected: str
) -> None:
    bad = tmp_path / "types.json"
    bad.write_text('{"drug": 3}', encoding="utf-8")
    args = [a.replace("{bad}", str(bad)) for a in args]
    assert main(["extract", "--model", "/nonexistent", *args]) == 2
    err = capsys.readouterr().err
    assert expected in err and "nonexistent" not in err
