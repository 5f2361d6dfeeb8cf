"""Mission-focused instruction data: passages with mentions become training conversations.

>>> from uniner.instruct import build_data
>>> build_data(["annotations.jsonl"], "data/instruct", BuildConfig(seed=1))  # doctest: +SKIP
"""

from __future__ import annotations

from uniner.instruct.builder import BuildConfig, build_conversations, length_check, split_train_dev
from uniner.instruct.conversation import Conversation, mentions_in_order
from uniner.instruct.data import BuildResult, build_data
from uniner.instruct.io import read_conversations, read_records, write_conversations
from uniner.instruct.negatives import NEGATIVE_STRATEGIES, NegativeSampler

__all__ = [
    "NEGATIVE_STRATEGIES",
    "BuildConfig",
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
