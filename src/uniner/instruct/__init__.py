"""Mission-focused instruction data: passages with mentions become training conversations.

>>> from uniner.instruct import BuildDataConfig, build_data
>>> build_data(BuildDataConfig(inputs=["a.jsonl"], out="data/instruct"))  # doctest: +SKIP
"""

from __future__ import annotations

from uniner.instruct.builder import BuildConfig, build_conversations, length_check, split_train_dev
from uniner.instruct.conversation import Conversation, mentions_in_order
from uniner.instruct.io import read_conversations, read_records, write_conversations
from uniner.instruct.negatives import NEGATIVE_STRATEGIES, NegativeSampler
from uniner.instruct.stage import BuildDataConfig, BuildResult, build_data

__all__ = [
    "NEGATIVE_STRATEGIES",
    "BuildConfig",
    "BuildDataConfig",
    "BuildResult",
    "Conversation",
    "NegativeSampler",
    "build_conversations",
    "build_data",
    "length_check",
    "mentions_in_order",
    "read_conversations",
    "read_records",
    "split_train_dev",
    "write_conversations",
]
