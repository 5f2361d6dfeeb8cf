"""benchmarks/bench_memory.py on the tiny model: every setting in its own process, one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from uniner.hardware import cpu_model

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "bench_memory.py"


def test_bench_memory_reports_each_setting_and_draws_them(
    tiny_model_dir: Path, shared_data: Path, tmp_path: Path
) -> None:
    plot = tmp_path / "memory.png"
    command = [sys.executable, str(SCRIPT), "--model", str(tiny_model_dir), "--dtype", "float32"]
    command += ["--passages", "2", "--batch-sizes", "1,2", "--max-new-tokens", "4"]
    command += ["--trim", "both", "--plot", str(plot)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert (result["model"], result["dtype"]) == (str(tiny_model_dir), "float32")
    assert (result["cpu"], result["threads"], result["passages"]) == (cpu_model(), 1, 2)
    settings = result["settings"]
    asked = [(size, asking) for asking in ("names", "descriptions") for size in (1, 2)]
    assert [(s["batch_size"], s["asking"], s["trim"]) for s in settings] == [
        *[(size, asking, True) for size, asking in asked],
        *[(size, asking, False) for size, asking in asked],
    ]
    for s in settings:
        assert 0 < s["baseline_mb"] <= s["loaded_mb"] <= s["peak_mb"]
        assert s["s_per_passage"] > 0
    assert "batch   2 descriptions trim off" in done.stderr
    assert plot.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--batch-sizes", "8,x"], "--batch-sizes takes whole numbers"),
        (["--batch-sizes", "0"], "must be positive"),
        (["--asking", "vaguely"], "invalid choice: 'vaguely'"),
    ],
)
def test_bench_memory_refuses_bad_sizes(flags: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *flags], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2 and message in done.stderr
