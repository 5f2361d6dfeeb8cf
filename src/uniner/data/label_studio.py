"""Label Studio's JSON tasks, as a named-entity project exports and imports them.

An export is a JSON list of tasks; the text is in ``data`` and each submitted annotation holds
``result`` regions. A region of the NER labeling config (``<Labels name="label"
toName="text">`` over ``<Text name="text" value="$text"/>``) has ``type: "labels"``::

    [{"id": 7, "data": {"text": "Ada met Bob."},
      "annotations": [{"was_cancelled": false, "result": [
        {"from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 3, "text": "Ada", "labels": ["PER"]}}]}]}]

``start``/``end`` count characters (code points, as Python does) and ``end`` is exclusive.
A task read gives one record: its first annotation that was not cancelled, or, in a file of
pre-annotations (tasks with ``predictions`` and no ``annotations`` key), its first prediction.
Tasks nobody annotated are not records. Regions of other controls (choices, relations, text
areas) are not mentions and are passed over.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from uniner.data._io import read_json, require, write_json
from uniner.errors import DataFormatError
from uniner.types import AnnotatedText, Entity, unique

# The names the default NER labeling config gives its controls, written into every region.
FROM_NAME = "label"
TO_NAME = "text"
EXPECTED = "a JSON list of Label Studio tasks ({data, annotations or predictions})"


def read_label_studio(path: Path) -> tuple[list[AnnotatedText], list[str]]:
    """Read a Label Studio JSON export (or a file of pre-annotated tasks): ``(records, types)``.

    Raises:
        DataFormatError: the file is not such a list, a region is malformed, its offsets fall
            outside the text, or its ``text`` is not the text at its offsets; or no task of
            a non-empty file carries an annotation or a prediction.
    """
    tasks = read_json(path, EXPECTED)
    if not isinstance(tasks, list):
        raise DataFormatError(path, 1, f"{EXPECTED}, got {type(tasks).__name__}")
    records = []
    for index, task in enumerate(tasks, start=1):
        record = _task_record(path, index, task)
        if record is not None:
            records.append(record)
    if tasks and not records:
        raise DataFormatError(
            path,
            None,
            f"a task with a submitted annotation or a prediction (none of the {len(tasks)} "
            "tasks has one: export the project after annotating it)",
        )
    types = unique(e.type for r in records for e in r.entities)
    for record in records:
        record.types = list(types)
    return records, types


def _task_record(path: Path, index: int, task: Any) -> AnnotatedText | None:
    where = f"task {index}"
    if not isinstance(task, dict):
        raise DataFormatError(path, None, f"{where}: an object with 'data', got {task!r:.80}")
    if task.get("id") is not None:
        where = f"task {index} (id {task['id']})"
    text = _task_text(path, where, require(task, "data", dict, path, None, where))
    if "annotations" in task:
        submitted = [
            a
            for a in require(task, "annotations", list, path, None, where)
            if not (isinstance(a, dict) and a.get("was_cancelled"))
        ]
        source, kind = (submitted[0], "annotation") if submitted else (None, "")
    else:
        predictions = task.get("predictions") or []
        if not isinstance(predictions, list):
            raise DataFormatError(path, None, f"{where}: 'predictions' must be a list")
        source, kind = (predictions[0], "prediction") if predictions else (None, "")
    if source is None:
        return None  # nobody annotated it: it says nothing about its mentions
    if not isinstance(source, dict):
        raise DataFormatError(path, None, f"{where}: an {kind} object, got {source!r:.80}")
    entities = []
    for number, region in enumerate(require(source, "result", list, path, None, where), 1):
        entities.extend(_region_entities(path, f"{where} {kind} region {number}", text, region))
    record_id = task.get("id")
    return AnnotatedText(
        text, sorted(set(entities)), id=None if record_id is None else str(record_id)
    )


def _task_text(path: Path, where: str, data: dict[str, Any]) -> str:
    """``data["text"]``, or the one string of ``data`` when the config names it otherwise."""
    if isinstance(data.get("text"), str):
        return str(data["text"])
    strings = [value for value in data.values() if isinstance(value, str)]
    if len(strings) != 1:
        raise DataFormatError(
            path,
            None,
            f"{where}: 'data' needs a 'text' string (or exactly one string field), "
            f"got keys {sorted(data)}",
        )
    return strings[0]


def _region_entities(path: Path, where: str, text: str, region: Any) -> list[Entity]:
    if not isinstance(region, dict):
        raise DataFormatError(path, None, f"{where}: a region object, got {region!r:.80}")
    if region.get("type") != "labels":
        return []  # another control's region (choices, relation, ...): not a mention
    value = require(region, "value", dict, path, None, where)
    start, end, labels = value.get("start"), value.get("end"), value.get("labels")
    if not (isinstance(start, int) and isinstance(end, int)):
        raise DataFormatError(
            path, None, f"{where}: integer 'start' and 'end' in 'value', got {value!r:.120}"
        )
    if not (isinstance(labels, list) and labels and all(isinstance(x, str) and x for x in labels)):
        raise DataFormatError(path, None, f"{where}: a 'labels' list of label strings in 'value'")
    if not 0 <= start <= end <= len(text):
        raise DataFormatError(
            path, None, f"{where}: offsets within the text (0..{len(text)}), got ({start}, {end})"
        )
    if value.get("text") is not None and value["text"] != text[start:end]:
        raise DataFormatError(
            path,
            None,
            f"{where}: region text {value['text']!r} but the text at ({start}, {end}) is "
            f"{text[start:end]!r}",
        )
    return [Entity.from_span(text, start, end, label) for label in labels]


def label_studio_tasks(
    records: Sequence[AnnotatedText], *, model_version: str | None = None
) -> list[dict[str, Any]]:
    """Label Studio tasks for ``records``: their mentions as ``annotations``, or, given a
    ``model_version``, as ``predictions`` (pre-annotations a team corrects), each prediction
    scored with the mean score of its mentions and each region with its mention's score.

    >>> from uniner.types import AnnotatedText, Entity
    >>> ada = AnnotatedText("Ada.", [Entity(0, 3, "Ada", "person", 0.5)])
    >>> label_studio_tasks([ada], model_version="v1")[0]["predictions"][0]["score"]
    0.5
    """
    tasks = []
    for index, record in enumerate(records, start=1):
        result = [_region(f"{index}-{k}", e) for k, e in enumerate(sorted(record.entities), 1)]
        task: dict[str, Any] = {"data": {"text": record.text}}
        if model_version is None:
            task["annotations"] = [{"result": result}]
        else:
            prediction: dict[str, Any] = {"model_version": model_version}
            scores = [e.score for e in record.entities if e.score is not None]
            if scores:
                prediction["score"] = sum(scores) / len(scores)
            task["predictions"] = [{**prediction, "result": result}]
        tasks.append(task)
    return tasks


def _region(region_id: str, entity: Entity) -> dict[str, Any]:
    region: dict[str, Any] = {
        "id": region_id,
        "from_name": FROM_NAME,
        "to_name": TO_NAME,
        "type": "labels",
        "value": {
            "start": entity.start,
            "end": entity.end,
            "text": entity.text,
            "labels": [entity.type],
        },
    }
    if entity.score is not None:
        region["score"] = entity.score
    return region


def write_label_studio(
    records: Sequence[AnnotatedText], path: Path, *, model_version: str | None = None
) -> None:
    """Write :func:`label_studio_tasks` as a JSON file Label Studio imports."""
    write_json(path, label_studio_tasks(records, model_version=model_version))
