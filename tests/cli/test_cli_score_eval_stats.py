from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.cli import main
from uniner.paths import resources

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
EXAMPLES = resources() / "examples"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_score_example_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "score", "--example", "--json")
    assert (out["metric"], out["correct"], out["predicted"], out["gold"]) == ("official", 8, 10, 9)
    assert out["precision"] == pytest.approx(0.8, abs=1e-9)
    assert out["recall"] == pytest.approx(8 / 9, abs=1e-9)
    assert out["f1"] == pytest.approx(16 / 19, abs=1e-9)


def test_score_gold_against_itself_is_one(capsys: pytest.CaptureFixture[str]) -> None:
    gold = str(EXAMPLES / "gold.json")
    out = run_json(capsys, "score", "--gold", gold, "--pred", gold, "--json")
    assert out["f1"] == pytest.approx(1.0, abs=1e-9)


def test_score_strict_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--example", "--metric", "strict", "--errors", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "strict: precision 0.6000  recall 0.6667  f1 0.6316"
    assert "false positive: record 0 organization: 'the University of Paris' (19, 42)" in lines
    assert sum(line.startswith("false negative") for line in lines) == 1


def test_score_errors_are_clear(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["score", "--gold", str(EXAMPLES / "gold.json")]) == 2
    assert "give --gold FILE and --pred FILE" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    assert main(["score", "--gold", str(bad), "--pred", str(bad)]) == 2
    assert f"uniner: error: {bad}, line 1: a JSON object" in capsys.readouterr().err


def test_stats_json_and_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png = tmp_path / "t.png"
    out = run_json(capsys, "stats", str(FIXTURES / "pile.jsonl"), "--json", "--plot", str(png))
    assert (out["records"], out["mentions"], out["types"], out["ungrounded"]) == (2, 3, 2, 1)
    assert out["top_types"] == [["person", 2], ["city", 1]]
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert main(["stats", str(FIXTURES / "iob2.conll"), "--label-map", "conll2003"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("iob2: 2 records, 5 mentions, 3 types")


@pytest.fixture
def bench(tmp_path: Path) -> Path:
    path = tmp_path / "bench.yaml"
    path.write_text(
        "datasets:\n"
        "  tiny-spans: {path: spans/test.json, domain: news}\n"
        "  ghost: {path: ghost.json}\n"
        "benchmarks:\n  tiny: [tiny-spans, ghost]\n"
    )
    return path


def test_eval_predictions_json_shape(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bench: Path
) -> None:
    preds = tmp_path / "preds"
    preds.mkdir()
    (preds / "tiny-spans.json").write_text((FIXTURES / "spans" / "test.json").read_text())
    out = run_json(
        capsys, "eval", "--predictions", str(preds), "--benchmark", "tiny", "--config",
        str(bench), "--data-root", str(FIXTURES), "--json", "--no-progress",
    )  # fmt: skip
    assert set(out["datasets"]) == {"tiny-spans"}
    assert out["datasets"]["tiny-spans"]["domain"] == "news"
    assert out["datasets"]["tiny-spans"]["f1"] == pytest.approx(1.0, abs=1e-9)
    assert out["average"]["f1"] == pytest.approx(1.0, abs=1e-9)
    assert list(out["missing"]) == ["ghost"]


def test_eval_with_nothing_scored_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bench: Path
) -> None:
    argv = ["eval", "--predictions", str(tmp_path), "--benchmark", "ghost", "--config", str(bench)]
    assert main([*argv, "--no-progress"]) == 1
    assert "ghost" in capsys.readouterr().out


@pytest.mark.slow
def test_eval_runs_the_engine_end_to_end(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bench: Path, tiny_model_dir: Path
) -> None:
    out_dir = tmp_path / "out"
    out = run_json(
        capsys, "eval", "--model", str(tiny_model_dir), "--benchmark", "tiny", "--config",
        str(bench), "--data-root", str(FIXTURES), "--limit", "2", "--out", str(out_dir),
        "--json", "--no-progress",
    )  # fmt: skip
    assert set(out["datasets"]) == {"tiny-spans"} and list(out["missing"]) == ["ghost"]
    assert 0.0 <= out["average"]["f1"] <= 1.0
    saved = json.loads((out_dir / "results.json").read_text())
    assert saved["detail"]["tiny-spans"]["passages"] == 2
    assert saved["detail"]["tiny-spans"]["queries"] == 4
    predictions = (out_dir / "predictions" / "tiny-spans.jsonl").read_text().splitlines()
    assert [set(json.loads(line)["answers"]) for line in predictions] == [{"person", "city"}] * 2
