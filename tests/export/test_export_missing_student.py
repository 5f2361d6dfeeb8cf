"""``uniner export`` of a student folder that does not exist says so, by the engine's own rule."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from uniner.checkpoints.resolve import names_a_folder
from uniner.cli import main
from uniner.engine import NERModel
from uniner.errors import ModelLoadError


def test_a_missing_folder_beside_its_parent_is_not_taken_for_a_hub_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "students").mkdir()
    assert main(["export", "students/s", "--gguf", "s.gguf"]) == 2
    assert capsys.readouterr().err == "uniner: error: model directory not found: students/s\n"
    assert not (tmp_path / "s.gguf").exists()


def test_export_and_the_engine_refuse_a_missing_folder_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "students" / "s"
    with pytest.raises(ModelLoadError) as engine:
        NERModel.from_pretrained(missing)
    assert main(["export", str(missing), "--gguf", str(tmp_path / "s.gguf")]) == 2
    assert capsys.readouterr().err == f"uniner: error: {engine.value}\n"
    assert str(engine.value) == f"model directory not found: {missing}"


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("/abs/students/s", True),
        ("./students/s", True),
        ("~/students/s", True),
        ("runs/students/s", True),  # a hub id has one slash at most
        ("students\\s", True),
        ("students/s", True),  # students/ exists here
        ("HuggingFaceTB/SmolLM2-135M-Instruct", False),
        ("gpt2", False),
        ("elsewhere/s", False),  # no elsewhere/ here: a well-formed hub id
    ],
)
def test_which_names_can_only_be_folders(
    name: str, folder: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "students").mkdir()
    assert names_a_folder(name) is folder


def test_a_hub_shaped_name_that_fails_to_load_says_no_such_folder_exists(tmp_path: Path) -> None:
    # No students/ folder: 'students/s' could be a hub id, so the hub is asked (offline here).
    command = [sys.executable, "-m", "uniner", "export", "students/s", "--gguf", "s.gguf"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith(
        "uniner: error: could not load model 'students/s': there is no folder 'students/s' here, "
        "and as a Hugging Face Hub id it failed: "
    )
