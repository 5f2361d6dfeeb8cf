"""Documents/s of a corpus extraction job: 1 process, 2 processes (``--shard``), Ray (2 actors).

The first ``--docs`` sentences of CoNLL-2003's test split (span format,
``ner/conll_2003/test.json``) become one JSONL corpus (``id``: the sentence's index), asked
about person, location and organization with the embedded default student (``--model`` for
another). In one run it measures:

  (a) ``uniner extract --input corpus.jsonl --output DIR``: one process;
  (b) ``--shard 0/2`` and ``--shard 1/2`` started together into one folder: two processes;
  (c) Ray Data on a local cluster: ``extract_dataset`` with 2 CPU actors, one model each;
  (d) the resume overhead: (a)'s command run again on its finished output, and
      ``extract_corpus`` on it in-process with the model already loaded.

(a) and (b) are timed end to end (process start and model loading included) and by the
extraction time each job records in its manifest; (c) from the ``map_batches`` call to the
last row (the cluster's start, reported apart, excluded; each actor loads the model inside
it). It checks that (b) and (c) found exactly the mentions (a) found. Each process (and each
actor) decodes on ``--threads`` threads. The last line printed is one JSON object.

    .venv/bin/python benchmarks/bench_corpus.py --docs 1000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from uniner.paths import data_root

TYPES = ("person", "location", "organization")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="sentences of the corpus")
    parser.add_argument("--model", default=None, help="model (default: the embedded default)")
    parser.add_argument("--adapter", default=None, help="LoRA adapter on top of --model")
    parser.add_argument("--data", type=Path, default=None, help="a span-format JSON file")
    parser.add_argument("--batch-size", type=int, default=8, help="windows decoded together")
    parser.add_argument("--documents-per-batch", type=int, default=64)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    return parser.parse_args()


def write_corpus(data: Path, docs: int, out: Path) -> int:
    """The first ``docs`` sentences as JSON lines ``{"id", "text"}``; returns how many."""
    records = json.loads(data.read_text(encoding="utf-8"))[:docs]
    lines = [
        json.dumps({"id": i, "text": r["sentence"]}, ensure_ascii=False)
        for i, r in enumerate(records)
    ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def command(args: argparse.Namespace, source: Path, out: Path, *extra: str) -> list[str]:
    cmd = [sys.executable, "-m", "uniner", "extract", "--input", str(source), "--output", str(out)]
    for entity_type in TYPES:
        cmd += ["-t", entity_type]
    cmd += ["--id-field", "id", "--no-progress", "--device", "cpu", "--dtype", "float32"]
    cmd += ["--batch-size", str(args.batch_size), "--max-new-tokens", str(args.max_new_tokens)]
    cmd += ["--documents-per-batch", str(args.documents_per_batch)]
    if args.model:
        cmd += ["--model", args.model]
    if args.adapter:
        cmd += ["--adapter", args.adapter]
    return [*cmd, *extra]


def env(threads: int) -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}


def run_together(commands: list[list[str]], threads: int) -> float:
    """Start every command at once; the seconds until the last one ends."""
    start = time.perf_counter()
    processes = [
        subprocess.Popen(c, env=env(threads), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for c in commands
    ]
    for process in processes:
        _, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"uniner extract failed:\n{err.decode(errors='replace')}")
    return time.perf_counter() - start


def mentions(out: Path) -> dict[str, list[dict[str, Any]]]:
    """id -> entities of every part in a corpus job's folder (all its shards)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for manifest in sorted(out.glob("*manifest.json")):
        for part in json.loads(manifest.read_text(encoding="utf-8"))["parts"]:
            for line in (out / part["file"]).read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                found[row["id"]] = row["entities"]
    return found


def recorded_seconds(out: Path) -> float:
    """The longest extraction time the jobs in ``out`` recorded (their first run)."""
    return max(
        json.loads(m.read_text(encoding="utf-8"))["runs"][0]["seconds"]
        for m in out.glob("*manifest.json")
    )


