"""benchmarks/bench_descriptions.py on the tiny model: both ways timed, the prompts compared."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "bench_descriptions.py"


def test_descriptions_lengthen_the_questions_and_are_timed(
    tiny_model_dir: Path, shared_data: Path
) -> None:
    command = [sys.executable, str(SCRIPT), "--model", str(tiny_model_dir), "--dtype", "float32"]
    command += ["--passages", "2", "--sets", "crossner_ai,mit-restaurant"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert set(result["sets"]) == {"crossner_ai", "mit-restaurant"}
    assert (result["passages"], result["queries"]) == (4, 2 * 13 + 2 * 8)
    for run in result["sets"].values():
        assert 0 < run["described"] <= run["types"]  # SLIMER's files describe most types
        tokens = run["prompt_tokens"]
        assert tokens["descriptions"] > tokens["names"] > 0
        assert 0 <= run["answers_changed"] <= run["passages"] * run["types"]
    assert (
        result["descriptions_prompt_tokens_per_passage"] > result["names_prompt_tokens_per_passage"]
    )
    assert result["cost_ratio"] > 0


def test_an_unknown_set_is_named(tiny_model_dir: Path, shared_data: Path) -> None:
    command = [sys.executable, str(SCRIPT), "--model", str(tiny_model_dir), "--sets", "nope"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1
    assert "no zero-shot set with definitions named ['nope']" in done.stderr
