from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.data import guess_format, load_dataset, write_dataset
from uniner.data.label_studio import label_studio_tasks, read_label_studio, write_label_studio
from uniner.errors import DataFormatError
from uniner.types import AnnotatedText, Entity

EXPORT = Path(__file__).parent / "fixtures" / "tools" / "label_studio_export.json"


def spans(path: Path, **kwargs: str) -> list[list[tuple[int, int, str, str]]]:
    return [
        [(e.start, e.end, e.text, e.type) for e in r.entities] for r in load_dataset(path, **kwargs)
    ]


def test_an_export_reads_the_first_submitted_annotation_of_each_labelled_task() -> None:
    assert guess_format(EXPORT) == "label-studio"
    data = load_dataset(EXPORT)
    # Task 103 was never annotated; task 102's first annotation was cancelled; the default
    # label map drops MISC (Acme's second label); the choices region is no mention.
    assert [r.id for r in data] == ["101", "102", "104"]
    assert spans(EXPORT) == [
        [(0, 12, "Ada Lovelace", "PER"), (25, 31, "London", "LOC")],
        [(0, 3, "Bob", "PER"), (13, 17, "Acme", "ORG")],
        [],
    ]
    assert data.types == ["PER", "LOC", "ORG"]
    assert data.records[2].types == ["PER", "LOC", "ORG"]


def test_a_task_whose_text_field_has_another_name(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    region = {"type": "labels", "value": {"start": 4, "end": 7, "labels": ["PER"]}}
    tasks = [{"data": {"sentence": "Met Ada.", "n": 3}, "annotations": [{"result": [region]}]}]
    path.write_text(json.dumps(tasks))
    assert spans(path) == [[(4, 7, "Ada", "PER")]]


def test_pre_annotations_round_trip_with_their_scores(tmp_path: Path) -> None:
    records = [
        AnnotatedText(
            "Ada met Bob Lee.",
            [Entity(0, 3, "Ada", "person", 0.75), Entity(8, 15, "Bob Lee", "person", 0.25)],
        ),
        AnnotatedText("Nobody.", []),
    ]
    path = tmp_path / "pre.json"
    write_label_studio(records, path, model_version="smol+adapter")
    tasks = json.loads(path.read_text(encoding="utf-8"))
    assert tasks[0] == {
        "data": {"text": "Ada met Bob Lee."},
        "predictions": [
            {
                "model_version": "smol+adapter",
                "score": 0.5,
                "result": [
                    {
                        "id": "1-1",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": 0, "end": 3, "text": "Ada", "labels": ["person"]},
                        "score": 0.75,
                    },
                    {
                        "id": "1-2",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": 8, "end": 15, "text": "Bob Lee", "labels": ["person"]},
                        "score": 0.25,
                    },
                ],
            }
        ],
    }
    assert tasks[1] == {
        "data": {"text": "Nobody."},
        "predictions": [{"model_version": "smol+adapter", "result": []}],
    }
    read, types = read_label_studio(path)
    assert [r.entities for r in read] == [r.entities for r in records]
    assert types == ["person"]


def test_a_dataset_is_written_as_annotations_and_reads_back(tmp_path: Path) -> None:
    data = load_dataset(EXPORT)
    out = write_dataset(data, tmp_path / "again.json", format="label-studio")
    assert "annotations" in json.loads(out.read_text())[0]
    assert spans(out) == spans(EXPORT)
    assert label_studio_tasks([AnnotatedText("", [])]) == [
        {"data": {"text": ""}, "annotations": [{"result": []}]}
    ]


def region(**value: object) -> dict[str, object]:
    return {"type": "labels", "value": value}


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (
            {"id": 5, "data": {"text": "Ada"}, "annotations": [{"result": [region(start="0")]}]},
            r"task 1 \(id 5\) annotation region 1: integer 'start' and 'end' in 'value'",
        ),
        (
            {"data": {"text": "Ada"}, "annotations": [{"result": [region(start=0, end=3)]}]},
            "task 1 annotation region 1: a 'labels' list of label strings",
        ),
        (
            {
                "data": {"text": "Ada"},
                "predictions": [{"result": [region(start=0, end=9, labels=["P"])]}],
            },
            r"task 1 prediction region 1: offsets within the text \(0..3\), got \(0, 9\)",
        ),
        (
            {
                "data": {"text": "Ada"},
                "annotations": [{"result": [region(start=0, end=2, text="Ada", labels=["P"])]}],
            },
            r"region text 'Ada' but the text at \(0, 2\) is 'Ad'",
        ),
        ({"annotations": []}, "task 1: field 'data' must be dict"),
        (
            {"data": {"a": "x", "b": "y"}, "annotations": []},
            r"'data' needs a 'text' string \(or exactly one string field\), got keys \['a', 'b'\]",
        ),
        ({"data": {"text": "Ada"}, "annotations": [{"id": 1}]}, "field 'result' must be list"),
    ],
)
def test_a_malformed_task_names_the_file_the_task_and_what_was_expected(
    tmp_path: Path, task: dict[str, object], expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([task]))
    with pytest.raises(DataFormatError, match=expected) as info:
        load_dataset(path, format="label-studio")
    assert info.value.path == str(path)


def test_not_a_list_of_tasks_and_nothing_annotated_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"data": {"text": "Ada"}}')
    with pytest.raises(DataFormatError, match=r"bad.json, line 1: a JSON list of Label Studio"):
        load_dataset(path, format="label-studio")
    path.write_text('[{"data": {"text": "Ada"}, "annotations": []}]')
    with pytest.raises(DataFormatError, match="none of the 1 tasks has one"):
        load_dataset(path, format="label-studio")
