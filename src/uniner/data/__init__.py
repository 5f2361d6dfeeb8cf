"""Reading and writing NER data: the official conversations, span JSON, CoNLL, JSONL, Pile-NER,
and the files of annotation tools (Label Studio, doccano, Prodigy, spaCy DocBin).

>>> from uniner.data import load_dataset
>>> from uniner.paths import resources
>>> load_dataset(resources() / "examples" / "gold.json").name
'gold'
"""

from __future__ import annotations

from uniner.data.answers import answer_for
from uniner.data.grounding import answer_mentions, find_occurrences, ground
from uniner.data.io import FORMATS, WRITABLE, guess_format, load_dataset, write_dataset
from uniner.data.labels import apply_label_map, effective_label_map, load_label_map, map_label
from uniner.data.stats import DatasetStats, dataset_stats

__all__ = [
    "FORMATS",
    "WRITABLE",
    "DatasetStats",
    "answer_for",
    "answer_mentions",
    "apply_label_map",
    "dataset_stats",
    "effective_label_map",
    "find_occurrences",
    "ground",
    "guess_format",
    "load_dataset",
    "load_label_map",
    "map_label",
    "write_dataset",
]
