"""benchmarks/bench_threads.py on the tiny model: one JSON line, every mode and count timed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from uniner.threads import affinity_cpus, cpu_quota, torch_default_threads, usable_cpus

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "bench_threads.py"


def test_bench_threads_times_each_count_alone_and_shared(tiny_model_dir: Path) -> None:
    command = [sys.executable, str(SCRIPT), "--model", str(tiny_model_dir), "--dtype", "float32"]
    command += ["--text", "Ada met Bob in London.", "--text", "Paris is big."]
    command += ["--type", "person", "--type", "city", "--repeats", "1", "--max-new-tokens", "4"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert set(result) == {
        "model",
        "dtype",
        "cpu",
        "native_bf16",
        "passages",
        "queries",
        "cpus",
        "cpu_quota",
        "usable_cpus",
        "auto_threads",
        "s_per_query",
        "best_threads",
    }
    assert (result["model"], result["dtype"]) == (str(tiny_model_dir), "float32")
    assert (result["passages"], result["queries"]) == (2, 4)
    assert (result["cpus"], result["cpu_quota"]) == (affinity_cpus(), cpu_quota())
    assert result["usable_cpus"] == usable_cpus()
    assert result["auto_threads"] == min(usable_cpus(), torch_default_threads())
    times = result["s_per_query"]
    assert set(times) == {"alone", "shared"}
    for mode in ("alone", "shared"):
        assert set(times[mode]) == {"1", "2"} and all(s > 0 for s in times[mode].values())
        assert result["best_threads"][mode] == min((s, int(n)) for n, s in times[mode].items())[1]


def test_bench_threads_refuses_an_unknown_mode() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--modes", "alone,quota"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown mode(s) ['quota']; choose from ('alone', 'shared')" in done.stderr
