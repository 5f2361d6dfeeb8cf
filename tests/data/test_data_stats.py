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
