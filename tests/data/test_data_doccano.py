from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.data import guess_format, load_dataset, write_dataset
from uniner.errors import DataFormatError

TOOLS = Path(__file__).parent / "fixtures" / "tools"


def spans(path: Path) -> list[list[tuple[int, int, str, str]]]:
    return [[(e.start, e.end, e.text, e.type) for e in r.entities] for r in load_dataset(path)]


def test_an_export_reads_its_label_triples() -> None:
    path = TOOLS / "doccano.jsonl"
    assert guess_format(path) == "doccano"
    data = load_dataset(path)
    # The default label map drops MISC (German, British).
    assert spans(path) == [[(0, 2, "EU", "ORG")], [(0, 15, "Peter Blackburn", "PER")], []]
    assert ([r.id for r in data], data.types) == (["1", "2", "3"], ["ORG", "PER"])


def test_a_relation_project_export_reads_its_entities() -> None:
    path = TOOLS / "doccano_relations.jsonl"
    assert guess_format(path) == "doccano"
    assert spans(path) == [
        [
            (0, 12, "Ada Lovelace", "PER"),
            (25, 40, "Charles Babbage", "PER"),
            (44, 50, "London", "LOC"),
        ],
        [],
    ]


def test_the_older_labels_key_is_read(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    path.write_text('{"text": "Tokyo.", "labels": [[0, 5, "LOC"]]}\n')
    assert guess_format(path) == "doccano"
    assert spans(path) == [[(0, 5, "Tokyo", "LOC")]]


def test_written_and_read_back_gives_the_same_spans(tmp_path: Path) -> None:
    source = TOOLS / "doccano_relations.jsonl"
    out = write_dataset(load_dataset(source), tmp_path / "out.jsonl", format="doccano")
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first == {
        "text": "Ada Lovelace worked with Charles Babbage in London.",
        "label": [[0, 12, "PER"], [25, 40, "PER"], [44, 50, "LOC"]],
    }
    assert spans(out) == spans(source)


@pytest.mark.parametrize(
    ("line2", "expected"),
    [
        (
            '{"text": "Bob", "label": [[0, 3]]}',
            r"each 'label' item as \[start, end, \"TYPE\"\], got \[0, 3\]",
        ),
        (
            '{"text": "Bob", "label": [[0, 9, "P"]]}',
            r"offsets within the text \(0..3\), got \(0, 9\)",
        ),
        ('{"text": "Bob"}', r'a "label" list of \[start, end, "TYPE"\] \(or "entities"\)'),
        (
            '{"text": "Bob", "entities": [{"start_offset": 0, "label": "P"}]}',
            "each 'entities' item as",
        ),
        ('{"label": []}', "record: field 'text' must be str"),
        ('{"text": "Bob", "label": [[0, 3, "P"]]', "a JSON object"),
    ],
)
def test_a_malformed_line_names_the_file_and_line(
    tmp_path: Path, line2: str, expected: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "Ada", "label": [[0, 3, "PER"]]}\n' + line2 + "\n")
    with pytest.raises(DataFormatError, match=expected) as info:
        load_dataset(path, format="doccano")
    assert (info.value.path, info.value.line) == (str(path), 2)
