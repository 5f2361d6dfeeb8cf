from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from extract_helpers import CapitalisedWords, read_jsonl, snapshot, write_jsonl

from uniner.engine.options import ExtractOptions
from uniner.errors import CacheMismatchError, UninerError
from uniner.extract import ExtractConfig, extract_corpus
from uniner.extract.parts import BadLog, Layout, locked, read_part
from uniner.extract.rows import entities_type

TEXTS = [f"Doc {i} met Ada in Paris." for i in range(10)]


def corpus(tmp_path: Path, n: int = 10) -> Path:
    """``n`` documents with ids, then an empty text and a non-text one."""
    records: list[object] = [
        {"text": f"Doc {i} met Ada in Paris.", "id": f"d{i}"} for i in range(n)
    ]
    records += [{"text": "", "id": "empty"}, {"text": 3, "id": "number"}]
    return write_jsonl(tmp_path / "in.jsonl", records)


def config(source: Path, out: Path, **changes: Any) -> ExtractConfig:
    settings: dict[str, Any] = {
        "id_field": "id",
        "documents_per_batch": 3,
        "documents_per_file": 5,
        **changes,
    }
    types = settings.pop("types", ["person"])
    return ExtractConfig([str(source)], str(out), types, **settings)


class Crashing(CapitalisedWords):
    """Answers ``calls`` batches, then dies the way a killed process stops: mid-corpus."""

    def __init__(self, calls: int) -> None:
        super().__init__()
        self.left = calls

    def predict(self, texts: Any, types: Any, **kwargs: Any) -> Any:
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return super().predict(texts, types, **kwargs)


def test_parts_rows_bad_documents_and_manifest(
    tmp_path: Path, fake_model: CapitalisedWords
) -> None:
    source = corpus(tmp_path)
    result = extract_corpus(fake_model, config(source, tmp_path / "out"), progress=False)

    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        ".lock",
        "bad.jsonl",
        "manifest.json",
        "part-00000.jsonl",
        "part-00001.jsonl",
        "part-00002.jsonl",
    ]
    # Batches of 3 documents that never cross a part: 3+2, 3+2, 2 (the last two are bad).
    assert [len(c) for c in fake_model.calls] == [3, 2, 3, 2]
    first = read_jsonl(out / "part-00000.jsonl")[0]
    assert first == {
        "id": "d0",
        "source": str(source),
        "position": "1",
        "text": "Doc 0 met Ada in Paris.",
        "entities": [
            {"start": 0, "end": 3, "text": "Doc", "type": "person", "score": 1.0},
            {"start": 10, "end": 13, "text": "Ada", "type": "person", "score": 0.090909},
            {"start": 17, "end": 22, "text": "Paris", "type": "person", "score": 0.055556},
        ],
    }
    assert [r["id"] for r in read_jsonl(out / "part-00001.jsonl")] == ["d5", "d6", "d7", "d8", "d9"]
    assert (out / "part-00002.jsonl").read_text() == ""
    assert read_jsonl(out / "bad.jsonl") == [
        {"id": "empty", "source": str(source), "position": "11", "problem": "empty"},
        {"id": "number", "source": str(source), "position": "12", "problem": "not text"},
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parts"][2] == {
        "file": "part-00002.jsonl",
        "documents": 2,
        "rows": 0,
        "bad": 2,
        "mentions": 0,
        "last_id": "number",
        "below_threshold": 0,
    }
    assert manifest["totals"] == {
        "documents": 12,
        "rows": 10,
        "bad": 2,
        "mentions": 30,
        "below_threshold": 0,
    }
    assert manifest["problems"] == {"empty": 1, "not text": 1}
    assert manifest["complete"] is True
    assert manifest["bad_bytes"] == (out / "bad.jsonl").stat().st_size
    job = manifest["job"]
    assert job["model"] == {
        "name": "capitalised-words",
        "adapter": None,
        "style": "chat",
        "dtype": "float32",
        "backend": None,
    }
    assert (job["types"], job["template_version"], job["shard"]) == (
        ["person"],
        "uniner-prompts-1",
        [0, 1],
    )
    assert job["options"]["max_new_tokens"] == 64 and "output" not in job
    [run] = manifest["runs"]
    assert (run["documents"], run["mentions"]) == (12, 30) and run["seconds"] >= 0

    assert (result.documents, result.rows, result.bad, result.mentions) == (12, 10, 2, 30)
    assert (result.resumed, result.processed, result.complete) == (0, 12, True)
    summary = result.summary()
    assert summary.startswith("12 documents: 10 rows, 30 mentions, 2 bad (1 empty, 1 not text;")
    assert "this run: 12 documents (0 were already written)" in summary


