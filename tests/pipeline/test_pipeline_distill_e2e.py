"""``distill`` through all four stages: a teacher over real HTTP, build, train, evaluate.

The teacher is a small chat-completions server on loopback, driven by the official ``openai``
client; it answers like a competent teacher (every capitalised word run, typed by a fixed
lexicon) so that the later stages get real data. The run with llama.cpp's SmolLM2 server is
``scripts/distill_local`` (docs/training.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from chat_servers import completion, serve
from uniner.pipeline import DistillConfig, distill

LEXICON = {"Ada Lovelace": "person", "Alan Turing": "person", "London": "city", "Paris": "city"}
PASSAGES = [
    "Ada Lovelace lived in London.",
    "Alan Turing studied in London and visited Paris.",
    "Paris welcomed Ada Lovelace.",
    "Alan Turing and Ada Lovelace never met in Paris.",
]


class LexiconTeacher:
    """Answers the paper's teacher prompt with the lexicon's entities found in the passage."""

    def __init__(self) -> None:
        self.requests = 0
        teacher = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["content-length"])))
                passage = request["messages"][-1]["content"].split("Passage: ", 1)[1]
                found = [(m, t) for m, t in LEXICON.items() if re.search(re.escape(m), passage)]
                teacher.requests += 1
                body = json.dumps(completion(repr(found))).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server, self.url = serve(Handler)


@pytest.fixture
def teacher() -> Iterator[LexiconTeacher]:
    server = LexiconTeacher()
    yield server
    server.server.shutdown()


def _benchmark(folder: Path) -> Path:
    """A one-dataset benchmark (span format) the student is scored on."""
    gold = [
        {"sentence": "Ada Lovelace left Paris.", "entities": [
            {"name": "Ada Lovelace", "type": "person", "pos": [0, 12]},
            {"name": "Paris", "type": "city", "pos": [18, 23]}]},
        {"sentence": "Alan Turing lived in London.", "entities": [
            {"name": "Alan Turing", "type": "person", "pos": [0, 11]},
            {"name": "London", "type": "city", "pos": [21, 27]}]},
    ]  # fmt: skip
    (folder / "gold.json").write_text(json.dumps(gold))
    config = folder / "bench.yaml"
    config.write_text(
        "datasets:\n  toy: {path: gold.json, format: spans}\n"
        "benchmarks:\n  toy-bench: {datasets: [toy]}\n"
    )
    return config


@pytest.mark.slow
def test_distill_runs_every_stage_then_skips_them(
    teacher: LexiconTeacher, tiny_model_dir: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": p}) + "\n" for p in PASSAGES))
    config = DistillConfig(
        out=tmp_path / "run",
        corpus={"path": str(corpus), "tokenizer": str(tiny_model_dir)},
        annotate={"teacher_url": teacher.url, "teacher_model": "lexicon", "concurrency": 2},
        build={"negatives": "frequency", "n_negatives": 1, "tokenizer": str(tiny_model_dir)},
        train={"model": str(tiny_model_dir), "max_steps": 2, "dtype": "float32"},
        evaluate={"benchmark": "toy-bench", "config": str(_benchmark(tmp_path)),
                  "data_root": str(tmp_path), "progress": False},
    )  # fmt: skip

    first = distill(config)

    assert first.ran == ["annotate", "build", "train", "evaluate"]
    assert teacher.requests == len(PASSAGES)
    kept = [json.loads(line) for line in first.annotations[0].read_text().splitlines()]
    assert sorted(p["text"] for p in kept) == sorted(PASSAGES)
    for passage in kept:
        for entity in passage["entities"]:
            assert passage["text"][entity["start"] : entity["end"]] == entity["text"]
            assert LEXICON[entity["text"]] == entity["type"]
    conversations = first.data.read_text() + (first.data.parent / "dev.jsonl").read_text()
    assert conversations.count("What describes") >= 2 * len(PASSAGES)
    assert json.loads((first.student / "uniner.json").read_text())["style"] == "chat"
    assert first.scores is not None
    results = json.loads((first.student.parent / "eval" / "results.json").read_text())
    assert list(results["datasets"]) == ["toy"]
    assert 0.0 <= results["datasets"]["toy"]["f1"] <= 1.0

    again = distill(config)
    assert again.ran == []
    assert teacher.requests == len(PASSAGES)  # nothing asked twice
    assert again.scores == first.scores
