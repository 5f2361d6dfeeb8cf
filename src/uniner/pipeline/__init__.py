"""The whole distillation in one call: annotate, build, train, evaluate (each resumable).

>>> from uniner.pipeline import DistillConfig, distill
>>> distill(DistillConfig.from_yaml("configs/distill.yaml"))  # doctest: +SKIP
"""

from __future__ import annotations

from uniner.pipeline.config import STAGES, DistillConfig
from uniner.pipeline.distill import DistillResult, distill

__all__ = ["STAGES", "DistillConfig", "DistillResult", "distill"]
