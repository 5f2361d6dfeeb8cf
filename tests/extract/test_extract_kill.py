"""A real ``uniner extract`` process, killed with SIGKILL mid-corpus and run again, writes the
files of a run that was never interrupted (the tiny random model: real engine, real files)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from extract_helpers import read_jsonl, snapshot, write_jsonl

from chat_servers import subprocess_env, uniner_command

DOCUMENTS = 160


def command(model: Path, source: Path, out: Path) -> list[str]:
    return uniner_command(
        "extract",
        "--model",
        str(model),
        "-t",
        "person",
        "-t",
        "city",
        "--max-new-tokens",
        "6",
        "--input",
        str(source),
        "--output",
        str(out),
        "--id-field",
        "id",
        "--documents-per-batch",
        "4",
        "--documents-per-file",
        "16",
        "--no-progress",
    )


def corpus(tmp_path: Path) -> Path:
    records: list[object] = []
    for i in range(DOCUMENTS):
        records.append({"id": i, "text": f"Report {i}: Ada Lovelace met Babbage in London."})
        if i % 40 == 7:
            records.append({"id": f"blank-{i}", "text": "  "})
    return write_jsonl(tmp_path / "in.jsonl", records)


def run(args: list[str]) -> None:
    done = subprocess.run(args, env=subprocess_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_kill_9_mid_corpus_then_rerun_equals_an_uninterrupted_run(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = corpus(tmp_path)
    run(command(tiny_model_dir, source, tmp_path / "whole"))

    out = tmp_path / "killed"
    process = subprocess.Popen(
        command(tiny_model_dir, source, out),
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not (out / "part-00001.jsonl").exists():  # two parts finished, more to go
            assert process.poll() is None, "the job ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    manifest = json.loads((out / "manifest.json").read_text())
    assert not manifest["complete"] and len(manifest["parts"]) < DOCUMENTS // 16

    run(command(tiny_model_dir, source, out))
    assert snapshot(out) == snapshot(tmp_path / "whole")
    manifest = json.loads((out / "manifest.json").read_text())
    _, second = manifest["runs"]
    assert 0 < second["documents"] < manifest["totals"]["documents"]
    rows = [r for p in manifest["parts"] for r in read_jsonl(out / p["file"])]
    assert [r["id"] for r in rows] == [str(i) for i in range(DOCUMENTS)]
    assert [b["id"] for b in read_jsonl(out / "bad.jsonl")] == [
        f"blank-{i}" for i in range(DOCUMENTS) if i % 40 == 7
    ]
