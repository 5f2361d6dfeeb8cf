"""Entity types as users give them: a name and, optionally, a description of what it means.

Every interface turns what it was given into :class:`EntityType` records here, so that one set
of rules holds everywhere: names and descriptions are stripped and their whitespace runs
collapsed, a blank description is no description, duplicates merge, and one name given twice
with two different descriptions is refused. The accepted forms:

* a name or a list of names: ``["person", "city"]`` (blank names in a list are skipped);
* a mapping name -> description or None: ``{"drug": "a medication ...", "dose": None}``;
* a list mixing names, :class:`EntityType` records and ``{"name", "description"}`` objects;
* on a command line, ``NAME=DESCRIPTION`` (:func:`parse_type_option`);
* a YAML or JSON file holding any of the above (:func:`read_types_file`);
* a benchmark's definitions file, ``{type: {"definition", "guidelines"}}``
  (:func:`read_definitions`).

How a description reaches the student is :func:`uniner.prompts.query_message`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uniner.errors import DataFormatError


@dataclass(frozen=True)
class EntityType:
    """One entity type to extract: its ``name`` (the label mentions get) and what it means.

    >>> EntityType(" drug ", "a medication  given to treat a disease")
    EntityType(name='drug', description='a medication given to treat a disease')
    >>> EntityType("dose", "   ").description is None
    True

    Raises:
        TypeError: the name or the description is not a string.
        ValueError: the name is blank.
    """

    name: str
    description: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(
                f"an entity type's name must be a string, got {self.name!r} "
                f"({type(self.name).__name__})"
            )
        name = " ".join(self.name.split())
        if not name:
            raise ValueError(f"an entity type needs a non-empty name, got {self.name!r}")
        description = self.description
        if description is not None:
            if not isinstance(description, str):
                raise TypeError(
                    f"the description of entity type {name!r} must be a string or None, got "
                    f"{description!r} ({type(description).__name__})"
                )
            description = " ".join(description.split()) or None
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "description", description)

    def to_dict(self) -> dict[str, str]:
        """``{"name"}``, with ``"description"`` when there is one."""
        if self.description is None:
            return {"name": self.name}
        return {"name": self.name, "description": self.description}


# Everything :func:`entity_types` takes.
TypesLike = (
    str | EntityType | Mapping[str, str | None] | Iterable[str | EntityType | Mapping[str, Any]]
)


def entity_types(types: TypesLike) -> list[EntityType]:
    """The types a caller gave, as :class:`EntityType` records in order, duplicates merged.

    >>> [t.name for t in entity_types([" person ", "person", "programming  language", ""])]
    ['person', 'programming language']
    >>> entity_types({"drug": "a medication", "dose": None})[1]
    EntityType(name='dose', description=None)

    Raises:
        TypeError: an item is neither a string, an :class:`EntityType` nor a
            ``{"name", "description"}`` object, or a description is not a string.
        ValueError: no type at all, a blank name in a mapping or object, or one name given
            with two different descriptions.
    """
    items: list[EntityType] = []
    if isinstance(types, str | EntityType):
        types = [types]
    if isinstance(types, Mapping):
        for name, description in types.items():
            items.append(EntityType(name, description))
    else:
        for item in types:
            if isinstance(item, str):
                if item.strip():  # a list of names skips blanks, as it always has
                    items.append(EntityType(item))
            elif isinstance(item, EntityType):
                items.append(item)
            elif isinstance(item, Mapping):
                items.append(_from_object(item))
            else:
                raise TypeError(
                    "entity types must be strings, EntityType records or "
                    f"{{'name', 'description'}} objects, got {item!r} ({type(item).__name__})"
                )
    if not items:
        raise ValueError("no entity types given: name at least one type, e.g. ['person']")
    merged: dict[str, EntityType] = {}  # name -> its record, in first-seen order
    for item in items:
        seen = merged.setdefault(item.name, item)
        if seen.description != item.description:
            raise ValueError(
                f"entity type {item.name!r} is given twice with different descriptions: "
                f"{seen.description!r} and {item.description!r}"
            )
    return list(merged.values())


def _from_object(item: Mapping[str, Any]) -> EntityType:
    unknown = set(item) - {"name", "description"}
    if "name" not in item or unknown:
        raise ValueError(
            f"an entity type object has a 'name' and an optional 'description', got {dict(item)!r}"
        )
    return EntityType(item["name"], item.get("description"))


def type_names(types: Iterable[EntityType]) -> list[str]:
    """The names of ``types``, in order."""
    return [t.name for t in types]


def has_descriptions(types: Iterable[EntityType]) -> bool:
    """Whether any of ``types`` carries a description (its prompts then use the description
    template, :data:`uniner.prompts.DESCRIPTION_TEMPLATE_VERSION`)."""
    return any(t.description is not None for t in types)


def names_or_records(types: Sequence[EntityType]) -> list[str] | list[EntityType]:
    """What to hand a :class:`~uniner.types.Predictor`: plain names when no type has a
    description (what every predictor takes), else the records."""
    return list(types) if has_descriptions(types) else type_names(types)


def describe(names: Iterable[str], descriptions: Mapping[str, str]) -> list[EntityType]:
    """``names`` as records, each with its description from ``descriptions`` where it has one.

    >>> describe(["person", "city"], {"city": "a town"})
    [EntityType(name='person', description=None), EntityType(name='city', description='a town')]
    """
    return entity_types([EntityType(n, descriptions.get(n)) for n in names])


def merge_descriptions(
    types: TypesLike, descriptions: Mapping[str, str]
) -> tuple[list[str], dict[str, str]]:
    """``types`` as names, and each one's description: its own where it carries one, else the
    one ``descriptions`` gives it (configs that take both, e.g. a corpus job's, a spaCy pipe's).

    >>> merge_descriptions([EntityType("drug", "a medicine"), "dose"], {"dose": "an amount"})
    (['drug', 'dose'], {'drug': 'a medicine', 'dose': 'an amount'})
    """
    given = entity_types(types)
    merged = dict(descriptions)  # a type's own description wins
    merged.update((t.name, t.description) for t in given if t.description is not None)
    named = describe([t.name for t in given], merged)
    return [t.name for t in named], {t.name: t.description for t in named if t.description}


# ---------------------------------------------------------------- the command line and files


def parse_type_option(value: str) -> EntityType:
    """One ``-t`` value: ``NAME`` or ``NAME=DESCRIPTION`` (split at the first ``=``).

    >>> parse_type_option("drug=a medication given to treat a disease")
    EntityType(name='drug', description='a medication given to treat a disease')
    """
    name, _, description = value.partition("=")
    return EntityType(name, description or None)


def read_types_file(path: str | Path) -> list[EntityType]:
    """The types in a YAML (``.yaml``/``.yml``) or JSON file: a list of names (or of
    ``{"name", "description"}`` objects), or a mapping name -> description or null.

    Raises:
        DataFormatError: the file cannot be parsed or holds something else.
        FileNotFoundError: there is no such file.
    """
    path = Path(path)
    data = _load(path)
    if not isinstance(data, list | dict):
        raise DataFormatError(
            path, None, "a list of type names or a mapping type name -> description"
        )
    try:
        return entity_types(data)
    except (TypeError, ValueError) as err:
        raise DataFormatError(path, None, str(err)) from err


def read_definitions(path: str | Path) -> dict[str, str]:
    """A benchmark's definitions file as type -> description: ``{type: {"definition",
    "guidelines"}}`` (the SLIMER files under ``zero-shot-uniner/definitions/`` and
    ``distill/pile-ner-391-definitions.json``), the definition then the guidelines, joined by a
    space. A plain ``{type: "description"}`` mapping is read as it is.

    Raises:
        DataFormatError: the file is not such a mapping.
    """
    path = Path(path)
    data = _load(path)
    if not isinstance(data, dict):
        raise DataFormatError(path, None, 'a mapping type -> {"definition", "guidelines"}')
    result: dict[str, str] = {}
    for name, entry in data.items():
        if isinstance(entry, dict):
            parts = [entry.get("definition"), entry.get("guidelines")]
            if not all(p is None or isinstance(p, str) for p in parts):
                raise DataFormatError(path, None, f"{name!r}: string definition and guidelines")
            text = " ".join(p.strip() for p in parts if p and p.strip())
        elif isinstance(entry, str):
            text = entry
        else:
            raise DataFormatError(
                path, None, f'{name!r}: a {{"definition", "guidelines"}} object, got {entry!r}'
            )
        described = EntityType(str(name), text)
        if described.description is not None:
            result[described.name] = described.description
    return result


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in {".yaml", ".yml"}:
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise DataFormatError(path, None, f"valid YAML ({err})") from err
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataFormatError(path, err.lineno, f"valid JSON ({err.msg})") from err
