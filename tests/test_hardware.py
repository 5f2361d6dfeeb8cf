from __future__ import annotations

from pathlib import Path

import pytest

from uniner import hardware


def _flags(tmp_path: Path, line: str) -> frozenset[str]:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nvendor_id\t: Whatever\n{line}\n\nprocessor\t: 1\n")
    return hardware.cpu_flags(path)


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    assert _flags(tmp_path, "flags\t\t: fpu sse avx512f avx512_bf16") == {
        "fpu",
        "sse",
        "avx512f",
        "avx512_bf16",
    }
    assert "bf16" in _flags(tmp_path, "Features\t: fp asimd bf16 i8mm")
    assert hardware.cpu_flags(tmp_path / "absent") == frozenset()
    expected = _flags(tmp_path, "flags\t\t: avx2 fma")
    assert hardware.cpu_flags(tmp_path / "cpuinfo") == expected == {"avx2", "fma"}


def test_cpu_model_is_the_first_cpus_model_name(tmp_path: Path) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n\nmodel name\t: other\n")
    assert hardware.cpu_model(path) == "AMD EPYC 7B13"
    path.write_text("processor\t: 0\nFeatures\t: fp asimd\n")  # Arm lists no model name
    assert hardware.cpu_model(path) == "unknown"
    assert hardware.cpu_model(tmp_path / "absent") == "unknown"


@pytest.mark.parametrize(("forced", "expected"), [("1", True), ("0", False)])
def test_native_bf16_detection_can_be_overridden(
    monkeypatch: pytest.MonkeyPatch, forced: str, expected: bool
) -> None:
    hardware.cpu_has_native_bf16.cache_clear()
    monkeypatch.setenv("UNINER_CPU_BF16", forced)
    try:
        assert hardware.cpu_has_native_bf16() is expected
        import torch

        assert hardware.auto_dtype("cpu") == (torch.bfloat16 if expected else torch.float32)
        assert hardware.resolve_dtype("auto", "cpu") == hardware.auto_dtype("cpu")
    finally:
        hardware.cpu_has_native_bf16.cache_clear()


def test_explicit_dtypes_and_bad_names() -> None:
    import torch

    assert hardware.resolve_dtype("float32", "cpu") == torch.float32
    assert hardware.resolve_dtype(torch.float16, "cpu") == torch.float16
    assert hardware.dtype_name(torch.bfloat16) == "bfloat16"
    with pytest.raises(ValueError, match="unknown dtype 'fp8'"):
        hardware.resolve_dtype("fp8", "cpu")


def test_this_machine_detection_matches_its_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    """On Linux x86 the answer is exactly whether cpuinfo lists a native bf16 instruction set."""
    import platform

    monkeypatch.delenv("UNINER_CPU_BF16", raising=False)
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        pytest.skip("the flags check is written for Linux x86-64")
    hardware.cpu_has_native_bf16.cache_clear()
    flags = hardware.cpu_flags()
    try:
        assert hardware.cpu_has_native_bf16() == bool({"avx512_bf16", "amx_bf16"} & flags)
    finally:
        hardware.cpu_has_native_bf16.cache_clear()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("flags\t\t: fpu avx2 fma", False),  # an AVX2-only EPYC
        ("flags\t\t: fpu avx2 avx512f avx512_vnni", True),
        ("flags\t\t: fpu avx2 avx_vnni", True),
        ("flags\t\t: fpu avx2 amx_int8 amx_tile", True),
    ],
)
def test_integer_dot_product_units_are_read_from_the_flags(
    tmp_path: Path, line: str, expected: bool
) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\n{line}\n")
    assert hardware.cpu_has_int8_dot(path) is expected
