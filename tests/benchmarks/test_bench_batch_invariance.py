"""benchmarks/bench_batch_invariance.py on the tiny model: every way run, differences counted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "bench_batch_invariance.py"


def test_bench_counts_answers_that_change_with_the_batch(
    tiny_model_dir: Path, shared_data: Path
) -> None:
    command = [sys.executable, str(SCRIPT), "--model", str(tiny_model_dir), "--dtype", "both"]
    command += ["--passages", "3", "--sets", "CrossNER_AI,mit-restaurant", "--batch-size", "3"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert (result["model"], result["batch_size"]) == (str(tiny_model_dir), 3)
    for dtype in ("float32", "bfloat16"):
        run = result[dtype]
        assert run["passages"] == 6
        assert run["queries"] == 3 * 13 + 3 * 8  # CrossNER AI's 13 types, MIT restaurant's 8
        for way in ("differ_batched", "differ_regrouped"):
            assert 0 <= run[way] <= run["queries"]
        assert set(run["s_per_passage"]) == {"alone", "batched", "regrouped"}
        assert all(s > 0 for s in run["s_per_passage"].values())


def test_bench_names_the_missing_sets(tiny_model_dir: Path, shared_data: Path) -> None:
    command = [sys.executable, str(SCRIPT), "--model", str(tiny_model_dir), "--sets", "nope"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1
    assert "none of the sets 'nope' is in" in done.stderr
