"""Where a live bot may trade: the shipped configs, the real-money guard, Binance's demo venue.

The bots start from the repository's own config.json plus an overlay, as a user would, and reach
"Binance" only through the emulator's tunnel (which also answers Binance's demo hostname).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ft_bracket.core.destination import MAINNET_OPT_IN_ENV, MAINNET_OPT_IN_VALUE
from harness.emulator import REPO, Emulator
from harness.freqtrade_bot import FreqtradeBot, WaitAbortedError
from harness.freqtrade_config import merged

pytestmark = pytest.mark.e2e
# Reach the tunnel through HTTPS_PROXY: the config itself then names no local venue, exactly like
# a real-money config.
PROXY_FROM_ENVIRONMENT = {
    "ccxt_config": {"verify": False, "requests_trust_env": True},
    "ccxt_async_config": {"verify": False, "aiohttp_trust_env": True},
}


def shipped(*overlays: str) -> dict:
    config = json.loads((REPO / "config.json").read_text())
    for overlay in overlays:
        config = merged(config, json.loads((REPO / "configs" / overlay).read_text()))
    return config


def keys(emulator: Emulator) -> dict[str, str]:
    api_key, api_secret = emulator.new_account()
    # Secrets reach freqtrade from the environment, never from a config file.
    return {"FREQTRADE__EXCHANGE__KEY": api_key, "FREQTRADE__EXCHANGE__SECRET": api_secret}


def bot(tmp_path: Path, config: dict, env: dict[str, str]) -> FreqtradeBot:
    workdir = tmp_path / "bot"
    workdir.mkdir()
    config = merged(config, {"bot_name": "venue-test", "strategy_path": str(REPO / "strategies")})
    return FreqtradeBot(workdir, config, "BracketExample", REPO / "strategies", env=env)


def test_mainnet_is_refused_without_the_opt_in(emulator: Emulator, tmp_path: Path) -> None:
    # The process reaches the tunnel through the environment's proxy, so its config names no
    # local venue: exactly what a real-money config looks like.
    env = {**keys(emulator), "HTTPS_PROXY": emulator.proxy_url}
    config = merged(shipped(), {"dry_run": False, "exchange": PROXY_FROM_ENVIRONMENT})
    refused = bot(tmp_path, config, env)
    with pytest.raises(WaitAbortedError):
        refused.start()
    log = refused.log_text()
    assert "refuses to start" in log and MAINNET_OPT_IN_ENV in log
    assert "state='RUNNING'" not in log
    # No order was ever sent.
    assert emulator.state(env["FREQTRADE__EXCHANGE__KEY"])["orders"] == []


def test_mainnet_opt_in_is_explicit(emulator: Emulator, tmp_path: Path) -> None:
    env = {**keys(emulator), "HTTPS_PROXY": emulator.proxy_url,
           MAINNET_OPT_IN_ENV: MAINNET_OPT_IN_VALUE}
    config = merged(shipped(), {"dry_run": False, "initial_state": "stopped",
                                "exchange": PROXY_FROM_ENVIRONMENT})
    running = bot(tmp_path, config, env)
    try:
        running.start()
        assert "ft_bracket trades LIVE on: Binance mainnet" in running.log_text()
    finally:
        running.stop()


def test_binance_demo_overlay_talks_to_demo_fapi(emulator: Emulator, tmp_path: Path) -> None:
    before = emulator.control("GET", "hosts")
    config = merged(shipped("binance-demo.json"), {
        "initial_state": "stopped",
        "exchange": {"ccxt_config": {"httpsProxy": emulator.proxy_url, "verify": False},
                     "ccxt_async_config": {"httpsProxy": emulator.proxy_url, "verify": False}},
    })
    demo = bot(tmp_path, config, keys(emulator))
    try:
        demo.start()
        assert "ft_bracket trades LIVE on: Binance demo" in demo.log_text()
    finally:
        demo.stop()
    after = emulator.control("GET", "hosts")
    assert after.get("demo-fapi.binance.com", 0) > before.get("demo-fapi.binance.com", 0)
    assert after.get("fapi.binance.com", 0) == before.get("fapi.binance.com", 0)
