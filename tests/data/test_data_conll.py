from __future__ import annotations

from pathlib import Path

import pytest

from uniner.data import load_dataset, write_dataset
from uniner.errors import DataFormatError
from uniner.types import Dataset

FIXTURES = Path(__file__).parent / "fixtures"


def spans(record):  # (text, type) of each mention, in order
    return [(e.text, e.type) for e in record.entities]


def test_iob2_with_extra_columns_docstart_and_label_map() -> None:
    data = load_dataset(FIXTURES / "iob2.conll", name="conll2003")
    assert [r.text for r in data] == [
        "Ada Lovelace visited London .",
        "ACME and Beta Corp hired Bob in",
    ]
    assert spans(data.records[0]) == [("Ada Lovelace", "person"), ("London", "location")]
    # MISC is dropped by the conll2003 map; ORG/PER renamed
    assert spans(data.records[1]) == [
        ("ACME", "organization"),
        ("Beta Corp", "organization"),
        ("Bob", "person"),
    ]
    assert data.types == ["person", "location", "organization"]
    assert data.records[1].types == data.types


def test_iob1_starts_entities_with_i_and_splits_on_b() -> None:
    (record,) = load_dataset(FIXTURES / "iob1.conll").records
    assert record.text == "Ada Lovelace met Bob and Carl Dean"
    assert [(e.start, e.end, e.text) for e in record.entities] == [
        (0, 12, "Ada Lovelace"),
        (17, 20, "Bob"),
        (25, 29, "Carl"),
        (30, 34, "Dean"),
    ]


def test_bioes_singles_and_ends() -> None:
    first, second = load_dataset(FIXTURES / "bioes.conll").records
    assert spans(first) == [("New York", "LOC")]
    assert spans(second) == [("Ada", "PER"), ("Lovelace", "PER"), ("New York City", "LOC")]


def test_user_label_map_overrides_and_drops() -> None:
    data = load_dataset(FIXTURES / "iob2.conll", label_map={"PER": "human", "LOC": None})
    assert spans(data.records[0]) == [("Ada Lovelace", "human")]
    assert "LOC" not in data.types and "MISC" not in data.types


def test_roundtrip_iob2(tmp_path: Path) -> None:
    data = load_dataset(FIXTURES / "bioes.conll")
    out = write_dataset(data, tmp_path / "out.conll", format="conll")
    assert out.read_text().splitlines()[:3] == ["New\tB-LOC", "York\tI-LOC", "is\tO"]
    again = load_dataset(out)
    assert [spans(r) for r in again] == [spans(r) for r in data]


def test_writing_a_mention_inside_a_token_is_refused(tmp_path: Path) -> None:
    from uniner.types import AnnotatedText, Entity

    text = "Adam ate"
    record = AnnotatedText(text, [Entity.from_span(text, 0, 3, "person")])
    with pytest.raises(ValueError, match="whole space-separated tokens"):
        write_dataset(Dataset("d", [record]), tmp_path / "x.conll", format="conll")


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        ("Ada B-PER\nLovelace\n", 2, "a token and a tag"),
        ("Ada B-PER\nBob X-PER\n", 2, "IOB1/IOB2/BIOES"),
        ("Ada B-\n", 1, "IOB1/IOB2/BIOES"),
    ],
)
def test_malformed_conll_names_file_and_line(
    tmp_path: Path, content: str, line: int, expected: str
) -> None:
    path = tmp_path / "bad.conll"
    path.write_text(content)
    with pytest.raises(DataFormatError, match=expected) as info:
        load_dataset(path)
    assert info.value.line == line
    assert info.value.path == str(path)
    assert str(info.value).startswith(f"{path}, line {line}: ")


# A Twitter-style test file: tag-only lines (a token lost, e.g. an emoji), tab- and
# space-separated, one inside a mention and one a sentence of its own.
TAG_ONLY = "Ada\tB-PER\n\tI-PER\nLovelace\tI-PER\nsang\tO\n\n\tO\n\nBob B-PER\n O\nran O\n"


def test_a_tag_without_token_is_refused_by_default_saying_how_to_skip(tmp_path: Path) -> None:
    path = tmp_path / "tweets.conll"
    path.write_text(TAG_ONLY)
    with pytest.raises(DataFormatError, match="skip_malformed=True") as info:
        load_dataset(path)
    assert info.value.line == 2
    assert "a token and a tag in columns, got '\\tI-PER'" in str(info.value)


def test_skip_malformed_leaves_out_and_counts_tag_only_lines(tmp_path: Path) -> None:
    from uniner.data.io import read_dataset

    path = tmp_path / "tweets.conll"
    path.write_text(TAG_ONLY)
    read = read_dataset(path, skip_malformed=True)
    assert [(s.line, s.text) for s in read.skipped] == [(2, "\tI-PER"), (6, "\tO"), (9, " O")]
    assert {s.path for s in read.skipped} == {str(path)}
    # the mention goes on across the skipped line; the tag-only sentence gives no record
    assert [r.text for r in read.dataset] == ["Ada Lovelace sang", "Bob ran"]
    assert [spans(r) for r in read.dataset] == [[("Ada Lovelace", "PER")], [("Bob", "PER")]]
    assert load_dataset(path, skip_malformed=True).types == read.dataset.types == ["PER"]


def test_skip_malformed_still_refuses_a_bad_tag(tmp_path: Path) -> None:
    path = tmp_path / "bad.conll"
    path.write_text("Ada B-PER\nBob X-PER\n")
    with pytest.raises(DataFormatError, match="IOB1/IOB2/BIOES"):
        load_dataset(path, skip_malformed=True)


def test_skip_malformed_means_nothing_to_formats_without_lines() -> None:
    from uniner.data.io import read_dataset

    read = read_dataset(FIXTURES / "spans" / "test.json", skip_malformed=True)
    assert read.skipped == () and len(read.dataset) == 2
