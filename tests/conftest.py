"""Shared fixtures: one emulator process per test session (per xdist worker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.emulator import Emulator, start_emulator


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The session's emulator. Tests that need a clean account use ``emulator.new_account()``."""
    running = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield running
    running.stop()
