"""Helpers of the serve tests (a module of its own: conftest.py files cannot be imported)."""

from __future__ import annotations

from pathlib import Path

from uniner.serve.server import free_port, running

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_NAMES = {
    "person": ["Ada Lovelace", "Charles Babbage"],
    "location": ["London"],
    "date": ["1843"],
    "product": ["Analytical Engine"],
}

__all__ = ["ARTIFACTS", "DEMO_NAMES", "free_port", "running"]
