"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.bracket_fakes import in_memory_trades


@pytest.fixture
def trades_in_memory() -> Iterator[None]:
    """freqtrade's in-memory (backtest) trade and custom-data stores, empty for the test."""
    with in_memory_trades():
        yield
