"""CoNLL/BIO column files, as people actually have them.

One token per line, the token in the first column and the tag in the last (tab-separated when
the line has a tab, else whitespace-separated; middle columns such as POS tags are ignored).
Blank lines end a sentence, ``-DOCSTART-`` lines are skipped. Tags may be IOB1, IOB2, BIOES
(also BILOU) or bare IO labels: one decoder reads them all. The sentence text is the tokens
joined by single spaces, and offsets are computed on that text.

A line without both a token and a tag (public Twitter test files hold tag-only lines) is an
error naming the file and line; with ``skip_malformed=True`` it is left out and listed in the
result's ``skipped``, so a caller can say how many lines it did not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from uniner.data._io import read_text
from uniner.errors import DataFormatError
from uniner.types import AnnotatedText, Dataset, Entity, unique

OUTSIDE = "O"
# prefix -> what it means for the running entity
PREFIXES = {"B": "begin", "I": "inside", "E": "end", "L": "end", "S": "single", "U": "single"}


@dataclass(frozen=True)
class SkippedLine:
    """A malformed line that ``skip_malformed`` left out: where it was and what it held."""

    path: str
    line: int
    text: str


@dataclass
class _Sentence:
    tokens: list[str] = field(default_factory=list)
    tags: list[tuple[str, str | None, int]] = field(default_factory=list)  # (prefix, label, line)


def read_conll(
    path: Path, *, skip_malformed: bool = False
) -> tuple[list[AnnotatedText], list[str], list[SkippedLine]]:
    """Read a CoNLL/BIO file: ``(records, types in first-seen order, skipped lines)``.

    Args:
        path: the file.
        skip_malformed: leave out (and list) lines without both a token and a tag instead of
            raising. A bad tag (``X-PER``) is still an error: it is not a missing column.

    Raises:
        DataFormatError: a malformed line (names the file and line).
    """
    skipped: list[SkippedLine] = []
    sentences = _sentences(path, skipped if skip_malformed else None)
    records = [_decode(sentence) for sentence in sentences]
    types = unique(e.type for r in records for e in r.entities)
    for record in records:
        record.types = list(types)
    return records, types, skipped


def _sentences(path: Path, skipped: list[SkippedLine] | None) -> Iterator[_Sentence]:
    """The file's sentences; a malformed line goes to ``skipped`` (None: it raises)."""
    sentence = _Sentence()
    for lineno, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip() or line.split()[0] == "-DOCSTART-":
            if sentence.tokens:
                yield sentence
            sentence = _Sentence()
            continue
        columns = line.split("\t") if "\t" in line else line.split()
        columns = [c.strip() for c in columns]
        if len(columns) < 2 or not columns[0] or not columns[-1]:
            if skipped is None:
                raise DataFormatError(
                    path,
                    lineno,
                    f"a token and a tag in columns, got {line!r} "
                    "(--skip-malformed / skip_malformed=True leaves such lines out)",
                )
            skipped.append(SkippedLine(str(path), lineno, line))
            continue
        sentence.tokens.append(columns[0])
        sentence.tags.append((*_split_tag(path, lineno, columns[-1]), lineno))
    if sentence.tokens:
        yield sentence


def _split_tag(path: Path, lineno: int, tag: str) -> tuple[str, str | None]:
    if tag == OUTSIDE:
        return OUTSIDE, None
    prefix, sep, label = tag.partition("-")
    if not sep:
        return "I", tag  # a bare IO label
    if prefix.upper() not in PREFIXES or not label:
        raise DataFormatError(
            path, lineno, f"a tag 'O' or <B|I|E|S|L|U>-<label> (IOB1/IOB2/BIOES), got {tag!r}"
        )
    return prefix.upper(), label


def _decode(sentence: _Sentence) -> AnnotatedText:
    """Tags to spans: B/S always start, I continues a same-label entity, E/S close one."""
    text = " ".join(sentence.tokens)
    starts = _token_starts(sentence.tokens)
    spans: list[tuple[int, int, str]] = []
    running: tuple[int, str] | None = None  # (first token, label) of the open entity
    for i, (prefix, label, _line) in enumerate(sentence.tags):
        meaning = PREFIXES.get(prefix)
        if running and not (label == running[1] and meaning in ("inside", "end")):
            spans.append((running[0], i - 1, running[1]))
            running = None
        if label is None:
            continue
        running = running or (i, label)
        if meaning in ("end", "single"):
            spans.append((running[0], i, label))
            running = None
    if running:
        spans.append((running[0], len(sentence.tags) - 1, running[1]))
    entities = [
        Entity.from_span(text, starts[a], starts[b] + len(sentence.tokens[b]), label)
        for a, b, label in spans
    ]
    return AnnotatedText(text, sorted(set(entities)), meta={"line": sentence.tags[0][2]})


def _token_starts(tokens: list[str]) -> list[int]:
    starts, offset = [], 0
    for token in tokens:
        starts.append(offset)
        offset += len(token) + 1
    return starts


def write_conll(dataset: Dataset, path: Path) -> None:
    """Write IOB2 ``token<TAB>tag`` lines; the texts must be single-space-joined tokens and
    every mention must cover whole tokens (overlapping mentions cannot be written)."""
    lines: list[str] = []
    for n, record in enumerate(dataset.records):
        lines.extend(_conll_lines(record, n))
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _conll_lines(record: AnnotatedText, n: int) -> list[str]:
    tokens = record.text.split(" ")
    starts = _token_starts(tokens)
    tags = [OUTSIDE] * len(tokens)
    for entity in sorted(record.entities):
        first = starts.index(entity.start) if entity.start in starts else None
        ends = [s + len(t) for s, t in zip(starts, tokens, strict=True)]
        last = ends.index(entity.end) if entity.end in ends else None
        if first is None or last is None or any(t != OUTSIDE for t in tags[first : last + 1]):
            raise ValueError(
                f"record {n}: mention {entity.text!r} at ({entity.start}, {entity.end}) does not "
                "cover whole space-separated tokens without overlap; CoNLL cannot hold it"
            )
        tags[first : last + 1] = [f"I-{entity.type}"] * (last - first + 1)
        tags[first] = f"B-{entity.type}"
    return [f"{token}\t{tag}" for token, tag in zip(tokens, tags, strict=True)]
