"""The options of one annotation run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from uniner.annotate.filtering import EXCLUDED_TYPES
from uniner.annotate.teacher import SamplingParams
from uniner.corpus.passages import CorpusConfig
from uniner.prompts import TEACHER_PROMPTS, TEACHER_SYSTEM, TEMPLATE_VERSION

Backend = Literal["openai", "transformers"]
BatchErrors = Literal["online", "report"]
# The Batch API takes at most 50,000 requests in one input file.
MAX_BATCH_REQUESTS = 50_000


@dataclass
class AnnotateConfig:
    """Everything that decides what ``annotate`` sends and writes.

    Attributes:
        corpus: where passages come from and how many.
        out: the output folder.
        teacher_model: the model name (OpenAI backend) or folder / hub id (transformers).
        teacher_url: the OpenAI-compatible base URL (``openai`` backend only).
        backend: ``"openai"`` (any compatible server) or ``"transformers"`` (in process).
        prompt: ``"entity"`` (the paper's), ``"definition"`` or a template with ``{passage}``.
        system: the system message (None sends none).
        sampling: temperature and answer length (temperature 0 as in the paper).
        concurrency: requests in flight at once.
        timeout: seconds per request before a retryable time-out.
        max_retries: retries of a retryable failure.
        max_failures: requests allowed to fail for good before the run stops.
        cache: the SQLite cache file; None is ``out/cache.sqlite``.
        price_input: USD per million prompt tokens, for the cost estimate.
        price_output: USD per million completion tokens.
        keep_empty: keep passages with no valid mention.
        drop_non_english: drop mentions mostly in non-Latin script (the paper drops
            non-English entities).
        excluded_types: normalised types dropped as uninformative.
        batch: send the requests through the OpenAI Batch API (half price, answers within
            24 hours) instead of one by one; a stopped run resumes the batches it recorded.
        batch_errors: what becomes of a request the batch did not answer (its error file, an
            expired or failed batch): ``"online"`` sends it again one by one, ``"report"``
            only lists it in ``batch_errors.jsonl`` (the next run sends it in a new batch).
        batch_size: requests per batch, at most 50,000 (the API's limit).
        batch_poll: seconds between two looks at the batches' status.
    """

    corpus: CorpusConfig
    out: str
    teacher_model: str | None = None
    teacher_url: str | None = None
    backend: Backend = "openai"
    prompt: str = "entity"
    system: str | None = TEACHER_SYSTEM
    sampling: SamplingParams = field(default_factory=SamplingParams)
    concurrency: int = 8
    timeout: float = 120.0
    max_retries: int = 6
    max_failures: int = 20
    cache: str | None = None
    price_input: float = 0.0
    price_output: float = 0.0
    keep_empty: bool = False
    drop_non_english: bool = True
    excluded_types: list[str] = field(default_factory=lambda: sorted(EXCLUDED_TYPES))
    batch: bool = False
    batch_errors: BatchErrors = "online"
    batch_size: int = MAX_BATCH_REQUESTS
    batch_poll: float = 30.0

    def __post_init__(self) -> None:
        self.out = str(self.out)
        if self.backend not in ("openai", "transformers"):
            raise ValueError(f"backend must be 'openai' or 'transformers', got {self.backend!r}")
        if self.backend == "openai" and not (self.teacher_url and self.teacher_model):
            raise ValueError(
                "the openai backend needs teacher_url and teacher_model, got "
                f"{self.teacher_url!r} and {self.teacher_model!r}"
            )
        if self.prompt not in TEACHER_PROMPTS and "{passage}" not in self.prompt:
            raise ValueError(
                f"prompt must be one of {sorted(TEACHER_PROMPTS)} or a template containing "
                f"'{{passage}}', got {self.prompt!r}"
            )
        for name in ("concurrency", "max_failures"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)!r}")
        if self.timeout <= 0 or self.max_retries < 0:
            raise ValueError(f"invalid timeout/max_retries: {self.timeout!r}/{self.max_retries!r}")
        if self.price_input < 0 or self.price_output < 0:
            raise ValueError(f"prices must be >= 0, got {self.price_input}, {self.price_output}")
        self._check_batch()

    def _check_batch(self) -> None:
        if self.batch and self.backend != "openai":
            raise ValueError(f"batch needs the openai backend, got backend={self.backend!r}")
        if self.batch_errors not in ("online", "report"):
            raise ValueError(
                f"batch_errors must be 'online' or 'report', got {self.batch_errors!r}"
            )
        if not 1 <= self.batch_size <= MAX_BATCH_REQUESTS:
            raise ValueError(
                f"batch_size must be in 1..{MAX_BATCH_REQUESTS}, got {self.batch_size!r}"
            )
        if self.batch_poll <= 0:
            raise ValueError(f"batch_poll must be positive, got {self.batch_poll!r}")

    @property
    def template(self) -> str:
        """The user-prompt template actually sent."""
        return TEACHER_PROMPTS.get(self.prompt, self.prompt)

    @property
    def cache_path(self) -> Path:
        return Path(self.cache) if self.cache else Path(self.out) / "cache.sqlite"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["template"] = self.template
        d["template_version"] = TEMPLATE_VERSION
        return d
