"""benchmarks/pile_dev.py on the tiny model: the dev questions scored by name and described."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from uniner.instruct import Conversation, write_conversations

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "pile_dev.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def test_both_ways_are_scored(tiny_model_dir: Path, tmp_path: Path) -> None:
    dev = tmp_path / "dev.jsonl"
    write_conversations(
        [
            Conversation("a", "Ada Lovelace lived in London.", [("person", ["Ada"]), ("city", [])]),
            Conversation("b", "Paris is in France.", [("country", ["France"])]),
        ],
        dev,
    )
    definitions = tmp_path / "definitions.json"
    definitions.write_text(json.dumps({"person": {"definition": "a human", "guidelines": ""}}))
    done = _run("--model", str(tiny_model_dir), "--dtype", "float32", "--dev", str(dev),
                "--definitions", str(definitions), "--queries", "2")  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert (result["names"]["questions"], result["names"]["described"]) == (2, 0)
    assert (result["descriptions"]["questions"], result["descriptions"]["described"]) == (2, 1)
    for way in ("names", "descriptions"):
        assert 0 <= result[way]["f1"] <= 100


def test_an_unknown_way_is_named(tmp_path: Path) -> None:
    done = _run("--dev", str(tmp_path / "dev.jsonl"), "--ways", "names,guesses")
    assert done.returncode == 1
    assert "unknown ways ['guesses']" in done.stderr
