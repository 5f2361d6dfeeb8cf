"""The student engine: load a model, ask it about every type, return grounded mentions.

``loading`` finds and loads weights; ``queries`` builds the token ids of the prompts;
``decoding`` runs them (naive reference and shared-prefix fast path); ``stopping``,
``answers``, ``scoring`` and ``grounding`` turn answers into entities; ``windows`` splits long
documents; ``model`` holds the front door, :class:`NERModel`.
"""

from uniner.engine.model import NERModel, Prediction
from uniner.engine.options import ExtractOptions

__all__ = ["ExtractOptions", "NERModel", "Prediction"]
