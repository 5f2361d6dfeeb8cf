from __future__ import annotations

import json
import shutil
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
    # a config's relative paths start at its folder: the span fixture is copied beside it
    shutil.copytree(FIXTURES / "spans", tmp_path / "spans")
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


def test_eval_draws_the_threshold_curve_of_the_scored_datasets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bench: Path
) -> None:
    preds = tmp_path / "preds"
    preds.mkdir()
    (preds / "tiny-spans.json").write_text((FIXTURES / "spans" / "test.json").read_text())
    plot = tmp_path / "curve.png"
    argv = ["eval", "--predictions", str(preds), "--benchmark", "tiny", "--config", str(bench),
            "--data-root", str(FIXTURES), "--no-progress"]  # fmt: skip
    assert main([*argv, "--threshold-plot", str(plot)]) == 0
    assert plot.read_bytes()[:4] == b"\x89PNG"
    assert "best strict F1 100.0 at threshold 0.00" in capsys.readouterr().err  # gold vs itself
    assert main(["eval", "--benchmark", "tiny", "--threshold-plot", str(plot)]) == 2
    assert "give --out DIR too" in capsys.readouterr().err


def test_eval_with_nothing_scored_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bench: Path
) -> None:
    argv = ["eval", "--predictions", str(tmp_path), "--benchmark", "ghost", "--config", str(bench)]
    assert main([*argv, "--no-progress"]) == 1
    assert "ghost" in capsys.readouterr().out


def test_stats_skip_malformed_counts_what_it_left_out(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "tweets.conll"
    path.write_text("Ada\tB-PER\n\tO\nsang\tO\n\n\tO\nBob\tB-PER\n")
    assert main(["stats", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"uniner: error: {path}, line 2: a token and a tag in columns" in err
    assert "--skip-malformed" in err
    assert main(["stats", str(path), "--skip-malformed"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("tweets: 2 records, 2 mentions, 1 types")
    assert lines[1] == "  skipped 2 malformed lines (lines 2, 5)"
    out = run_json(capsys, "stats", str(path), "--skip-malformed", "--json")
    assert (out["records"], out["skipped_lines"]) == (2, 2)


def test_eval_with_nothing_scored_reports_no_average(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bench: Path
) -> None:
    argv = ["eval", "--predictions", str(tmp_path), "--benchmark", "ghost", "--config", str(bench)]
    assert main([*argv, "--no-progress", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["average"] == {"f1": None, "partial": True, "datasets": 0}
    assert out["domain_average"]["f1"] is None
    assert main([*argv, "--no-progress", "--out", str(tmp_path / "out")]) == 1
    text = capsys.readouterr().out
    assert "**n/a**" in text and "0.00" not in text
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["average"]["f1"] is None
    # the missing file's message says where a relative path started
    assert f"taken from the folder of {bench}" in saved["missing"]["ghost"]


def test_eval_sample_and_skip_malformed_are_recorded(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "tweets.conll").write_text("Ada\tB-PER\n\tO\n\nBob\tB-PER\nran\tO\n")
    config = tmp_path / "bench.yaml"
    config.write_text("datasets:\n  tweets: {path: tweets.conll, domain: social}\n")
    preds = tmp_path / "preds"
    preds.mkdir()
    (preds / "tweets.jsonl").write_text(
        '{"text": "Ada", "entities": [{"start": 0, "end": 3, "type": "PER"}]}\n'
        '{"text": "Bob ran", "entities": [{"start": 0, "end": 3, "type": "PER"}]}\n'
    )
    argv = ["eval", "--predictions", str(preds), "--benchmark", "tweets", "--config", str(config),
            "--no-progress", "--json"]  # fmt: skip
    assert main(argv) == 2
    assert "line 2: a token and a tag" in capsys.readouterr().err
    out = run_json(capsys, *argv, "--skip-malformed", "--sample", "1", "--seed", "2")
    assert out["skipped_lines"] == {"tweets": 1}
    assert out["passages"] == {"method": "sample", "n": 1, "seed": 2}
    assert out["datasets"]["tweets"]["f1"] == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(SystemExit):  # argparse: not allowed with each other
        main([*argv, "--limit", "1", "--sample", "1"])


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
    # the same command again reuses the finished dataset and says so; --no-resume asks again
    argv = ["eval", "--model", str(tiny_model_dir), "--benchmark", "tiny", "--config",
            str(bench), "--data-root", str(FIXTURES), "--limit", "2", "--out", str(out_dir),
            "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    assert f"resumed 1 dataset(s) a stopped run finished in {out_dir}: tiny-spans" in (
        capsys.readouterr().err
    )
    assert json.loads((out_dir / "results.json").read_text())["resumed"] == ["tiny-spans"]
    assert main([*argv, "--no-resume"]) == 0
    assert "resumed" not in capsys.readouterr().err
    assert json.loads((out_dir / "results.json").read_text())["resumed"] == []
