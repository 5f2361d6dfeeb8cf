"""The runner with an in-process teacher (any object with ``complete`` is a teacher)."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest

from uniner.annotate import (
    AnnotateConfig,
    SamplingParams,
    Teacher,
    TeacherResponse,
    annotate,
)
from uniner.cli import main
from uniner.corpus import CorpusConfig, TokenCounter, load_tokenizer
from uniner.errors import TeacherError

CORPUS = Path(__file__).parent / "data" / "corpus.jsonl"


@pytest.fixture(scope="module")
def counter(smollm2_dir: Path) -> TokenCounter:
    return load_tokenizer(smollm2_dir)


class KeywordTeacher:
    """Answers by keyword, after a random delay, so answers complete out of order."""

    backend = "test"
    model = "keywords"

    def __init__(self, seed: int, fail_on: str | None = None) -> None:
        self.rng = random.Random(seed)
        self.fail_on = fail_on
        self.calls = 0

    async def complete(
        self, messages: list[dict[str, str]], params: SamplingParams
    ) -> TeacherResponse:
        self.calls += 1
        await asyncio.sleep(self.rng.random() * 0.05)
        text = messages[-1]["content"]
        if self.fail_on and self.fail_on in text:
            raise TeacherError("scripted failure")
        found = [(w, "thing") for w in ("Brazil", "Apple", "Marie Curie", "Paris") if w in text]
        return TeacherResponse(repr(found), prompt_tokens=100, completion_tokens=10)


def make_config(out: Path, **options: object) -> AnnotateConfig:
    return AnnotateConfig(
        CorpusConfig(str(CORPUS)),
        out=str(out),
        teacher_url="http://unused",
        teacher_model="keywords",
        concurrency=4,
        price_input=2.0,
        price_output=10.0,
        **options,  # type: ignore[arg-type]
    )


def test_teacher_protocol() -> None:
    assert isinstance(KeywordTeacher(0), Teacher)


def test_output_is_independent_of_completion_order(tmp_path: Path, counter: TokenCounter) -> None:
    a = annotate(make_config(tmp_path / "a"), teacher=KeywordTeacher(1), progress=False)
    b = annotate(make_config(tmp_path / "b"), teacher=KeywordTeacher(2), progress=False)
    lines = (tmp_path / "a" / "annotations.jsonl").read_text()
    assert lines == (tmp_path / "b" / "annotations.jsonl").read_text()
    assert [r["meta"]["mentions"] for r in map(json.loads, lines.splitlines())] == [
        [["Brazil", "thing"]],
        [["Apple", "thing"]],
        [["Marie Curie", "thing"]],
        [["Paris", "thing"]],
    ]
    assert (
        a.stats["passages"]
        == {
            "annotated": 5,
            "kept": 4,
            "dropped": {"no_entities": 1},
        }
        == b.stats["passages"]
    )
    assert a.stats["usage"]["this_run"] == {
        "requests": 5, "prompt_tokens": 500, "completion_tokens": 50, "cost_usd": 0.0015,
    }  # fmt: skip
    assert a.stats["corpus"] == {"documents": 6, "passages": 6, "duplicates": 1, "sampled": 5}
    assert a.stats["types"]["shares"] == {"top_1pct": 1.0, "top_1_10pct": 0.0, "rest": 0.0}
    config = json.loads((tmp_path / "a" / "config.json").read_text())
    assert config["template"].startswith("Given a passage, your task is to extract all entities")


def test_failed_requests_are_not_cached_and_retried_next_run(
    tmp_path: Path, counter: TokenCounter
) -> None:
    failing = KeywordTeacher(0, fail_on="Eiffel")
    first = annotate(make_config(tmp_path), teacher=failing, counter=counter, progress=False)
    assert first.stats["passages"]["dropped"]["teacher_error"] == 1
    retry = KeywordTeacher(0)
    second = annotate(make_config(tmp_path), teacher=retry, counter=counter, progress=False)
    assert retry.calls == 1  # only the failed one
    assert "teacher_error" not in second.stats["passages"]["dropped"]


def test_too_many_failures_stop_the_run(tmp_path: Path, counter: TokenCounter) -> None:
    config = make_config(tmp_path, max_failures=2)
    with pytest.raises(TeacherError, match=r"\d requests failed for good \(max_failures=2\)"):
        annotate(
            config, teacher=KeywordTeacher(0, fail_on="Passage"), counter=counter, progress=False
        )


def test_config_errors_show_the_bad_value(tmp_path: Path) -> None:
    corpus = CorpusConfig(str(CORPUS))
    with pytest.raises(ValueError, match="needs teacher_url and teacher_model, got None"):
        AnnotateConfig(corpus, out=str(tmp_path))
    with pytest.raises(ValueError, match=r"containing '\{passage\}', got 'List entities\.'"):
        AnnotateConfig(
            corpus, out="o", teacher_url="http://x", teacher_model="m", prompt="List entities."
        )
    with pytest.raises(ValueError, match="concurrency must be at least 1, got 0"):
        AnnotateConfig(corpus, out="o", teacher_url="http://x", teacher_model="m", concurrency=0)


def test_cli_reports_a_missing_teacher_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["annotate", "--corpus", str(CORPUS), "--out", str(tmp_path)]) == 2
    assert "the openai backend needs teacher_url and teacher_model" in capsys.readouterr().err
