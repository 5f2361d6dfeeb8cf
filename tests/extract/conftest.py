from __future__ import annotations

import pytest
from extract_helpers import CapitalisedWords


@pytest.fixture
def fake_model() -> CapitalisedWords:
    return CapitalisedWords()
