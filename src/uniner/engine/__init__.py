"""The student engine: load a model, ask it about every type, return grounded mentions.

``model`` holds the front door, :class:`NERModel`, which holds a backend
(``backends/``: transformers, vLLM) behind one small interface. ``queries`` builds the token
ids of the prompts; ``decoding`` runs them (naive reference and shared-prefix fast path, with
``tree`` packing each passage's queries into one row); ``stopping``, ``confidence``,
``grounding`` and ``assembly`` turn answers into scored, grounded entities; ``windows``
splits long documents; ``results`` holds what flows out.
"""

from uniner.engine.model import NERModel
from uniner.engine.options import ExtractOptions
from uniner.engine.results import Prediction

__all__ = ["ExtractOptions", "NERModel", "Prediction"]