def ray_run(args: argparse.Namespace, source: Path) -> dict[str, Any]:
    import ray.data

    from uniner.engine.options import ExtractOptions
    from uniner.integrations.ray import ExtractorConfig, extract_dataset, local_cluster

    config = ExtractorConfig(
        list(TYPES),
        model=args.model,
        adapter=args.adapter,
        device="cpu",
        dtype="float32",
        id_column="id",
        options=ExtractOptions(max_new_tokens=args.max_new_tokens),
        batch_size=args.batch_size,
    )
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    start = time.perf_counter()
    with local_cluster(num_cpus=2 * args.threads):
        started = time.perf_counter() - start
        dataset = ray.data.from_items(rows).materialize()  # in the object store: no read tasks
        begin = time.perf_counter()
        mapped = extract_dataset(
            dataset,
            config,
            actors=2,
            num_cpus=args.threads,
            documents_per_batch=args.documents_per_batch,
        )
        out = mapped.take_all()
        seconds = time.perf_counter() - begin
    found = {r["id"]: [dict(e) for e in r["entities"]] for r in out}
    return {"seconds": seconds, "cluster_start_seconds": started, "mentions": found}


def resume_in_process(args: argparse.Namespace, source: Path, out: Path) -> float:
    """``extract_corpus`` on a finished output, the model loaded beforehand (seconds)."""
    from uniner.engine import NERModel
    from uniner.engine.options import ExtractOptions
    from uniner.extract import ExtractConfig, extract_corpus

    model = NERModel.from_pretrained(
        args.model, adapter=args.adapter, device="cpu", dtype="float32"
    )
    config = ExtractConfig(
        [str(source)],
        str(out),
        list(TYPES),
        id_field="id",
        options=ExtractOptions(max_new_tokens=args.max_new_tokens),
        batch_size=args.batch_size,
        documents_per_batch=args.documents_per_batch,
    )
    start = time.perf_counter()
    result = extract_corpus(model, config, progress=False)
    seconds = time.perf_counter() - start
    if result.processed:
        raise RuntimeError(f"the finished output was not skipped: {result.summary()}")
    return seconds


def main() -> None:
    args = _args()
    data = args.data or data_root() / "ner" / "conll_2003" / "test.json"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "corpus.jsonl"
        docs = write_corpus(data, args.docs, source)
        print(f"{docs} sentences of {data}, types {', '.join(TYPES)}", file=sys.stderr)

        one = run_together([command(args, source, root / "one")], args.threads)
        one_extract = recorded_seconds(root / "one")
        print(f"1 process: {one:.1f} s ({docs / one:.2f} documents/s)", file=sys.stderr)

        shards = [command(args, source, root / "two", "--shard", f"{i}/2") for i in range(2)]
        two = run_together(shards, args.threads)
        two_extract = recorded_seconds(root / "two")
        print(f"2 processes: {two:.1f} s ({docs / two:.2f} documents/s)", file=sys.stderr)

        ray = ray_run(args, source)
        print(f"Ray, 2 actors: {ray['seconds']:.1f} s", file=sys.stderr)

        resume_cli = run_together([command(args, source, root / "one")], args.threads)
        resume = resume_in_process(args, source, root / "one")
        print(f"resume: {resume_cli:.1f} s (command), {resume:.3f} s (in-process)", file=sys.stderr)

        expected = mentions(root / "one")
        result = {
            "docs": docs,
            "model": args.model or "embedded default",
            "threads_per_process": args.threads,
            "one_process": {
                "seconds": one,
                "docs_per_s": docs / one,
                "extract_seconds": one_extract,
            },
            "two_processes": {
                "seconds": two,
                "docs_per_s": docs / two,
                "extract_seconds": two_extract,
                "same_mentions": mentions(root / "two") == expected,
            },
            "ray_2_actors": {
                "seconds": ray["seconds"],
                "docs_per_s": docs / ray["seconds"],
                "cluster_start_seconds": ray["cluster_start_seconds"],
                "same_mentions": ray["mentions"] == expected,
            },
            "resume_seconds": {"command": resume_cli, "in_process": resume},
            "mentions": sum(len(e) for e in expected.values()),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
