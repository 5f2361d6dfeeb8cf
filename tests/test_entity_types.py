"""EntityType and the one helper every interface uses to read the types it was given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.entity_types import (
    EntityType,
    describe,
    entity_types,
    has_descriptions,
    parse_type_option,
    read_definitions,
    read_types_file,
    type_names,
)
from uniner.errors import DataFormatError


def test_entity_type_is_normalised() -> None:
    drug = EntityType("  drug \n", " a medication\n given  to treat a disease ")
    assert (drug.name, drug.description) == ("drug", "a medication given to treat a disease")
    assert EntityType("dose", "  ").description is None
    assert EntityType("dose").to_dict() == {"name": "dose"}
    assert drug.to_dict() == {
        "name": "drug",
        "description": "a medication given to treat a disease",
    }


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("",), ValueError, "non-empty name, got ''"),
        ((" \t",), ValueError, "non-empty name"),
        ((3,), TypeError, "name must be a string, got 3 \\(int\\)"),
        (
            ("drug", 5),
            TypeError,
            "description of entity type 'drug' must be a string or None, got 5",
        ),
        (("drug", ["x"]), TypeError, "got \\['x'\\] \\(list\\)"),
    ],
)
def test_entity_type_refuses_bad_values(args: tuple, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        EntityType(*args)


def test_every_form_gives_the_same_records() -> None:
    expected = [EntityType("drug", "a medication"), EntityType("dose")]
    assert entity_types({"drug": "a medication", "dose": None}) == expected
    assert entity_types([EntityType("drug", "a medication"), "dose"]) == expected
    assert entity_types([{"name": "drug", "description": "a medication"}, {"name": "dose"}]) == (
        expected
    )
    assert entity_types("dose") == [EntityType("dose")]
    assert entity_types(EntityType("dose")) == [EntityType("dose")]
    assert entity_types(("person", "city")) == [EntityType("person"), EntityType("city")]


def test_names_are_cleaned_and_merged_as_clean_types_does() -> None:
    given = [" person ", "person", "programming  language", "", EntityType("person")]
    assert type_names(entity_types(given)) == ["person", "programming language"]
    assert not has_descriptions(entity_types(given))
    assert has_descriptions(entity_types({"person": "a human", "city": None}))


@pytest.mark.parametrize(
    ("types", "error", "message"),
    [
        ([], ValueError, "no entity types given"),
        ([" ", ""], ValueError, "no entity types given"),
        ({}, ValueError, "no entity types given"),
        ({"": "a thing"}, ValueError, "non-empty name"),
        ({"drug": 3}, TypeError, "must be a string or None, got 3"),
        ([3], TypeError, "entity types must be strings, EntityType records or"),
        ([{"label": "drug"}], ValueError, "has a 'name' and an optional 'description'"),
        (["drug", EntityType("drug", "a medication")], ValueError, "given twice"),
    ],
)
def test_bad_types_are_refused(types: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        entity_types(types)  # type: ignore[arg-type]


def test_describe_gives_the_descriptions_it_has() -> None:
    assert describe(["person", "city"], {"city": "a town", "river": "water"}) == [
        EntityType("person"),
        EntityType("city", "a town"),
    ]


def test_the_command_line_form() -> None:
    assert parse_type_option("drug=a medication given to treat a disease") == EntityType(
        "drug", "a medication given to treat a disease"
    )
    assert parse_type_option("person") == EntityType("person")
    assert parse_type_option("drug=") == EntityType("drug")
    assert parse_type_option("ratio=a=b") == EntityType("ratio", "a=b")
    with pytest.raises(ValueError, match="non-empty name"):
        parse_type_option("=a medication")


def test_types_files_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "types.yaml"
    yaml_file.write_text("drug: a medication given to treat a disease\ndose:\n")
    assert read_types_file(yaml_file) == [
        EntityType("drug", "a medication given to treat a disease"),
        EntityType("dose"),
    ]
    listed = tmp_path / "types.yml"
    listed.write_text("- person\n- name: city\n  description: a town\n")
    assert read_types_file(listed) == [EntityType("person"), EntityType("city", "a town")]
    json_file = tmp_path / "types.json"
    json_file.write_text(json.dumps(["person", "city"]))
    assert read_types_file(json_file) == [EntityType("person"), EntityType("city")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.json", '"person"', "a list of type names or a mapping"),
        ("t.json", "[1,", "line 1: valid JSON"),
        ("t.yaml", "a: [", "valid YAML"),
        ("t.yaml", "drug: 3\n", "must be a string or None, got 3"),
        ("t.json", "[]", "no entity types given"),
    ],
)
def test_bad_types_files_name_the_file(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DataFormatError, match=message) as raised:
        read_types_file(path)
    assert raised.value.path == str(path)


def test_definitions_files(tmp_path: Path) -> None:
    path = tmp_path / "ai.json"
    path.write_text(
        json.dumps(
            {
                "algorithm": {"definition": "A method.", "guidelines": "Not generic  names."},
                "task": {"definition": "A problem.", "guidelines": ""},
                "field": "A  discipline.",
                "metrics": {"definition": " ", "guidelines": None},
            }
        )
    )
    assert read_definitions(path) == {
        "algorithm": "A method. Not generic names.",
        "task": "A problem.",
        "field": "A discipline.",
    }
    path.write_text(json.dumps({"algorithm": {"definition": 3}}))
    with pytest.raises(DataFormatError, match="string definition and guidelines"):
        read_definitions(path)
    path.write_text(json.dumps(["algorithm"]))
    with pytest.raises(DataFormatError, match="a mapping type"):
        read_definitions(path)


def test_the_shared_definitions_files_read(shared_data: Path) -> None:
    pile = read_definitions(shared_data / "distill" / "pile-ner-391-definitions.json")
    assert len(pile) == 391
    assert pile["person"].startswith("'person' signifies individuals")
    assert pile["person"].endswith("may include both a nickname and a real name.")
    ai = read_definitions(shared_data / "zero-shot-uniner" / "definitions" / "ai.json")
    assert "programming language" in ai and "algorithm" in ai
