from __future__ import annotations

from pathlib import Path

import pytest

from uniner.errors import CacheMismatchError, DataFormatError
from uniner.extract import ExtractConfig
from uniner.extract.manifest import Manifest, Part, job_identity, read_manifest

INFO = {"name": "m", "adapter": "a", "style": "chat", "dtype": "float32", "device": "cpu"}


def test_job_identity_names_the_model_and_leaves_the_output_folder_out() -> None:
    config = ExtractConfig(["in.jsonl"], "out", ["person"])
    job = job_identity(config, INFO)
    assert job["model"] == {
        "name": "m",
        "adapter": "a",
        "style": "chat",
        "dtype": "float32",
        "backend": None,
    }
    assert "output" not in job and job["inputs"] == ["in.jsonl"]
    assert job_identity(ExtractConfig(["in.jsonl"], "elsewhere", ["person"]), INFO) == job


def test_round_trip(tmp_path: Path) -> None:
    manifest = Manifest(
        job={"types": ["person"]},
        bad_file="bad.jsonl",
        parts=[Part("part-00000.jsonl", 3, 2, 1, 5, "d2", below_threshold=4)],
        problems={"empty": 1},
        bad_bytes=40,
        runs=[{"seconds": 1.0}],
    )
    path = tmp_path / "manifest.json"
    path.write_text(manifest.to_json())
    again = read_manifest(path)
    assert again == manifest
    totals = {"documents": 3, "rows": 2, "bad": 1, "mentions": 5, "below_threshold": 4}
    assert again.to_dict()["totals"] == totals


def test_check_names_what_differs(tmp_path: Path) -> None:
    manifest = Manifest(job={"types": ["person"], "fmt": "uniner"}, bad_file="bad.jsonl")
    manifest.check({"types": ["person"], "fmt": "uniner"}, tmp_path)
    with pytest.raises(CacheMismatchError, match=r"types: \['city'\] now, \['person'\] there"):
        manifest.check({"types": ["city"], "fmt": "uniner"}, tmp_path)


def test_not_a_manifest(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text('{"format": "something else"}')
    with pytest.raises(DataFormatError, match="a manifest of format 'uniner-extract-1'"):
        read_manifest(path)
    path.write_text("{")
    with pytest.raises(DataFormatError, match="a JSON manifest"):
        read_manifest(path)
