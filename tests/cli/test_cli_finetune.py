"""``uniner finetune``: before/after scores printed and written; bad input refused first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from finetune_data import make_adapter, write_conll
from uniner.cli import main


def test_finetune_prints_and_writes_before_and_after(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adapter = make_adapter(tiny_model_dir, tmp_path / "student")
    conll = write_conll(tmp_path / "ours.conll")
    out = tmp_path / "mine"
    argv = ["finetune", str(conll), "--out", str(out), "--from", str(adapter)]
    argv += ["--label-map", "conll2003", "--dev-fraction", "0.25", "--max-steps", "2"]
    argv += ["--dtype", "float32", "--dev-score-queries", "2", "--lr", "1e-2"]
    assert main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    result = json.loads((out / "finetune_result.json").read_text())
    before, after = result["before"], result["after"]
    assert (result["dataset"], result["dev_passages"], result["train_passages"]) == ("ours", 3, 9)
    assert printed[-4].startswith("dev split: 3 passages of 'ours' held out, 9 trained on (")
    assert printed[-3:] == [
        f"before: strict F1 {before['f1']} (P {before['precision']}, R {before['recall']})",
        f" after: strict F1 {after['f1']} (P {after['precision']}, R {after['recall']})",
        f"fine-tuned student saved to {out} (scores in finetune_result.json)",
    ]
    assert before["gold"] == after["gold"] == 6
    assert json.loads((out / "uniner.json").read_text())["adapter"] is True


@pytest.fixture
def no_model_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    from transformers import AutoModelForCausalLM

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", refuse)


@pytest.mark.usefixtures("no_model_loads")
def test_finetune_refuses_bad_input_before_loading_a_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conll = write_conll(tmp_path / "ours.conll")
    out = str(tmp_path / "mine")
    with pytest.raises(SystemExit) as exit_info:
        main(["finetune", "--out", out])  # no data file
    assert exit_info.value.code == 2
    assert "the following arguments are required: DATA" in capsys.readouterr().err

    def error(*argv: str) -> str:
        assert main(["finetune", *argv, "--out", out]) == 2
        return capsys.readouterr().err.strip()

    assert error(str(conll), "--from", "students/nowhere") == (
        "uniner: error: source (--from) must be 'default' or a uniner student folder; "
        "'students/nowhere' is no folder"
    )
    assert error(str(tmp_path / "missing.conll")) == (
        f"uniner: error: data file not found: {tmp_path / 'missing.conll'}"
    )
    plain = tmp_path / "plain.conll"
    plain.write_text("Nothing\tO\nhere\tO\n")
    assert error(str(plain)).startswith(
        f"uniner: error: {plain}: no annotated entity in its 1 passage(s)"
    )
    assert not Path(out).exists()
