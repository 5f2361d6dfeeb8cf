from __future__ import annotations

from pathlib import Path

import pytest

from uniner.data import guess_format, load_dataset, write_dataset
from uniner.data.docbin import docbin_docs, write_docbin
from uniner.errors import DataFormatError
from uniner.types import AnnotatedText, Entity

spacy = pytest.importorskip("spacy")
from spacy.tokens import DocBin, Span  # noqa: E402


def spans(path: Path) -> list[list[tuple[int, int, str, str]]]:
    return [[(e.start, e.end, e.text, e.type) for e in r.entities] for r in load_dataset(path)]


def test_a_docbin_made_as_spacy_documents_it_is_read(tmp_path: Path) -> None:
    # spaCy's own recipe for training data: entities as character spans, a DocBin to disk.
    nlp = spacy.blank("en")
    ada = nlp("Ada Lovelace met Charles Babbage in London.")
    ada.ents = [ada.char_span(0, 12, label="PERSON"), ada.char_span(36, 42, label="GPE")]
    ada.spans["sc"] = [Span(ada, 3, 5, label="PERSON"), Span(ada, 0, 2, label="PERSON")]
    path = tmp_path / "train.spacy"
    DocBin(docs=[ada, nlp("Nothing here.")]).to_disk(path)
    assert guess_format(path) == "spacy"
    data = load_dataset(path)
    assert spans(path) == [
        [
            (0, 12, "Ada Lovelace", "PERSON"),
            (17, 32, "Charles Babbage", "PERSON"),
            (36, 42, "London", "GPE"),
        ],
        [],
    ]
    assert (data.types, data.records[1].types) == (["PERSON", "GPE"], ["PERSON", "GPE"])


def test_overlapping_and_in_token_mentions_round_trip(tmp_path: Path) -> None:
    text = "Paris-based ParisTech hired Ada  Lovelace."
    mentions = [
        Entity(0, 5, "Paris", "city", 0.9),
        Entity(12, 21, "ParisTech", "organization", 0.8),
        Entity(12, 17, "Paris", "city", 0.4),  # inside the token ParisTech, overlapping it
        Entity(28, 41, "Ada  Lovelace", "person", 0.7),
    ]
    records = [AnnotatedText(text, mentions), AnnotatedText("", [])]
    [doc, empty] = docbin_docs(records)
    assert doc.text == text and empty.text == ""
    assert [(s.text, s.label_) for s in doc.ents] == [
        ("Paris", "city"),
        ("ParisTech", "organization"),
        ("Ada  Lovelace", "person"),
    ]
    # Every mention, in text order, with its score.
    assert [(s.text, s.label_) for s in doc.spans["sc"]] == [
        ("Paris", "city"),
        ("Paris", "city"),
        ("ParisTech", "organization"),
        ("Ada  Lovelace", "person"),
    ]
    assert doc.spans["sc"].attrs["scores"] == [0.9, 0.4, 0.8, 0.7]
    path = tmp_path / "pre.spacy"
    write_docbin(records, path)
    [read, nothing] = load_dataset(path).records
    assert sorted(read.entities) == sorted(mentions)
    assert (read.text, nothing.text, nothing.entities) == (text, "", [])


def test_a_dataset_is_written_and_read_back(tmp_path: Path) -> None:
    gold = Path(__file__).parent / "fixtures" / "tools" / "doccano_relations.jsonl"
    out = write_dataset(load_dataset(gold), tmp_path / "gold.spacy", format="spacy")
    assert spans(out) == spans(gold)


def test_a_mention_in_the_space_after_a_token_cannot_be_written() -> None:
    record = AnnotatedText("Ada met", [Entity(3, 7, " met", "verb")])
    with pytest.raises(ValueError, match=r"record 1: mention ' met' at \(3, 7\) starts or ends"):
        docbin_docs([record])


def test_a_file_that_is_not_a_docbin_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.spacy"
    path.write_bytes(b"not a DocBin at all")
    with pytest.raises(DataFormatError, match=r"broken.spacy: a spaCy DocBin \(") as info:
        load_dataset(path)
    assert info.value.path == str(path)