def test_a_crash_mid_corpus_resumes_to_the_files_of_an_uninterrupted_run(tmp_path: Path) -> None:
    source = corpus(tmp_path)
    whole = CapitalisedWords()
    extract_corpus(whole, config(source, tmp_path / "whole"), progress=False)

    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):  # 3 batches done: part 0 and one batch of part 1
        extract_corpus(Crashing(3), config(source, out), progress=False)
    assert (out / "part-00001.journal").is_file() and not (out / "part-00001.jsonl").exists()
    assert json.loads((out / "manifest.json").read_text())["complete"] is False

    again = CapitalisedWords()
    result = extract_corpus(again, config(source, out), progress=False)
    assert again.calls == whole.calls[3:]  # only what was not on disk
    assert (result.resumed, result.processed) == (8, 4)
    assert snapshot(out) == snapshot(tmp_path / "whole")
    assert len(json.loads((out / "manifest.json").read_text())["runs"]) == 2


def test_a_batch_cut_short_in_the_journal_is_done_again(tmp_path: Path) -> None:
    source = corpus(tmp_path)
    extract_corpus(CapitalisedWords(), config(source, tmp_path / "whole"), progress=False)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        extract_corpus(Crashing(3), config(source, out), progress=False)
    with (out / "part-00001.journal").open("a") as journal:
        journal.write('{"documents": 2, "last_id": "d9", "rows": [{"id"')  # killed mid-write
    again = CapitalisedWords()
    extract_corpus(again, config(source, out), progress=False)
    assert again.calls == [TEXTS[8:10]]
    assert snapshot(out) == snapshot(tmp_path / "whole")


def test_killed_between_writing_a_part_and_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = corpus(tmp_path)
    extract_corpus(CapitalisedWords(), config(source, tmp_path / "whole"), progress=False)
    out = tmp_path / "out"
    real_append = BadLog.append

    def append_then_die(self: BadLog, records: Any) -> int:
        real_append(self, records)
        if records:  # the last part: written, its bad documents listed, not in the manifest
            raise KeyboardInterrupt
        return real_append(self, [])

    monkeypatch.setattr(BadLog, "append", append_then_die)
    with pytest.raises(KeyboardInterrupt):
        extract_corpus(CapitalisedWords(), config(source, out), progress=False)
    monkeypatch.undo()
    assert len(read_jsonl(out / "bad.jsonl")) == 2
    assert len(json.loads((out / "manifest.json").read_text())["parts"]) == 2

    again = CapitalisedWords()
    extract_corpus(again, config(source, out), progress=False)
    assert again.calls == []  # the journal held every batch of the last part
    assert snapshot(out) == snapshot(tmp_path / "whole")  # bad.jsonl lists them once


def test_a_finished_job_is_not_done_again(tmp_path: Path) -> None:
    source = corpus(tmp_path)
    out = tmp_path / "out"
    extract_corpus(CapitalisedWords(), config(source, out), progress=False)
    before = snapshot(out)
    again = CapitalisedWords()
    result = extract_corpus(again, config(source, out), progress=False)
    assert again.calls == [] and (result.resumed, result.processed) == (12, 0)
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"types": ["person", "city"]}, "types"),
        ({"options": {"max_new_tokens": 8}}, "options"),
        ({"fmt": "gliner"}, "fmt"),
        ({"documents_per_file": 6}, "documents_per_file"),
    ],
)
def test_another_jobs_output_is_refused(tmp_path: Path, change: dict[str, Any], named: str) -> None:
    source = corpus(tmp_path)
    out = tmp_path / "out"
    extract_corpus(CapitalisedWords(), config(source, out), progress=False)
    before = snapshot(out)
    with pytest.raises(CacheMismatchError, match=rf"was written by another job \({named}: "):
        extract_corpus(CapitalisedWords(), config(source, out, **change), progress=False)
    assert snapshot(out) == before


def test_another_model_is_refused(tmp_path: Path) -> None:
    source = corpus(tmp_path)
    out = tmp_path / "out"
    extract_corpus(CapitalisedWords(), config(source, out), progress=False)
    with pytest.raises(CacheMismatchError, match=r"model: .*'other'.*'capitalised-words'"):
        extract_corpus(CapitalisedWords("other"), config(source, out), progress=False)


