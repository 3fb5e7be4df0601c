"""Fixtures of the end-to-end tests: ``make_scene`` / ``scene`` (tests/support/scene.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import DEFAULT_KEY, Emulator
from harness.freqtrade_bot import FreqtradeBot
from harness.freqtrade_config import dry_run_config, live_config
from tests.support.kill import SYMBOL as KILL_SYMBOL
from tests.support.kill import Harness
from tests.support.scene import ENTRY_PRICE, RISK, SYMBOL, Scene
from tests.support.webhook import WebhookListener, webhook_config


@pytest.fixture
def make_scene(private_emulator: Emulator, start_bot: Callable[..., FreqtradeBot],
               tmp_path: Path) -> Iterator[Callable[..., Scene]]:
    """Factory: ``make_scene(bracket=..., dry_run=..., **config_overrides)`` starts the bot."""
    with contextlib.ExitStack() as stack:
        def make(*, bracket: dict[str, Any] | None = None, dry_run: bool = False,
                 **overrides: Any) -> Scene:
            private_emulator.set_price(SYMBOL, ENTRY_PRICE)
            signal_file = tmp_path / "signals.json"
            signal_file.write_text("{}")
            webhook = stack.enter_context(WebhookListener())
            settings = dict(stake_amount="unlimited", signal_file=str(signal_file),
                            webhook=webhook_config(webhook.url),
                            bracket={**RISK, **(bracket or {})}, **overrides)
            if dry_run:
                api_key, api_secret = DEFAULT_KEY, ""
                config = dry_run_config(private_emulator, **settings)
            else:
                api_key, api_secret = private_emulator.new_account()
                config = live_config(private_emulator, api_key, api_secret, **settings)
            bot = start_bot(config, strategy="BracketFromFile")
            return Scene(private_emulator, api_key, api_secret, bot, webhook, signal_file)

        yield make


@pytest.fixture
def scene(make_scene: Callable[..., Scene]) -> Scene:
    return make_scene()


@pytest.fixture
def harness(private_emulator: Emulator, tmp_path: Path) -> Iterator[Harness]:
    """The kill matrix's harness (tests/support/kill.py) on the test's own emulator."""
    private_emulator.set_price(KILL_SYMBOL, "1.2000")
    running = Harness(private_emulator, tmp_path)
    yield running
    running.cleanup()
