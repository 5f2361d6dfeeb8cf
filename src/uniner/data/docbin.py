"""spaCy's binary training format, ``DocBin`` (``.spacy`` files), read and written with spaCy.

A record is one ``Doc``: its text, and as mentions its entities (``doc.ents``) together with
the spans of the ``sc`` group (``doc.spans["sc"]``, where spaCy's span categorizer looks),
each a character span labelled with its type. Written, every mention goes into ``sc`` (with
its score in the group's ``attrs["scores"]``, as the span categorizer keeps them) and the
longest non-overlapping ones into ``doc.ents`` (``spacy.util.filter_spans``), so an ``ner``
pipeline trains on the entities and a ``spancat`` one on every mention, overlaps included.
The written tokens are a blank pipeline's, split further where a mention starts or ends
inside a token, so every mention is a whole number of tokens.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uniner.errors import DataFormatError, MissingDependencyError
from uniner.types import AnnotatedText, Entity, unique

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

SPANS_KEY = "sc"  # spaCy's span categorizer's default group


def _spacy() -> Any:
    """The ``spacy`` module, or the install command when it is missing."""
    try:
        import spacy
    except ImportError as err:
        raise MissingDependencyError("spacy", "spacy") from err
    return spacy


def read_docbin(path: Path) -> tuple[list[AnnotatedText], list[str]]:
    """Read a ``DocBin`` file: ``(records, types)``; every record is asked every type.

    Raises:
        MissingDependencyError: spaCy is not installed.
        DataFormatError: the file is not a ``DocBin`` spaCy can read.
    """
    _spacy()
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        docs = list(DocBin().from_disk(path).get_docs(Vocab()))
    except Exception as err:  # spaCy raises whatever msgpack or zlib raise on other bytes
        raise DataFormatError(path, None, f"a spaCy DocBin ({type(err).__name__}: {err})") from err
    records = []
    for doc in docs:
        spans = [*doc.ents, *doc.spans.get(SPANS_KEY, [])]
        entities = {Entity.from_span(doc.text, s.start_char, s.end_char, s.label_) for s in spans}
        records.append(AnnotatedText(doc.text, sorted(entities)))
    types = unique(e.type for r in records for e in r.entities)
    for record in records:
        record.types = list(types)
    return records, types


def docbin_docs(records: Sequence[AnnotatedText], *, lang: str = "xx") -> list[Doc]:
    """One ``Doc`` per record, tokenized by a blank ``lang`` pipeline (see the module).

    Raises:
        ValueError: a mention starts or ends inside the whitespace after a token, where no
            token boundary can be.
    """
    spacy = _spacy()
    from spacy.util import filter_spans

    nlp = spacy.blank(lang)
    docs = []
    for number, record in enumerate(records, start=1):
        doc = _aligned_doc(nlp, record)
        mentions = sorted(record.entities)
        spans = []
        for entity in mentions:
            span = doc.char_span(entity.start, entity.end, label=entity.type)
            if span is None:
                raise ValueError(
                    f"record {number}: mention {entity.text!r} at ({entity.start}, "
                    f"{entity.end}) starts or ends in the whitespace after a token"
                )
            spans.append(span)
        doc.spans[SPANS_KEY] = spans
        if mentions and all(e.score is not None for e in mentions):
            doc.spans[SPANS_KEY].attrs["scores"] = [e.score for e in mentions]
        doc.ents = filter_spans(spans)
        docs.append(doc)
    return docs


def _aligned_doc(nlp: Language, record: AnnotatedText) -> Doc:
    """The blank pipeline's tokens of the text, cut again at every mention boundary."""
    from spacy.tokens import Doc

    cuts = {e.start for e in record.entities} | {e.end for e in record.entities}
    words: list[str] = []
    spaces: list[bool] = []
    for token in nlp.make_doc(record.text):
        start, end = token.idx, token.idx + len(token.text)
        bounds = [start, *sorted(c for c in cuts if start < c < end), end]
        words.extend(record.text[a:b] for a, b in itertools.pairwise(bounds))
        spaces.extend([False] * (len(bounds) - 2) + [bool(token.whitespace_)])
    return Doc(nlp.vocab, words=words, spaces=spaces)


def write_docbin(records: Sequence[AnnotatedText], path: Path, *, lang: str = "xx") -> None:
    """Write :func:`docbin_docs` to ``path`` as a ``DocBin``, creating parent folders."""
    _spacy()
    from spacy.tokens import DocBin

    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docbin_docs(records, lang=lang), store_user_data=False).to_disk(path)