def test_an_input_changed_under_a_resumed_job_is_refused(tmp_path: Path) -> None:
    source = corpus(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        extract_corpus(Crashing(2), config(source, out), progress=False)
    write_jsonl(source, [{"text": f"Other {i}.", "id": f"o{i}"} for i in range(12)])
    with pytest.raises(CacheMismatchError, match="document 5 had id 'd4', it is now 'o4'"):
        extract_corpus(CapitalisedWords(), config(source, out), progress=False)
    write_jsonl(source, [{"text": "Doc 0.", "id": "d0"}])
    with pytest.raises(CacheMismatchError, match="the input ends before it"):
        extract_corpus(CapitalisedWords(), config(source, out), progress=False)


def test_shards_cover_every_document_exactly_once(tmp_path: Path) -> None:
    source = corpus(tmp_path, n=40)
    out = tmp_path / "out"
    for index in range(3):
        extract_corpus(CapitalisedWords(), config(source, out, shard=(index, 3)), progress=False)
    seen = []
    for index in range(3):
        prefix = f"shard-{index}-of-3."
        manifest = json.loads((out / f"{prefix}manifest.json").read_text())
        assert manifest["job"]["shard"] == [index, 3]
        for part in manifest["parts"]:
            assert part["file"].startswith(f"{prefix}part-")
            seen += [row["id"] for row in read_part(out / part["file"])]
        if (out / f"{prefix}bad.jsonl").exists():
            seen += [row["id"] for row in read_jsonl(out / f"{prefix}bad.jsonl")]
    everything = [f"d{i}" for i in range(40)] + ["empty", "number"]
    assert sorted(seen) == sorted(everything)
    with pytest.raises(CacheMismatchError, match="another number of shards than 2"):
        extract_corpus(CapitalisedWords(), config(source, out, shard=(0, 2)), progress=False)


def test_parquet_parts_hold_the_jsonl_rows(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    source = corpus(tmp_path)
    extract_corpus(CapitalisedWords(), config(source, tmp_path / "j"), progress=False)
    extract_corpus(
        CapitalisedWords(), config(source, tmp_path / "p", fmt="parquet"), progress=False
    )
    for number in range(3):
        name = f"part-{number:05d}"
        rows = read_part(tmp_path / "p" / f"{name}.parquet")
        assert rows == read_jsonl(tmp_path / "j" / f"{name}.jsonl")
    import pyarrow.parquet as pq

    empty = pq.read_table(tmp_path / "p" / "part-00002.parquet")  # no rows, typed columns
    assert empty.num_rows == 0
    assert empty.schema.field("entities").type == entities_type()


def test_gliner_shape_without_texts(tmp_path: Path) -> None:
    source = corpus(tmp_path)
    out = tmp_path / "out"
    extract_corpus(
        CapitalisedWords(), config(source, out, fmt="gliner", include_text=False), progress=False
    )
    row = read_jsonl(out / "part-00000.jsonl")[0]
    assert row["entities"][0] == {
        "start": 0,
        "end": 3,
        "text": "Doc",
        "label": "person",
        "score": 1.0,
    }
    assert "text" not in row


def test_a_second_process_on_the_same_output_stops(tmp_path: Path) -> None:
    source = corpus(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    with locked(Layout(out, (0, 1)).lock), pytest.raises(UninerError, match="another process"):
        extract_corpus(CapitalisedWords(), config(source, out), progress=False)


def test_progress_bar_counts_documents(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = corpus(tmp_path)
    extract_corpus(CapitalisedWords(), config(source, tmp_path / "out"), progress=True)
    err = capsys.readouterr().err
    assert "12/12" in err and "doc/s" in err and "mentions/s" in err


def test_the_options_reach_the_model_and_its_drops_are_counted(tmp_path: Path) -> None:
    class Dropping(CapitalisedWords):
        """Reports one mention below the threshold per text, and the options it was given."""

        def __init__(self) -> None:
            super().__init__()
            self.options: list[dict[str, Any]] = []

        def predict(self, texts: Any, types: Any, **kwargs: Any) -> Any:
            self.options.append(kwargs)
            predictions = super().predict(texts, types, **kwargs)
            for prediction in predictions:
                prediction.meta["below_threshold"] = 1
            return predictions

    model = Dropping()
    options = ExtractOptions(threshold=0.5, window_tokens=32, window_overlap=4)
    result = extract_corpus(
        model, config(corpus(tmp_path), tmp_path / "out", options=options), progress=False
    )
    assert {(o["threshold"], o["window_tokens"], o["window_overlap"]) for o in model.options} == {
        (0.5, 32, 4)
    }
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [p["below_threshold"] for p in manifest["parts"]] == [5, 5, 0]
    assert manifest["totals"]["below_threshold"] == result.below_threshold == 10
    assert "30 mentions (10 more below the threshold, dropped)" in result.summary()


def test_a_long_document_goes_through_the_engines_windows(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from uniner.engine import NERModel

    model = NERModel.from_pretrained(str(tiny_model_dir), device="cpu", dtype="float32")
    windows: list[int] = []
    predict = model.predict

    def counting(*args: Any, **kwargs: Any) -> Any:
        predictions = predict(*args, **kwargs)
        windows.extend(len(p.meta["windows"]) for p in predictions)
        return predictions

    model.predict = counting  # type: ignore[method-assign]
    long = " ".join(f"Ada met Bob in Paris on day {i}." for i in range(30))
    source = write_jsonl(
        tmp_path / "in.jsonl", [{"text": "Ada.", "id": "short"}, {"text": long, "id": "long"}]
    )
    options = ExtractOptions(max_new_tokens=2, window_tokens=64, window_overlap=8)
    extract_corpus(model, config(source, tmp_path / "out", options=options), progress=False)
    assert windows[0] == 1 and windows[1] > 3
    assert [r["id"] for r in read_part(tmp_path / "out" / "part-00000.jsonl")] == ["short", "long"]
