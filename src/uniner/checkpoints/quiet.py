"""Loading without noise: no progress bars from transformers' own loading, and no warning
that a library we call raises about its own use of transformers.

peft (0.21) reads ``model.is_gradient_checkpointing`` when it wraps a model, a property
transformers 5 deprecated with a ``FutureWarning``; uniner never reads it, so the one warning is
silenced where peft is called, by its exact message, and nothing else is.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

_PEFT_DEPRECATION = r"`is_gradient_checkpointing` is deprecated"


@contextmanager
def quiet_loading() -> Iterator[None]:
    """Hide transformers' progress bars (``Loading weights``) and peft's deprecation warning
    while a model loads; both are restored after."""
    from transformers.utils import logging

    was_enabled = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_PEFT_DEPRECATION, category=FutureWarning)
            yield
    finally:
        if was_enabled:
            logging.enable_progress_bar()
