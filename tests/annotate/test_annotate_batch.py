"""The Batch API path, end to end through the official ``openai`` SDK against ``BatchServer``
(tests/chat_servers.py): a real HTTP server on loopback with the Files and Batches endpoints."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chat_servers import BatchServer, subprocess_env, uniner_command
from uniner.annotate import AnnotateConfig, AnnotateResult, SamplingParams, annotate, cost_report
from uniner.annotate.batch_files import read_results, request_line
from uniner.annotate.teacher import TeacherResponse
from uniner.corpus import CorpusConfig, TokenCounter, load_tokenizer
from uniner.errors import TeacherError

pytestmark = pytest.mark.server

CORPUS = Path(__file__).parent / "data" / "corpus.jsonl"
KEYWORDS = ("Ada Lovelace", "Brazil", "Apple", "Marie Curie", "Paris")
PASSAGES = 5  # 6 lines, one a duplicate
EIFFEL = "The Eiffel Tower"  # the passage the server fails inside batches


def keywords(message: str) -> str:
    return repr([(word, "thing") for word in KEYWORDS if word in message])


@pytest.fixture
def server() -> Iterator[BatchServer]:
    batch_server = BatchServer(keywords)
    yield batch_server
    batch_server.close()


@pytest.fixture(scope="module")
def counter(smollm2_dir: Path) -> TokenCounter:
    return load_tokenizer(smollm2_dir)


def make_config(out: Path, url: str, **options: Any) -> AnnotateConfig:
    return AnnotateConfig(
        CorpusConfig(str(CORPUS)),
        out=str(out),
        teacher_url=url,
        teacher_model="teacher",
        price_input=2.0,
        price_output=10.0,
        batch_poll=0.02,
        **options,
    )


def run(out: Path, server: BatchServer, counter: TokenCounter, **options: Any) -> AnnotateResult:
    config = make_config(out, server.url, **options)
    return annotate(config, counter=counter, progress=False)


def online_reference(tmp_path: Path, server: BatchServer, counter: TokenCounter) -> bytes:
    """annotations.jsonl of an online run; the chat requests it made are taken off the count."""
    run(tmp_path / "online", server, counter)
    assert server.chat_requests == PASSAGES
    server.chat_requests = 0
    return (tmp_path / "online" / "annotations.jsonl").read_bytes()


def journal(out: Path) -> list[dict[str, Any]]:
    return list(json.loads((out / "batches.json").read_text())["batches"])


def error_rows(out: Path) -> list[dict[str, Any]]:
    lines = (out / "batch_errors.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "key"} for line in lines]


def passage_id(out: Path, text_start: str) -> str:
    for line in (out / "passages.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["text"].startswith(text_start):
            return str(row["id"])
    raise AssertionError(text_start)


# 11 prompt and 7 completion tokens an answer (chat_servers.completion), at 2 and 10 USD per
# million online, 1 and 5 in a batch
ONLINE_USD, BATCH_USD = (11 * 2 + 7 * 10) / 1e6, (11 * 2 + 7 * 10) / 2e6


def test_a_batch_run_writes_what_the_online_run_writes_at_half_price(
    tmp_path: Path, server: BatchServer, counter: TokenCounter
) -> None:
    reference = online_reference(tmp_path, server, counter)
    out = tmp_path / "batch"
    result = run(out, server, counter, batch=True)
    assert (out / "annotations.jsonl").read_bytes() == reference
    assert (server.files_created, server.batches_created, server.chat_requests) == (1, 1, 0)
    (batch_id,) = server.batches
    assert result.stats["batch"] == {
        "batches": [
            {"id": batch_id, "status": "completed", "requests": 5, "answered": 5, "errors": 0}
        ],
        "errors": 0,
        "answered_online": 0,
        "errors_file": "batch_errors.jsonl",
    }
    assert result.stats["usage"]["this_run"] == {
        "requests": 5, "prompt_tokens": 55, "completion_tokens": 35,
        "cost_usd": round(5 * BATCH_USD, 6),
        "batch": {"requests": 5, "prompt_tokens": 55, "completion_tokens": 35,
                  "cost_usd": round(5 * BATCH_USD, 6), "online_cost_usd": round(5 * ONLINE_USD, 6)},
    }  # fmt: skip
    assert result.stats["usage"]["price_per_million"] == {
        "input": 2.0, "output": 10.0, "batch_input": 1.0, "batch_output": 5.0,
    }  # fmt: skip
    (entry,) = journal(out)
    assert entry["batch_id"] == batch_id
    assert (entry["status"], entry["ingested"], entry["requests"]) == ("completed", True, 5)
    uploaded = server.files[server.batches[batch_id]["input_file_id"]]["data"]
    assert uploaded == (out / entry["input_file"]).read_bytes()
    first = json.loads(uploaded.decode().splitlines()[0])
    assert (first["method"], first["url"], first["body"]["model"]) == (
        "POST", "/v1/chat/completions", "teacher",
    )  # fmt: skip
    assert (out / "batch_errors.jsonl").read_text() == ""

    again = run(out, server, counter, batch=True)  # everything is cached: nothing is sent
    assert (server.files_created, server.batches_created, server.chat_requests) == (1, 1, 0)
    assert again.stats["usage"]["cache_hits"] == 5
    assert again.stats["usage"]["total"] == result.stats["usage"]["total"]  # batch price kept


def test_progress_shows_the_batches_and_no_progress_is_silent(
    tmp_path: Path, server: BatchServer, counter: TokenCounter, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(tmp_path / "a", server.url, batch=True)
    annotate(config, counter=counter, progress=True)
    err = capsys.readouterr().err
    assert "annotate: submitted batch batch-2 (5 requests, batch-0000-input.jsonl)" in err
    assert "batch: 100%" in err and "5/5" in err and "completed=1" in err
    run(tmp_path / "b", server, counter, batch=True)
    assert capsys.readouterr() == ("", "")


def test_requests_failed_inside_the_batch_are_sent_online(
    tmp_path: Path, server: BatchServer, counter: TokenCounter
) -> None:
    reference = online_reference(tmp_path, server, counter)
    server.fail_in_batch = (EIFFEL,)
    out = tmp_path / "batch"
    result = run(out, server, counter, batch=True, batch_errors="online")
    assert (out / "annotations.jsonl").read_bytes() == reference
    assert (server.batches_created, server.chat_requests) == (1, 1)
    assert error_rows(out) == [{
        "passage": passage_id(out, EIFFEL),
        "error": "HTTP 500: scripted server error",
        "answered_online": True,
    }]  # fmt: skip
    assert (result.stats["batch"]["errors"], result.stats["batch"]["answered_online"]) == (1, 1)
    usage = result.stats["usage"]["this_run"]
    assert (usage["requests"], usage["batch"]["requests"]) == (5, 4)
    assert usage["cost_usd"] == round(4 * BATCH_USD + ONLINE_USD, 6)


def test_report_lists_failed_requests_and_the_next_run_sends_only_them(
    tmp_path: Path, server: BatchServer, counter: TokenCounter
) -> None:
    server.fail_in_batch = (EIFFEL,)
    out = tmp_path / "batch"
    first = run(out, server, counter, batch=True, batch_errors="report")
    assert server.chat_requests == 0
    assert first.stats["passages"]["dropped"] == {"teacher_error": 1}
    assert error_rows(out) == [{
        "passage": passage_id(out, EIFFEL),
        "error": "HTTP 500: scripted server error",
        "answered_online": False,
    }]  # fmt: skip

    server.fail_in_batch = ()
    second = run(out, server, counter, batch=True, batch_errors="report")
    assert server.batches_created == 2
    assert [b["request_counts"]["total"] for b in server.batches.values()] == [5, 1]
    assert second.stats["usage"]["this_run"]["requests"] == 1
    assert second.stats["passages"] == {"annotated": 5, "kept": 5, "dropped": {}}
    assert [e["ingested"] for e in journal(out)] == [True, True]


def test_an_expired_batch_keeps_what_it_answered_and_the_rest_go_online(
    tmp_path: Path, server: BatchServer, counter: TokenCounter
) -> None:
    reference = online_reference(tmp_path, server, counter)
    server.outcomes, server.expire_after = ["expired"], 2
    out = tmp_path / "batch"
    result = run(out, server, counter, batch=True)
    assert (out / "annotations.jsonl").read_bytes() == reference
    assert server.chat_requests == 3
    (batch,) = result.stats["batch"]["batches"]
    assert (batch["status"], batch["answered"], batch["errors"]) == ("expired", 2, 3)
    errors = {row["error"] for row in error_rows(out)}
    assert errors == {
        "batch_expired: This request could not be executed before the completion window expired."
    }
    assert result.stats["usage"]["this_run"]["batch"]["requests"] == 2


def test_a_failed_batch_is_reported_with_its_reason(
    tmp_path: Path, server: BatchServer, counter: TokenCounter
) -> None:
    server.outcomes = ["failed"]
    out = tmp_path / "batch"
    result = run(out, server, counter, batch=True, batch_errors="report")
    assert result.stats["passages"]["dropped"] == {"teacher_error": 5}
    (batch_id,) = server.batches
    assert {row["error"] for row in error_rows(out)} == {
        f"batch {batch_id} ended failed without answering it "
        "(invalid_request: scripted validation failure)"
    }
    assert "batch" not in result.stats["usage"]["this_run"]  # nothing was paid


def test_batch_size_splits_the_requests(
    tmp_path: Path, server: BatchServer, counter: TokenCounter
) -> None:
    run(tmp_path, server, counter, batch=True, batch_size=2)
    assert [b["request_counts"]["total"] for b in server.batches.values()] == [2, 2, 1]
    assert [e["input_file"] for e in journal(tmp_path)] == [
        "batch-0000-input.jsonl", "batch-0001-input.jsonl", "batch-0002-input.jsonl",
    ]  # fmt: skip


def test_a_create_whose_answer_was_lost_is_found_not_made_again(
    tmp_path: Path, server: BatchServer, counter: TokenCounter
) -> None:
    first = run(tmp_path, server, counter, batch=True)
    # as if the run had died inside batches.create: the file id recorded, the batch id not,
    # the answers never read
    (entry,) = journal(tmp_path)
    entry.update(batch_id=None, status=None, ingested=False)
    (tmp_path / "batches.json").write_text(json.dumps({"batches": [entry]}))
    (tmp_path / "cache.sqlite").unlink()
    for name in ("cache.sqlite-wal", "cache.sqlite-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    second = run(tmp_path, server, counter, batch=True)
    assert (server.files_created, server.batches_created) == (1, 1)
    assert journal(tmp_path)[0]["batch_id"] == next(iter(server.batches))
    assert second.stats["passages"] == first.stats["passages"]


def test_a_create_answered_500_is_looked_up_before_it_is_retried(
    tmp_path: Path, server: BatchServer, counter: TokenCounter
) -> None:
    server.lose_create_answers = 1
    result = run(tmp_path, server, counter, batch=True)
    assert (server.files_created, server.batches_created) == (1, 1)
    assert result.stats["batch"]["batches"][0]["answered"] == 5


def test_the_online_teacher_must_share_the_batch_keys(
    tmp_path: Path, server: BatchServer, counter: TokenCounter
) -> None:
    class Other:
        backend, model = "openai", "another-model"

        async def complete(self, messages: Any, params: Any) -> TeacherResponse:
            raise AssertionError("never called")

    config = make_config(tmp_path, server.url, batch=True)
    with pytest.raises(ValueError, match="must be the batch's model"):
        annotate(config, teacher=Other(), counter=counter, progress=False)


def test_an_online_run_refuses_a_folder_with_unfinished_batches(
    tmp_path: Path, server: BatchServer, counter: TokenCounter
) -> None:
    server.outcomes = ["completed"]
    run(tmp_path, server, counter, batch=True)
    (entry,) = journal(tmp_path)
    entry["ingested"] = False  # as if stopped while the batch ran
    (tmp_path / "batches.json").write_text(json.dumps({"batches": [entry]}))
    with pytest.raises(ValueError, match=r"holds 1 unfinished batch\(es\) \(batch-2\): run again"):
        run(tmp_path, server, counter)
    assert server.chat_requests == 0
    run(tmp_path, server, counter, batch=True)  # collects it (already answered: from the cache)
    run(tmp_path, server, counter)  # and an online run is welcome again
    assert (server.batches_created, server.chat_requests) == (1, 0)


def test_batch_options_are_checked(tmp_path: Path) -> None:
    corpus = CorpusConfig(str(CORPUS))
    with pytest.raises(ValueError, match="batch needs the openai backend, got backend='trans"):
        AnnotateConfig(corpus, out="o", backend="transformers", teacher_model="m", batch=True)
    base = {"out": "o", "teacher_url": "http://x", "teacher_model": "m"}
    with pytest.raises(ValueError, match="batch_errors must be 'online' or 'report', got 'retry'"):
        AnnotateConfig(corpus, **base, batch_errors="retry")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"batch_size must be in 1\.\.50000, got 50001"):
        AnnotateConfig(corpus, **base, batch_size=50_001)
    with pytest.raises(ValueError, match="batch_poll must be positive, got 0"):
        AnnotateConfig(corpus, **base, batch_poll=0)


# ---------------------------------------------------------------- the files, line by line


def test_result_lines_become_answers_or_errors() -> None:
    body = {
        "choices": [{"message": {"content": "[('Ada', 'person')]"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 5},
    }
    lines = [
        {"custom_id": "a", "response": {"status_code": 200, "body": body}, "error": None},
        {"custom_id": "b", "response": {"status_code": 429, "body": {"error": {"message": "slow"}}},
         "error": None},
        {"custom_id": "c", "response": None, "error": {"code": "batch_expired", "message": "late"}},
        {"custom_id": "d", "response": {"status_code": 200, "body": {"choices": []}},
         "error": None},
    ]  # fmt: skip
    results = read_results("\n".join(map(json.dumps, lines)) + "\n\n", source="file-1")
    assert results.answers == {
        "a": TeacherResponse("[('Ada', 'person')]", 12, 5, 0.0, "stop", batch=True)
    }
    assert results.errors == {
        "b": "HTTP 429: slow",
        "c": "batch_expired: late",
        "d": "the response has no choices",
    }
    with pytest.raises(TeacherError, match="batch file file-9, line 2: not a batch result"):
        read_results(json.dumps(lines[0]) + "\n{not json\n", source="file-9")


def test_a_request_line_holds_what_the_online_teacher_sends() -> None:
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    line = json.loads(request_line("key1", "m", messages, SamplingParams(0.5, 64)))
    assert line == {
        "custom_id": "key1", "method": "POST", "url": "/v1/chat/completions",
        "body": {"model": "m", "messages": messages, "temperature": 0.5, "max_tokens": 64},
    }  # fmt: skip


def test_the_cost_report_bills_batch_answers_at_half_price() -> None:
    online, batch = TeacherResponse("[]", 1000, 100), TeacherResponse("[]", 1000, 100, batch=True)
    assert cost_report([online], 2.0, 10.0) == {
        "requests": 1, "prompt_tokens": 1000, "completion_tokens": 100, "cost_usd": 0.003,
    }  # fmt: skip
    assert cost_report([online, batch], 2.0, 10.0) == {
        "requests": 2, "prompt_tokens": 2000, "completion_tokens": 200, "cost_usd": 0.0045,
        "batch": {"requests": 1, "prompt_tokens": 1000, "completion_tokens": 100,
                  "cost_usd": 0.0015, "online_cost_usd": 0.003},
    }  # fmt: skip


# ---------------------------------------------------------------- kill -9 and resume


def cli_args(out: Path, url: str, tokenizer: Path) -> list[str]:
    return uniner_command(
        "annotate", "--corpus", str(CORPUS), "--out", str(out), "--teacher-url", url,
        "--teacher-model", "teacher", "--tokenizer", str(tokenizer), "--batch",
        "--batch-poll", "0.05", "--price-input", "2", "--price-output", "10", "--no-progress",
    )  # fmt: skip


def recorded_batch(out: Path) -> str | None:
    try:
        entries = journal(out)
    except (FileNotFoundError, ValueError):
        return None
    return entries[0]["batch_id"] if entries else None


def test_kill_9_while_the_batch_runs_then_resume_retrieves_it_and_submits_nothing(
    tmp_path: Path, server: BatchServer, counter: TokenCounter, smollm2_dir: Path
) -> None:
    reference = online_reference(tmp_path, server, counter)
    server.hold = True  # batches stay in_progress: the run waits, polling
    out = tmp_path / "resumed"
    args = cli_args(out, server.url, smollm2_dir)
    first = subprocess.Popen(
        args, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 120
    while recorded_batch(out) is None or server.retrieves < 3:
        assert first.poll() is None, first.stdout.read().decode() if first.stdout else ""
        assert time.monotonic() < deadline, "the batch was never recorded and polled"
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert first.returncode == -signal.SIGKILL
    assert not (out / "annotations.jsonl").exists()
    (batch_id,) = server.batches
    assert recorded_batch(out) == batch_id
    assert server.batches[batch_id]["status"] == "in_progress"

    server.hold = False
    done = subprocess.run(args, env=subprocess_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (server.files_created, server.batches_created, server.chat_requests) == (1, 1, 0)
    assert (out / "annotations.jsonl").read_bytes() == reference
    summary = json.loads(done.stdout)
    assert summary["batch"] == {
        "errors": 0, "answered_online": 0, "errors_file": "batch_errors.jsonl", "ids": [batch_id],
    }  # fmt: skip
    assert summary["usage"]["this_run"]["cost_usd"] == round(5 * BATCH_USD, 6)
