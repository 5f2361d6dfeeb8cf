"""benchmarks/bench_finetune.py on the tiny model: one JSON line per point of the curve."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from finetune_data import make_adapter, write_conll

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "bench_finetune.py"


def test_bench_finetune_prints_one_point_per_size(tiny_model_dir: Path, tmp_path: Path) -> None:
    adapter = make_adapter(tiny_model_dir, tmp_path / "student")
    conll = write_conll(tmp_path / "ours.conll")
    command = [sys.executable, str(SCRIPT), "--data", f"mine={conll}", "--from", str(adapter)]
    command += ["--sizes", "4,all", "--out", str(tmp_path / "runs"), "--max-steps", "1"]
    command += ["--dev-fraction", "0.25", "--dev-score-queries", "1", "--dtype", "float32"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    # The trainer prints its logs as Python dicts ({'loss': ...}); the points are JSON.
    points = [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"')]
    assert [(p["dataset"], p["sentences"], p["dev_passages"]) for p in points] == [
        ("mine", 4, 3),
        ("mine", 9, 3),
    ]
    # The source is scored once, on the dev split every size shares.
    assert points[0]["dev_f1_before"] == points[1]["dev_f1_before"] is not None
    for point in points:
        assert set(point) == {
            "dataset",
            "sentences",
            "dev_passages",
            "minutes",
            "dev_f1_before",
            "dev_f1_after",
        }
        assert point["minutes"] >= 0 and 0 <= point["dev_f1_after"] <= 100
    runs = tmp_path / "runs" / "mine"
    assert json.loads((runs / "4" / "finetune_result.json").read_text())["before"] is not None
    assert json.loads((runs / "all" / "finetune_result.json").read_text())["before"] is None


def test_bench_finetune_says_when_its_data_is_missing(tmp_path: Path) -> None:
    command = [sys.executable, str(SCRIPT), "--data", f"x={tmp_path / 'none.conll'}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert f"data not found: {tmp_path / 'none.conll'}" in done.stderr


def test_bench_finetune_reads_back_finished_points(tiny_model_dir: Path, tmp_path: Path) -> None:
    adapter = make_adapter(tiny_model_dir, tmp_path / "student")
    conll = write_conll(tmp_path / "ours.conll")
    command = [sys.executable, str(SCRIPT), "--data", f"mine={conll}", "--from", str(adapter)]
    command += ["--out", str(tmp_path / "runs"), "--max-steps", "1", "--dtype", "float32"]
    command += ["--dev-fraction", "0.25", "--dev-score-queries", "1"]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command + list(extra), capture_output=True, text=True, timeout=600, check=False
        )

    def points(done: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
        assert done.returncode == 0, done.stderr[-2000:]
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"')]

    first = points(run("--sizes", "4"))
    result = tmp_path / "runs" / "mine" / "4" / "finetune_result.json"
    stamp = result.stat().st_mtime_ns
    # The finished point is read back (its result file untouched), the new size is trained.
    again = points(run("--sizes", "4,all"))
    assert again[0] == first[0] and result.stat().st_mtime_ns == stamp
    assert again[1]["sentences"] == 9 and again[1]["dev_f1_before"] == first[0]["dev_f1_before"]
    # Other options for the same folder are not read back: the trainer refuses to mix runs.
    other = run("--sizes", "4", "--seed", "1")
    assert other.returncode == 2 and "other schedule options" in other.stderr
    assert "Traceback" not in other.stderr
    assert result.stat().st_mtime_ns == stamp
