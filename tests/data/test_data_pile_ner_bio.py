"""The token-tagged Pile-NER reader: natural text, mentions moved, the passage's own types."""

from __future__ import annotations

from pathlib import Path

import pytest

from uniner.data import guess_format, load_dataset

BIO = """End\tB-treatment
of\tI-treatment
life\tI-treatment
care\tI-treatment
(\tO
EOLC\tB-treatment
-\tI-treatment
S\tI-treatment
)\tO
for\tO
children\tB-age
.\tO

Ada\tB-person
Lovelace\tI-person
,\tO
1843\tB-date
.\tO
"""


def test_reads_detokenized_passages_with_their_own_types(tmp_path: Path) -> None:
    path = tmp_path / "pile-ner-391-bio.txt"
    path.write_text(BIO, encoding="utf-8")
    assert guess_format(path) == "pile-ner-bio"
    first, second = load_dataset(path).records
    assert first.text == "End of life care (EOLC-S) for children."
    assert [(e.text, e.type) for e in first.entities] == [
        ("End of life care", "treatment"),
        ("EOLC-S", "treatment"),
        ("children", "age"),
    ]
    assert first.types == ["treatment", "age"]
    assert (second.text, second.types) == ("Ada Lovelace, 1843.", ["person", "date"])
    assert first.meta["detokenized"] is True
    assert (first.id, second.id) == ("pile-ner-391-bio:1", "pile-ner-391-bio:14")


def test_other_conll_files_keep_their_label_set(tmp_path: Path) -> None:
    path = tmp_path / "gum.bio"
    path.write_text(BIO, encoding="utf-8")
    assert guess_format(path) == "conll"
    records = load_dataset(path).records
    assert records[1].types == ["treatment", "age", "person", "date"]


@pytest.mark.data
def test_the_shared_file_loads(shared_data: Path) -> None:
    data = load_dataset(shared_data / "distill" / "pile-ner-391-bio.txt")
    assert len(data) == 2217
    # The README's 30,822 mentions are its B- tags; 156 I- tags follow O or another type and
    # start a mention of their own, as the CoNLL reader reads every such tag.
    assert sum(len(r.entities) for r in data) == 30822 + 156
    assert len(data.types) == 368
