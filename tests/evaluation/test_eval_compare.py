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
    assert {r.name for r in rows} >= {"UniNER-7B", "GLiNER-L", "GNER-T5-base", "GNER-T5-xxl"}
    average_only = [r.name for r in rows if not r.f1]
    assert average_only == ["GNER-T5-base"]  # its paper's average, no per-dataset cells here
    for row in (r for r in rows if r.f1):
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


def _universal_run(tmp_path: Path, name: str, f1s: dict[str, tuple[str, float]]) -> Path:
    """A results.json as `uniner eval --benchmark universal` writes it (domains in detail)."""
    detail = {ds: {"domain": dom, "official": {"f1": f}} for ds, (dom, f) in f1s.items()}
    out = tmp_path / name
    out.mkdir()
    results = {"benchmark": "universal", "detail": detail, "missing": {}}
    (out / "results.json").write_text(json.dumps(results))
    return out


UNIVERSAL = {"bio-a": ("biomedical", 0.2), "bio-b": ("biomedical", 0.4), "news": ("news", 0.6)}


def test_published_universal_rows_are_the_papers_domain_averages() -> None:
    rows = {r.name: r for r in compare.published("universal")}
    assert {n: r.average for n, r in rows.items()} == {
        "UniNER-7B": 41.7,
        "UniNER-13B": 43.4,
        "ChatGPT": 34.9,
        "Vicuna-7B": 14.2,
    }
    assert all(r.f1 == {} and not r.measured for r in rows.values())
    assert all(r.covers.startswith("43 datasets in 9 domains") for r in rows.values())


def test_load_run_by_domain_averages_the_domains(tmp_path: Path) -> None:
    run = _universal_run(tmp_path, "student", UNIVERSAL)
    row = compare.load_run(run, by="domain")
    assert row.f1 == pytest.approx({"biomedical": 30.0, "news": 60.0})
    assert row.average == pytest.approx(45.0)  # the domains' mean, not the datasets' (40.0)
    assert row.covers == "3 datasets in 2 domains"
    assert compare.load_run(run).average == pytest.approx(40.0)
    assert compare.grouping_of(run) == "domain"


def test_cli_puts_a_universal_run_beside_the_papers_domain_averages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _universal_run(tmp_path, "student", UNIVERSAL)
    assert main(["compare", str(run), "--plot", str(tmp_path / "u.png")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| system | biomedical | news | domain avg |"
    assert lines[2] == "| **student** | 30.0 | 60.0 | 45.0 |"
    assert "| UniNER-7B | — | — | 41.7 |" in lines
    notes = lines[lines.index("Averages cover:") + 1 :]
    assert notes == [
        "- published (UniNER-7B, UniNER-13B, ChatGPT, Vicuna-7B): 43 datasets in 9 domains "
        "(the paper's benchmark)",
        "- student: 3 datasets in 2 domains, those we hold",
    ]
    assert (tmp_path / "u.png").stat().st_size > 1000
