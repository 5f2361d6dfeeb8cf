from __future__ import annotations

import pytest

from uniner.extract.sharding import check_shard, in_shard, parse_shard


def test_parse_shard() -> None:
    assert parse_shard("0/1") == (0, 1)
    assert parse_shard(" 3/4 ") == (3, 4)
    for bad in ("4/4", "1", "-1/2", "a/b", "1/0", "1/2/3"):
        with pytest.raises(ValueError, match=f"got '{bad}'"):
            parse_shard(bad)


def test_check_shard_shows_the_value() -> None:
    with pytest.raises(ValueError, match=r"got \(2, 2\)"):
        check_shard((2, 2))


def test_every_id_falls_in_exactly_one_shard() -> None:
    ids = [f"doc-{i}" for i in range(1000)]
    for count in (1, 2, 3, 7):
        owners = [[i for i in range(count) if in_shard(d, (i, count))] for d in ids]
        assert all(len(o) == 1 for o in owners)
        sizes = [sum(o == [i] for o in owners) for i in range(count)]
        assert min(sizes) > 1000 / count * 0.8  # and roughly even


def test_the_split_is_fixed() -> None:
    # The same ids in the same shards in every process and release (SHA-256, not hash()).
    assert [i for i in range(12) if in_shard(str(i), (0, 3))] == [0, 6, 8, 9, 10]
