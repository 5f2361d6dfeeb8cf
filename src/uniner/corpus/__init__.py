"""Corpus stage: read unlabeled documents, cut them into passages, sample distinct ones.

>>> from uniner.corpus import CorpusConfig, sample_passages
>>> passages, report = sample_passages(CorpusConfig("pile.jsonl", n=50_000))  # doctest: +SKIP
"""

from __future__ import annotations

from uniner.corpus.chunking import TokenCounter, chunk_document, load_tokenizer, sentence_segments
from uniner.corpus.passage import Document, Passage, content_id
from uniner.corpus.passages import CorpusConfig, SampleReport, iter_passages, sample_passages
from uniner.corpus.readers import iter_documents
from uniner.corpus.sampling import ReservoirSampler

__all__ = [
    "CorpusConfig",
    "Document",
    "Passage",
    "ReservoirSampler",
    "SampleReport",
    "TokenCounter",
    "chunk_document",
    "content_id",
    "iter_documents",
    "iter_passages",
    "load_tokenizer",
    "sample_passages",
    "sentence_segments",
]
