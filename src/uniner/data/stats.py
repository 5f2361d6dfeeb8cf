"""What is in a dataset: records, mentions, types and how often each type occurs."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from uniner.types import Dataset


@dataclass(frozen=True)
class DatasetStats:
    """Counts for one dataset; ``type_counts`` maps each type to its mention count, most
    frequent first (types asked but never mentioned count 0); ``skipped_lines`` counts the
    malformed lines that reading it with ``skip_malformed`` left out."""

    name: str
    records: int
    mentions: int
    types: int
    queries: int
    ungrounded: int
    type_counts: dict[str, int]
    skipped_lines: int = 0

    def top(self, n: int = 10) -> list[tuple[str, int]]:
        """The ``n`` most frequent types with their counts."""
        return list(self.type_counts.items())[:n]

    def to_dict(self, top: int = 10) -> dict[str, Any]:
        """JSON-ready: the counts plus ``top_types`` as ``[[type, count], ...]``."""
        return {**asdict(self), "top_types": [list(pair) for pair in self.top(top)]}


def dataset_stats(dataset: Dataset, *, skipped_lines: int = 0) -> DatasetStats:
    """Count records, mentions, distinct types, (passage, type) queries and ungrounded mentions.

    ``skipped_lines`` is what reading the file left out (``len(read_dataset(...).skipped)``).

    >>> from uniner.types import AnnotatedText, Entity
    >>> text = "Ada met Bob."
    >>> ents = [Entity.from_span(text, 0, 3, "person"), Entity.from_span(text, 8, 11, "person")]
    >>> s = dataset_stats(Dataset("d", [AnnotatedText(text, ents, ["person", "city"])]))
    >>> s.mentions, s.types, s.type_counts
    (2, 2, {'person': 2, 'city': 0})
    """
    counts: Counter[str] = Counter({t: 0 for t in dataset.types})
    ungrounded = 0
    for record in dataset.records:
        counts.update({t: 0 for t in record.types})
        counts.update(e.type for e in record.entities)
        ungrounded += sum(len(v) for v in record.meta.get("ungrounded", {}).values())
    ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return DatasetStats(
        name=dataset.name,
        records=len(dataset.records),
        mentions=sum(counts.values()),
        types=len(ordered),
        queries=sum(len(r.types) for r in dataset.records),
        ungrounded=ungrounded,
        type_counts=ordered,
        skipped_lines=skipped_lines,
    )


def plot_type_counts(stats: DatasetStats, path: str | Path, *, top: int = 30) -> Path:
    """Save a horizontal bar chart of the ``top`` most frequent types as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = stats.top(top)[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(pairs) + 1.2))
    ax.barh([t for t, _ in pairs], [c for _, c in pairs], color="#4c72b0")
    ax.set_xlabel("mentions")
    ax.set_title(f"{stats.name}: {stats.mentions} mentions, {stats.types} types")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
