from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.cli import main
from uniner.evaluation import compare


def _run(tmp_path: Path, name: str, f1s: dict[str, float]) -> Path:
    detail = {ds: {"official": {"f1": f}, "strict": {"f1": f / 2}} for ds, f in f1s.items()}
    out = tmp_path / name
    out.mkdir()
    (out / "results.json").write_text(json.dumps({"detail": detail}))
    return out


def test_published_averages_are_the_mean_of_their_rows() -> None:
    rows = compare.published("zero-shot")
    assert {r.name for r in rows} >= {"UniNER-7B", "GLiNER-L", "GNER-T5-xxl"}
    for row in rows:
        assert len(row.f1) == 7
        # The papers round each cell, so the mean may differ from their average by rounding.
        assert sum(row.f1.values()) / 7 == pytest.approx(row.average, abs=0.06), row.name


def test_load_run_reads_the_metric_asked(tmp_path: Path) -> None:
    run = _run(tmp_path, "student", {"crossner_ai": 0.5, "mit-movie": 0.25})
    assert compare.load_run(run).average == pytest.approx(37.5)
    assert compare.load_run(run / "results.json", "s", "strict").f1["mit-movie"] == 12.5
    with pytest.raises(ValueError, match="no 'other' scores"):
        compare.load_run(run, metric="other")


def test_cli_prints_runs_beside_the_paper_and_plots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _run(tmp_path, "base", {"mit-movie": 0.1, "crossner_ai": 0.2})
    student = _run(tmp_path, "student", {"mit-movie": 0.3, "crossner_ai": 0.4})
    png = tmp_path / "cmp.png"
    assert main(["compare", f"base={base}", str(student), "--plot", str(png)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| system | mit-movie | crossner_ai | avg |"
    assert lines[2] == "| **base** | 10.0 | 20.0 | 15.0 |"
    assert lines[3] == "| **student** | 30.0 | 40.0 | 35.0 |"
    assert "| UniNER-7B | 42.4 | 53.5 | 53.4 |" in lines
    assert png.stat().st_size > 1000
