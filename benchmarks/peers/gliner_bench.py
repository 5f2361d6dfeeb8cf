"""CPU cost of GLiNER span models (small and large) on the engine benchmark's passages and types.

GLiNER 0.2.29 requires ``transformers<5.17`` while uniner runs 5.24, so the peer gets a virtual
environment of its own (``.venv-peers/gliner`` at the repository root, ignored by git), made once
with this interpreter's ``python -m venv`` and ``pip install torch==2.13.0 gliner==0.2.29`` (that
torch is the local CPU build; a bare ``torch`` would pull a CUDA one). The measurement itself
runs in ``gliner_worker.py`` under that environment's interpreter; texts, types and results
cross over as JSON files, and the worker never imports uniner.

The hub cannot be reached, so the worker builds each model from its public config with random
weights: DeBERTa-v3-small or -large under GLiNER's span head (``markerV0``, width 12, hidden 512),
as urchade/gliner_small-v2.1 and gliner_large-v2.1 do. Random weights cost the same arithmetic as
trained ones. DeBERTa-v3's sentencepiece model cannot be downloaded either, so the tokenizer is
SmolLM2's byte-level BPE (from uniner's converted default model) with a prefix space per word, as
sentencepiece gives each word its ``▁``: a subword split of English of similar granularity. The
vocabulary only sizes the embedding table; what the encoder's cost follows is the number of
tokens per passage, which the result reports.

Per model: seconds per passage through ``predict_entities`` (one passage a call) and through
``inference`` (GLiNER's batched API, batch 8), after one untimed warm-up, in float32 and in
bfloat16 where that runs. Log lines go to stderr, so the benchmark's JSON line stays last
on stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
PEERS_ROOT = REPO_ROOT / ".venv-peers"
VENV = PEERS_ROOT / "gliner"
TOKENIZER_DIR = PEERS_ROOT / "gliner-assets" / "tokenizer"
WORKER = Path(__file__).with_name("gliner_worker.py")
REQUIREMENTS = ("torch==2.13.0", "gliner==0.2.29")
# Written into the venv once its install succeeded: a half-made venv has none and is remade.
MARKER = VENV / "uniner-peer.json"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def run(texts: list[str], types: list[str]) -> dict[str, Any]:
    """Time GLiNER small and large on ``texts`` with ``types``; set the peer venv up if needed.

    Returns one entry per measured model and dtype (``gliner-small``, ``gliner-small-bf16``,
    ``gliner-large``, ``gliner-large-bf16``) and an ``environment`` entry with the versions and
    ``setup_s``, the seconds this call spent making the venv (0 when it already existed).
    """
    if not texts or not types:
        raise ValueError(f"need passages and types, got {len(texts)} and {len(types)}")
    python, setup_s = _ensure_venv()
    request = {"texts": texts, "types": types, "tokenizer_dir": str(_ensure_tokenizer())}
    result = _run_worker(python, request)
    result["environment"]["setup_s"] = round(setup_s, 1)
    return result


def _log(message: str) -> None:
    print(f"[gliner] {message}", file=sys.stderr, flush=True)


def _ensure_venv() -> tuple[Path, float]:
    """The peer venv's interpreter, and the seconds spent making the venv in this call."""
    python = VENV / "bin" / "python"
    if MARKER.is_file() and json.loads(MARKER.read_text()) == {"requirements": list(REQUIREMENTS)}:
        return python, 0.0
    _log(f"creating {VENV.relative_to(REPO_ROOT)} with {' '.join(REQUIREMENTS)} (once)")
    started = time.perf_counter()
    # This interpreter's venv module, so the peer gets the same Python as the cp311 torch wheel.
    _quiet([sys.executable, "-m", "venv", "--clear", str(VENV)])
    _quiet([str(python), "-m", "pip", "install", "-q", *REQUIREMENTS])
    MARKER.write_text(json.dumps({"requirements": list(REQUIREMENTS)}))
    setup_s = time.perf_counter() - started
    _log(f"environment ready in {setup_s:.0f} s")
    return python, setup_s


def _quiet(command: list[str]) -> None:
    """Run a setup step, showing its output only when it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{tail}")


def _ensure_tokenizer() -> Path:
    """SmolLM2's tokenizer files, copied where the worker reads them, with a space per word."""
    if all((TOKENIZER_DIR / name).is_file() for name in TOKENIZER_FILES):
        return TOKENIZER_DIR
    # uniner is imported here, in the benchmark's process, never in the peer's.
    from uniner.checkpoints import convert_gguf
    from uniner.paths import smollm2_gguf

    source = Path(convert_gguf(smollm2_gguf()))
    TOKENIZER_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "tokenizer_config.json", TOKENIZER_DIR / "tokenizer_config.json")
    spec = json.loads((source / "tokenizer.json").read_text())
    # GLiNER tokenizes whitespace words one by one; DeBERTa's sentencepiece marks each as a word
    # start (▁), and the byte-level BPE does the same only with a prefix space (Ġ) per word.
    spec["pre_tokenizer"]["add_prefix_space"] = True
    (TOKENIZER_DIR / "tokenizer.json").write_text(json.dumps(spec, ensure_ascii=False))
    return TOKENIZER_DIR


def _run_worker(python: Path, request: dict[str, Any]) -> dict[str, Any]:
    """Run the worker in the peer venv on ``request``; its result, read back from JSON."""
    with tempfile.TemporaryDirectory(prefix="gliner-bench-") as scratch:
        request_path = Path(scratch) / "request.json"
        result_path = Path(scratch) / "result.json"
        request_path.write_text(json.dumps(request))
        # The worker's own output goes to stderr: stdout is the benchmark's JSON line.
        done = subprocess.run(
            [str(python), str(WORKER), str(request_path), str(result_path)],
            stdout=sys.stderr,
            # Offline: a missing local file should fail at once, not wait on the hub.
            env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"},
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"gliner worker failed ({done.returncode}); see its output above")
        result: dict[str, Any] = json.loads(result_path.read_text())
    return result
