from __future__ import annotations

from pathlib import Path

from uniner.data import dataset_stats, load_dataset
from uniner.data.stats import plot_type_counts

FIXTURES = Path(__file__).parent / "fixtures"


def test_stats_of_the_pile_fixture(tmp_path: Path) -> None:
    stats = dataset_stats(load_dataset(FIXTURES / "pile.jsonl"))
    assert (stats.records, stats.mentions, stats.types, stats.queries, stats.ungrounded) == (
        2,
        3,
        2,
        3,
        1,
    )
    assert stats.type_counts == {"person": 2, "city": 1}
    assert stats.to_dict(top=1)["top_types"] == [["person", 2]]
    png = plot_type_counts(stats, tmp_path / "types.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_stats_count_the_skipped_lines(tmp_path: Path) -> None:
    from uniner.data.io import read_dataset

    path = tmp_path / "t.conll"
    path.write_text("Ada\tB-PER\n\tO\nsang\tO\n")
    read = read_dataset(path, skip_malformed=True)
    stats = dataset_stats(read.dataset, skipped_lines=len(read.skipped))
    assert (stats.records, stats.mentions, stats.skipped_lines) == (1, 1, 1)
    assert stats.to_dict()["skipped_lines"] == 1
    assert dataset_stats(read.dataset).skipped_lines == 0
