"""Corpus to passages: read, chunk, de-duplicate and sample in one streamed pass."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from tqdm import tqdm

from uniner.corpus.chunking import TokenCounter, chunk_document, load_tokenizer
from uniner.corpus.passage import Document, Passage
from uniner.corpus.readers import TxtMode, iter_documents
from uniner.corpus.sampling import ReservoirSampler


@dataclass
class CorpusConfig:
    """How passages are drawn from a corpus.

    Attributes:
        path: a file, folder or saved ``datasets`` folder (see ``iter_documents``).
        n: how many distinct passages to sample; None keeps them all.
        seed: the sampling seed.
        max_tokens: the longest passage, in tokens of ``tokenizer``.
        tokenizer: tokenizer folder or hub id; None is the embedded SmolLM2 tokenizer.
        text_field: JSON-lines field / Parquet or ``datasets`` column holding the text.
        txt_mode: ``"file"`` (a ``.txt`` file is a document) or ``"line"`` (a line is).
    """

    path: str
    n: int | None = None
    seed: int = 0
    max_tokens: int = 256
    tokenizer: str | None = None
    text_field: str = "text"
    txt_mode: TxtMode = "file"

    def __post_init__(self) -> None:
        self.path = str(self.path)
        if self.n is not None and (not isinstance(self.n, int) or self.n < 1):
            raise ValueError(f"n must be a positive int or None, got {self.n!r}")
        if not isinstance(self.max_tokens, int) or self.max_tokens < 8:
            raise ValueError(f"max_tokens must be an int >= 8, got {self.max_tokens!r}")
        if self.txt_mode not in ("file", "line"):
            raise ValueError(f"txt_mode must be 'file' or 'line', got {self.txt_mode!r}")
        if not self.text_field:
            raise ValueError("text_field must name a field, got an empty string")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SampleReport:
    """What one sampling pass saw."""

    documents: int
    passages: int
    duplicates: int
    sampled: int


def iter_passages(
    config: CorpusConfig, counter: TokenCounter, *, progress: bool = False
) -> Iterator[Passage]:
    """Every passage of the corpus in reading order (duplicates included)."""
    for document in _documents(config, progress):
        yield from chunk_document(document, counter, config.max_tokens)


def sample_passages(
    config: CorpusConfig, *, counter: TokenCounter | None = None, progress: bool = False
) -> tuple[list[Passage], SampleReport]:
    """Draw the seeded sample of distinct passages that ``config`` describes.

    Args:
        config: the corpus and sampling options.
        counter: a loaded token counter (loaded from ``config.tokenizer`` when None).
        progress: show a progress bar over documents.

    Returns:
        The sampled passages in corpus order, and counts of what was read.

    >>> passages, report = sample_passages(CorpusConfig("corpus.jsonl", n=100))  # doctest: +SKIP
    """
    counter = counter or load_tokenizer(config.tokenizer)
    sampler = ReservoirSampler(config.n, config.seed)
    documents = 0
    for document in _documents(config, progress):
        documents += 1
        sampler.extend(chunk_document(document, counter, config.max_tokens))
    sample = sampler.sample()
    return sample, SampleReport(documents, sampler.seen, sampler.duplicates, len(sample))


def _documents(config: CorpusConfig, progress: bool) -> Iterator[Document]:
    documents = iter_documents(config.path, text_field=config.text_field, txt_mode=config.txt_mode)
    return iter(tqdm(documents, desc="reading corpus", unit="doc", disable=not progress))
