"""The exported default student in llama.cpp against the transformers engine, on one zero-shot set.

For f16 and q8_0 exports of the embedded default, every record of the first ``--passages``
passages of a zero-shot set (one record = one passage and one type, as the released files
have it) is answered greedily by the engine (float32, CPU) and by llama.cpp (``llama_cpp``
in-process: the library its server runs), from the same prompt string. Prints the official F1
of each, how many answers are identical, and the engine's smallest log-probability margins
where they differ. The engine is run without ``stop_repeats`` (llama.cpp has no such rule) and
with its defaults.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_export.py --passages 40
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from uniner.paths import data_root
from uniner.prompts import read_passage_message, read_query_message


def read_records(path: Path, passages: int) -> list[tuple[str, str, str]]:
    """(passage, type, gold answer) of the records of the first ``passages`` passages."""
    out: list[tuple[str, str, str]] = []
    seen: list[str] = []
    for record in json.loads(path.read_text(encoding="utf-8")):
        turns = [t["value"] for t in record["conversations"]]
        passage, entity_type = read_passage_message(turns[0]), read_query_message(turns[2])
        if passage is None or entity_type is None:
            raise ValueError(f"{path}: record {record.get('id')} is not one passage and one type")
        if passage[0] not in seen:
            if len(seen) == passages:
                break
            seen.append(passage[0])
        out.append((passage[0], entity_type, turns[3]))
    return out


def engine_answers(model: Any, records: list[tuple[str, str, str]], **options: Any) -> list[str]:
    """The engine's answer text for every record, each passage's types decoded together."""
    import dataclasses

    opts = dataclasses.replace(model.options, **options)
    by_passage: dict[str, list[int]] = {}
    for i, (passage, _, _) in enumerate(records):
        by_passage.setdefault(passage, []).append(i)
    answers = [""] * len(records)
    for passage, indices in by_passage.items():
        types = [records[i][1] for i in indices]
        got = model.backend.answer([passage], types, None, opts, batch_size=1, progress=False)[0]
        for i, answer in zip(indices, got, strict=True):
            answers[i] = answer.text
    return answers


def llama_answers(gguf: Path, model: Any, records: list[tuple[str, str, str]]) -> list[str]:
    from llama_cpp import Llama

    from uniner.engine.queries import prompt_text

    llm = Llama(model_path=str(gguf), n_ctx=2048, n_threads=1, verbose=False)
    answers = []
    for passage, entity_type, _ in records:
        prompt = prompt_text(model.tokenizer, model.style, passage, entity_type)
        reply = llm.create_completion(prompt, max_tokens=64, temperature=0)
        answers.append(str(reply["choices"][0]["text"]))  # type: ignore[index]
    llm.close()
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="CrossNER_AI")
    parser.add_argument("--passages", type=int, default=40)
    parser.add_argument("--out", type=Path, help="keep the exported files in this folder")
    args = parser.parse_args()

    from uniner import NERModel
    from uniner.evaluation.official import official_score
    from uniner.export import export_gguf

    records = read_records(data_root() / "zero-shot-uniner" / f"{args.dataset}.json", args.passages)
    golds = [gold for _, _, gold in records]
    model = NERModel.from_pretrained(device="cpu", dtype="float32")
    reference = engine_answers(model, records, stop_repeats=False)
    default = engine_answers(model, records)
    rows = {"engine (float32)": reference, "engine, stop_repeats on (default)": default}
    folder = args.out or Path(tempfile.mkdtemp(prefix="bench-export-"))
    for quant in ("f16", "q8_0"):
        gguf = export_gguf(None, folder / f"default-{quant}.gguf", quant=quant)
        rows[f"llama.cpp {quant} ({gguf.stat().st_size / 1e6:.0f} MB)"] = llama_answers(
            gguf, model, records
        )
    print(f"{args.dataset}: first {args.passages} passages, {len(records)} records")
    print(f"{'':40} {'F1':>6} {'P':>6} {'R':>6} {'same answers':>13}")
    for name, answers in rows.items():
        score = official_score(answers, golds)
        same = sum(a == r for a, r in zip(answers, reference, strict=True))
        print(f"{name:40} {100 * score.f1:6.2f} {100 * score.precision:6.2f} "
              f"{100 * score.recall:6.2f} {same:>6}/{len(records)}")  # fmt: skip


if __name__ == "__main__":
    main()
