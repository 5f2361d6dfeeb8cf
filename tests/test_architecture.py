"""The package's shape: no import cycle anywhere, and one grounding rule for every stage."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import uniner
from uniner.annotate.filtering import filter_answer
from uniner.corpus.passage import Passage
from uniner.data import load_dataset
from uniner.engine.assembly import assemble
from uniner.engine.options import ExtractOptions
from uniner.engine.results import Answer, Job
from uniner.engine.windows import Window
from uniner.grounding import find_spans

PACKAGE = Path(uniner.__file__).parent


def _imports() -> dict[str, set[str]]:
    """Module -> the uniner modules it imports (anywhere in it, lazy imports included)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                targets = [base, *(f"{base}.{a.name}" for a in node.names)]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_in_the_package() -> None:
    graph = _imports()
    assert len(graph) > 50  # the walk found the package
    assert "uniner.engine.model" in graph["uniner.engine"]  # and reads package imports
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


TEXT = "The AI lab in MAIN street: AI, (AI) and C++ work; a cat sat on the catalogue. PARIS!"
STRINGS = ["AI", "(AI)", "C++", "cat", "Paris", "atalog", "lab in"]


def _by_annotation(text: str, strings: list[str]) -> set[tuple[int, int, str]]:
    passage = Passage(text, source="t", document="0", start=0, end=len(text))
    answer = "[" + ", ".join(f'("{s}", "thing")' for s in strings) + "]"
    record = filter_answer(passage, answer).record  # None: no string was found
    return set() if record is None else {(e.start, e.end, e.text) for e in record.entities}


def _by_data_reader(text: str, strings: list[str], tmp_path: Path) -> set[tuple[int, int, str]]:
    turns = [
        {"from": "human", "value": f"Text: {text}"},
        {"from": "gpt", "value": "I've read this text."},
        {"from": "human", "value": "What describes thing in the text?"},
        {"from": "gpt", "value": json.dumps(strings)},
    ]
    path = tmp_path / "one.json"
    path.write_text(json.dumps([{"id": "x", "conversations": turns}]))
    (record,) = load_dataset(path, format="uniner").records
    return {(e.start, e.end, e.text) for e in record.entities}


def _by_engine(text: str, strings: list[str]) -> set[tuple[int, int, str]]:
    answer_text = json.dumps(strings)
    answer = Answer("thing", answer_text, [len(answer_text)], [0.0], finished=True)
    job = Job(0, Window(0, len(text)), text, [answer])
    prediction = assemble(text, [job], ["thing"], ExtractOptions())
    return {(e.start, e.end, e.text) for e in prediction.entities}


@pytest.mark.parametrize("strings", [STRINGS, *([s] for s in STRINGS)])
def test_annotation_readers_and_engine_ground_alike(strings: list[str], tmp_path: Path) -> None:
    expected = {(s, e, TEXT[s:e]) for m in strings for s, e in find_spans(TEXT, m)}
    assert _by_annotation(TEXT, strings) == expected
    assert _by_data_reader(TEXT, strings, tmp_path) == expected
    assert _by_engine(TEXT, strings) == expected


def test_the_rule_itself() -> None:
    # not inside "MAIN", but inside "(AI)": brackets are boundaries
    assert find_spans(TEXT, "AI") == [(4, 6), (27, 29), (32, 34)]
    assert find_spans(TEXT, "(AI)") == [(31, 35)]
    assert find_spans(TEXT, "cat") == [(52, 55)]  # not inside "catalogue"
    assert find_spans(TEXT, "atalog") == []
    assert find_spans(TEXT, "Paris") == [(78, 83)]  # case-insensitive only as a fall-back
    assert find_spans(TEXT, "AI", first_only=True) == [(4, 6)]
