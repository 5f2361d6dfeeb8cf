"""End to end against llama.cpp's OpenAI-compatible server serving the real SmolLM2 GGUF.

SmolLM2-135M is a poor teacher: most of its answers are unusable, which exercises the
parser and the filters on real output.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from chat_servers import RecordingProxy, subprocess_env, uniner_command
from uniner.annotate import AnnotateConfig, SamplingParams, annotate
from uniner.corpus import CorpusConfig, TokenCounter, load_tokenizer

pytestmark = [pytest.mark.server, pytest.mark.slow]

CORPUS = Path(__file__).parent / "data" / "corpus.jsonl"
DISTINCT = 5  # 6 lines, one a duplicate


def config(out: Path, url: str, tokenizer: Path, n: int | None = None) -> AnnotateConfig:
    return AnnotateConfig(
        CorpusConfig(str(CORPUS), n=n, tokenizer=str(tokenizer)),
        out=str(out),
        teacher_url=url,
        teacher_model="smollm2",
        sampling=SamplingParams(max_tokens=48),
        concurrency=1,  # llama-cpp-python serializes requests and can stall on concurrent ones
    )


@pytest.fixture(scope="module")
def counter(smollm2_dir: Path) -> TokenCounter:
    return load_tokenizer(smollm2_dir)


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_annotate_against_llama_cpp_then_resume_from_cache(
    tmp_path: Path, proxy: RecordingProxy, smollm2_dir: Path, counter: TokenCounter
) -> None:
    first = annotate(config(tmp_path, proxy.url, smollm2_dir, n=3), counter=counter, progress=False)
    stats = first.stats
    assert stats["passages"]["annotated"] == 3
    assert stats["passages"]["kept"] + sum(stats["passages"]["dropped"].values()) == 3
    mentions = stats["mentions"]
    assert mentions["proposed"] == mentions["kept"] + sum(mentions["dropped"].values())
    assert stats["usage"]["this_run"]["requests"] == 3
    assert stats["usage"]["this_run"]["prompt_tokens"] > 3 * 60  # the prompt alone is ~70
    assert len(proxy.forwarded) == 3
    for name in ("config.json", "passages.jsonl", "stats.json", "drops.png", "types.png"):
        assert (tmp_path / name).is_file(), name
    records = read_lines(tmp_path / "annotations.jsonl")
    assert len(records) == stats["passages"]["kept"]
    for record in records:
        for entity in record["entities"]:
            assert record["text"][entity["start"] : entity["end"]] == entity["text"]

    again = annotate(config(tmp_path, proxy.url, smollm2_dir, n=3), counter=counter, progress=False)
    assert len(proxy.forwarded) == 3  # nothing sent twice
    assert again.stats["usage"]["this_run"]["requests"] == 0
    assert again.stats["usage"]["cache_hits"] == 3
    assert read_lines(tmp_path / "annotations.jsonl") == records


def cli_args(out: Path, url: str, tokenizer: Path) -> list[str]:
    return uniner_command(
        "annotate", "--corpus", str(CORPUS), "--out", str(out), "--teacher-url", url,
        "--teacher-model", "smollm2", "--max-tokens", "48", "--concurrency", "1",
        "--tokenizer", str(tokenizer), "--no-progress",
    )  # fmt: skip


def cached_rows(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # the schema is not written yet


def comparable(stats: dict[str, Any]) -> dict[str, Any]:
    """Stats without what depends on the run's history (time, what this run sent)."""
    usage = {k: v for k, v in stats["usage"].items() if k not in ("this_run", "cache_hits")}
    return {**{k: v for k, v in stats.items() if k != "seconds"}, "usage": usage}


def test_kill_9_then_resume_sends_nothing_twice_and_matches_uninterrupted_run(
    tmp_path: Path, llama_server: str, smollm2_dir: Path, counter: TokenCounter
) -> None:
    # the uninterrupted run, in process (same library function the CLI calls)
    reference_proxy = RecordingProxy(llama_server)
    reference = tmp_path / "reference"
    annotate(config(reference, reference_proxy.url, smollm2_dir), counter=counter, progress=False)
    reference_proxy.close()
    assert len(reference_proxy.forwarded) == DISTINCT

    proxy = RecordingProxy(llama_server)
    proxy.forward_limit = 2  # the server sees 2 requests, then the run hangs at the proxy
    resumed = tmp_path / "resumed"
    args = cli_args(resumed, proxy.url, smollm2_dir)
    run = subprocess.Popen(
        args, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 300
    while cached_rows(resumed / "cache.sqlite") < 2:
        assert run.poll() is None, run.stdout.read().decode() if run.stdout else ""
        assert time.monotonic() < deadline, "the first 2 answers never reached the cache"
        time.sleep(0.2)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL
    assert not (resumed / "annotations.jsonl").exists()
    proxy.release(drop_held=True)  # requests the dead run left at the proxy never reach llama

    subprocess.run(args, check=True, env=subprocess_env(), capture_output=True, timeout=300)
    proxy.close()
    assert len(proxy.forwarded) == DISTINCT
    assert len(set(proxy.forwarded)) == DISTINCT  # no request reached the server twice
    assert set(proxy.forwarded) == set(reference_proxy.forwarded)
    for name in ("passages.jsonl", "annotations.jsonl"):
        assert (resumed / name).read_bytes() == (reference / name).read_bytes(), name
    resumed_stats = json.loads((resumed / "stats.json").read_text())
    reference_stats = json.loads((reference / "stats.json").read_text())
    assert comparable(resumed_stats) == comparable(reference_stats)
    assert resumed_stats["usage"]["this_run"]["requests"] == DISTINCT - 2
