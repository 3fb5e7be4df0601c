"""Never trade real money by accident: classify where a live bot's orders would go, and refuse
Binance's real-money endpoints unless the user opted in through the environment.

Pure: reads the config dict and the environment, imports neither freqtrade nor ccxt.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any
from urllib.parse import urlparse

MAINNET_OPT_IN_ENV = "FT_BRACKET_ALLOW_MAINNET"
MAINNET_OPT_IN_VALUE = "i-accept-real-money-risk"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
PROXY_KEYS = ("httpsProxy", "https_proxy", "httpProxy", "http_proxy", "socksProxy",
              "socks_proxy", "wsProxy", "wssProxy")


class Destination(StrEnum):
    SIMULATED = "simulated"  # dry-run, backtesting, hyperopt: no order leaves the machine
    LOCAL_EMULATOR = "local emulator"
    BINANCE_DEMO = "Binance demo (demo-fapi)"
    BINANCE_TESTNET = "Binance futures testnet"
    BINANCE_MAINNET = "Binance mainnet (REAL MONEY)"


class DestinationRefusedError(RuntimeError):
    """The config would trade real money without the explicit opt-in."""


def _is_loopback(url: Any) -> bool:
    if not isinstance(url, str) or not url:
        return False
    return (urlparse(url).hostname or "") in LOOPBACK_HOSTS


def classify_destination(config: Mapping[str, Any]) -> Destination:
    """Where a bot with this config would send its orders."""
    if config.get("dry_run", True):
        return Destination.SIMULATED
    exchange = config.get("exchange") or {}
    if exchange.get("demo_trading"):
        return Destination.BINANCE_DEMO
    # freqtrade places orders through the synchronous client: its config decides.
    ccxt_config = exchange.get("ccxt_config") or {}
    if ccxt_config.get("sandbox") or (ccxt_config.get("options") or {}).get("sandboxMode"):
        return Destination.BINANCE_TESTNET
    proxies = [ccxt_config.get(key) for key in PROXY_KEYS if ccxt_config.get(key)]
    if proxies and all(_is_loopback(p) for p in proxies):
        return Destination.LOCAL_EMULATOR
    urls = ((ccxt_config.get("urls") or {}).get("api") or {})
    private = [url for name, url in urls.items() if str(name).startswith("fapiPrivate")]
    if private and all(_is_loopback(url) for url in private):
        return Destination.LOCAL_EMULATOR
    return Destination.BINANCE_MAINNET


def check_destination(config: Mapping[str, Any], environ: Mapping[str, str]) -> Destination:
    """The destination, or ``DestinationRefusedError`` for mainnet without the opt-in."""
    destination = classify_destination(config)
    opted_in = environ.get(MAINNET_OPT_IN_ENV) == MAINNET_OPT_IN_VALUE
    if destination is Destination.BINANCE_MAINNET and not opted_in:
        raise DestinationRefusedError(
            "this config trades on Binance's real-money futures endpoints (dry_run is false and "
            "no local emulator, demo or testnet is configured). ft_bracket refuses to start. "
            "Use dry-run, the local emulator (configs/emulator.json) or Binance's demo venue "
            "(configs/binance-demo.json); to trade real money set the environment variable "
            f"{MAINNET_OPT_IN_ENV}={MAINNET_OPT_IN_VALUE}"
        )
    return destination
