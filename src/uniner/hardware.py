"""What the machine can compute fast: the device to use and the dtype that suits it.

bfloat16 halves memory traffic everywhere, but it is only *faster* where the hardware
multiplies bfloat16 natively: recent CUDA GPUs, x86 CPUs with AVX512-BF16 or AMX-BF16
(Intel Cooper Lake / Sapphire Rapids and later, AMD Zen 4 and later), and Arm CPUs with the
BF16 extension. Elsewhere PyTorch emulates it and float32 is faster, so the CPU's own feature
flags decide, never its vendor. ``UNINER_CPU_BF16=1`` / ``0`` overrides the detection.
"""

from __future__ import annotations

import functools
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

DTYPE_NAMES = ("auto", "float32", "bfloat16", "float16")
# The engine's choices (``--dtype``): also int8 weights, float32 activations (CPU only).
ENGINE_DTYPE_NAMES = (*DTYPE_NAMES, "int8")
_X86_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
_X86_INT8_DOT_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})


def pick_device(device: str | None = None) -> str:
    """CUDA when available, else CPU; an explicit choice is kept."""
    if device is not None:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@functools.cache
def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (see the module docstring)."""
    forced = os.environ.get("UNINER_CPU_BF16")
    if forced in ("0", "1"):
        return forced == "1"
    machine = platform.machine().lower()
    if platform.system() == "Darwin":
        return _sysctl("hw.optional.arm.FEAT_BF16") == "1"
    flags = cpu_flags()
    if machine in ("x86_64", "amd64", "i686"):
        return bool(flags & _X86_BF16_FLAGS)
    if machine in ("aarch64", "arm64"):
        return "bf16" in flags
    return False


def cpu_flags(path: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The feature flags of the first CPU (``flags`` on x86, ``Features`` on Arm)."""
    value = _cpuinfo_field(("flags", "Features"), path)
    return frozenset(value.split()) if value is not None else frozenset()


def cpu_model(path: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name, as every speed or memory figure must name it ("unknown" where
    ``/proc/cpuinfo`` does not say)."""
    return _cpuinfo_field(("model name",), path) or "unknown"


def _cpuinfo_field(keys: tuple[str, ...], path: Path) -> str | None:
    """The first CPU's value for the first of ``keys`` it lists; None without one."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in keys:
            return value.strip()
    return None


def _sysctl(name: str) -> str:
    try:
        out = subprocess.run(["sysctl", "-n", name], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def auto_dtype(device: str) -> Any:
    """The fastest exact-enough dtype for ``device``: bfloat16 where it is native, else
    float32 (float16 is never chosen for you: its range overflows in some models)."""
    import torch

    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    if device == "cpu":
        return torch.bfloat16 if cpu_has_native_bf16() else torch.float32
    return torch.float32


def resolve_dtype(dtype: Any, device: str) -> Any:
    """A torch dtype from a name (``auto``/None: :func:`auto_dtype`) or a torch dtype."""
    import torch

    if dtype is None or dtype == "auto":
        return auto_dtype(device)
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype not in DTYPE_NAMES:
        raise ValueError(f"unknown dtype {dtype!r}; choose one of {DTYPE_NAMES}")
    return getattr(torch, dtype)


def dtype_name(dtype: Any) -> str:
    """``torch.bfloat16`` -> ``"bfloat16"``."""
    return str(dtype).removeprefix("torch.")


@functools.cache
def cpu_has_int8_dot(path: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this x86 CPU has integer dot-product units (AVX512-VNNI, AVX-VNNI or AMX-INT8),
    where oneDNN's int8 matmul is fast (:mod:`uniner.engine.quantize`)."""
    return bool(cpu_flags(path) & _X86_INT8_DOT_FLAGS)
