from __future__ import annotations

from pathlib import Path

import pytest

from uniner.data import guess_format, load_dataset
from uniner.errors import DataFormatError

TOOLS = Path(__file__).parent / "fixtures" / "tools"


def test_only_accepted_examples_are_read() -> None:
    path = TOOLS / "prodigy.jsonl"
    assert guess_format(path) == "prodigy"
    data = load_dataset(path)
    # The rejected and the ignored example are left out; the accepted one without spans is
    # a passage with no mention.
    assert [r.text for r in data] == ["Ada met Bob in Paris.", "It rained all day."]
    assert [[(e.start, e.end, e.text, e.type) for e in r.entities] for r in data] == [
        [(0, 3, "Ada", "PERSON"), (8, 11, "Bob", "PERSON"), (15, 20, "Paris", "GPE")],
        [],
    ]
    assert data.types == ["PERSON", "GPE"]


def test_an_example_without_answer_counts_as_accepted(tmp_path: Path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_text('{"text": "Bob.", "spans": [{"start": 0, "end": 3, "label": "PER"}]}\n')
    assert guess_format(path) == "prodigy"
    assert [e.text for r in load_dataset(path) for e in r.entities] == ["Bob"]


@pytest.mark.parametrize(
    ("line2", "expected"),
    [
        (
            '{"text": "Bob", "spans": [], "answer": "maybe"}',
            "'answer' one of accept, reject, ignore, got 'maybe'",
        ),
        (
            '{"text": "Bob", "spans": [{"start": 0, "end": 3}], "answer": "accept"}',
            "a span with integer 'start', 'end' and a 'label'",
        ),
        (
            '{"text": "Bob", "spans": [{"start": 0, "end": 4, "label": "P"}]}',
            r"offsets within the text \(0..3\), got \(0, 4\)",
        ),
        (
            '{"text": "Bob", "spans": [{"start": 0, "end": 2, "label": "P", "text": "Bob"}]}',
            "span text 'Bob' but the text at",
        ),
        ('{"text": "Bob", "spans": {"start": 0}}', "'spans' must be a list"),
        ('{"spans": []}', "example: field 'text' must be str"),
    ],
)
def test_a_malformed_example_names_the_file_and_line(
    tmp_path: Path, line2: str, expected: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "Ada", "spans": [], "answer": "accept"}\n' + line2 + "\n")
    with pytest.raises(DataFormatError, match=expected) as info:
        load_dataset(path, format="prodigy")
    assert (info.value.path, info.value.line) == (str(path), 2)


def test_a_rejected_example_is_still_checked(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"text": "Ada", "spans": [{"start": 0, "end": 9, "label": "P"}], "answer": "reject"}\n'
    )
    with pytest.raises(DataFormatError, match=r"bad.jsonl, line 1: example: offsets"):
        load_dataset(path)
