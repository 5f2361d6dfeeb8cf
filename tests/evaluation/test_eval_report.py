"""The report says what was scored: domain averages first for a multi-domain benchmark, no
average when nothing was scored, a partial average marked as such."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.evaluation import BenchmarkResult, DatasetResult, EvalConfig, OfficialScore
from uniner.evaluation.report import markdown_table, write_report


def scored(name: str, domain: str, f1: float, **extra: int) -> DatasetResult:
    score = OfficialScore(f1, f1, f1, 1, 1, 1, 1)
    return DatasetResult(name, domain, 10, 20, 0.5, {"official": score}, **extra)


def result(*datasets: DatasetResult, missing: dict[str, str] | None = None, **config: object):  # type: ignore[no-untyped-def]
    run = EvalConfig("suite", metrics=("official",), **config)  # type: ignore[arg-type]
    return BenchmarkResult("suite", run, list(datasets), dict(missing or {}))


def three_domains() -> BenchmarkResult:
    return result(
        scored("bio-a", "biomedical", 0.2),
        scored("bio-b", "biomedical", 0.4),
        scored("news", "news", 0.6),
        scored("movies", "movie", 0.9),
    )


def test_domain_average_is_the_mean_of_domain_means() -> None:
    run = three_domains()
    assert run.multi_domain
    assert run.domains() == pytest.approx({"biomedical": 0.3, "news": 0.6, "movie": 0.9})
    assert run.domain_average() == pytest.approx((0.3 + 0.6 + 0.9) / 3)
    assert run.average() == pytest.approx((0.2 + 0.4 + 0.6 + 0.9) / 4)
    summary = run.summary()
    assert summary["domain_average"] == {"f1": pytest.approx(0.6), "partial": False, "domains": 3}
    assert summary["average"]["partial"] is False and summary["average"]["datasets"] == 4


def test_a_multi_domain_report_leads_with_domains_then_datasets(tmp_path: Path) -> None:
    text = markdown_table(three_domains())
    lines = text.splitlines()
    assert lines[:3] == ["## suite", "", "Passages: all."]
    assert text.index("### By domain") < text.index("### By dataset")
    assert "| biomedical | bio-a, bio-b | 30.00 |" in lines
    assert "| **domain average** | 3 domains | **60.00** |" in lines
    assert "| **average** |  | | | | **52.50** |" in lines
    paths = write_report(three_domains(), tmp_path)
    single = write_report(result(scored("a", "x", 0.5), scored("b", "y", 0.5)), tmp_path / "one")
    # the chart holds a domain panel above the dataset panel
    assert _png_height(paths["chart"]) == 2 * _png_height(single["chart"])


def test_one_dataset_per_domain_keeps_datasets_first() -> None:
    run = result(scored("a", "x", 0.5), scored("b", "y", 0.25))
    assert not run.multi_domain
    text = markdown_table(run)
    assert "### By domain" not in text
    assert text.index("| dataset |") < text.index("| domain |")


def test_nothing_scored_reports_no_average(tmp_path: Path) -> None:
    run = result(missing={"ghost": "dataset 'ghost' not found at /x"})
    assert run.average() is None and run.domain_average() is None
    summary = run.summary()
    assert summary["average"] == {"f1": None, "partial": True, "datasets": 0}
    assert summary["domain_average"]["f1"] is None
    text = markdown_table(run)
    assert "| **average** | partial: 1 missing | | | | **n/a** |" in text
    assert "Nothing was scored: no average (n/a)." in text
    assert "0.00" not in text
    paths = write_report(run, tmp_path)
    saved = json.loads(paths["json"].read_text())
    assert saved["average"]["f1"] is None and saved["averages"] == {"official": None}
    assert paths["chart"].read_bytes()[:4] == b"\x89PNG"


def test_a_partial_average_is_marked_and_names_the_missing() -> None:
    run = result(scored("a", "x", 0.5), missing={"b": "not found", "c": "not found"})
    assert run.partial and run.summary()["average"] == {"f1": 0.5, "partial": True, "datasets": 1}
    text = markdown_table(run)
    assert "| **average** | partial: 2 missing | | | | **50.00** |" in text
    assert "**Partial**: the averages cover 1 of the benchmark's 3 datasets; not scored: b, c." in (
        text
    )


def test_the_report_says_which_passages_and_what_was_skipped() -> None:
    run = result(scored("a", "x", 0.5, available=300, skipped_lines=2), sample=10, seed=7,
                 skip_malformed=True)  # fmt: skip
    text = markdown_table(run)
    assert "Passages: a random sample of 10 per dataset (seed 7; `--sample 10 --seed 7`)." in text
    assert "| a | x | 10 of 300 |" in text
    assert "- a: 2" in text.split("Malformed lines left out (`--skip-malformed`):")[1]
    summary = run.summary()
    assert summary["passages"] == {"method": "sample", "n": 10, "seed": 7}
    assert summary["skipped_lines"] == {"a": 2}
    assert run.to_dict()["detail"]["a"]["skipped_lines"] == 2
    first = result(scored("a", "x", 0.5), limit=5)
    assert "Passages: the first 5 of each dataset (`--limit 5`)." in markdown_table(first)
    assert first.summary()["passages"] == {"method": "first", "n": 5}


def _png_height(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[20:24], "big")  # IHDR height
