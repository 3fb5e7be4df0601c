"""freqtrade configs for bots that trade the emulator.

Configs are plain dicts: ``live_config`` (signed calls through the emulator's TLS tunnel, so ccxt
applies Binance's real error map) and ``dry_run_config`` (public calls only); both take overrides
that are merged in last.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable
from typing import Any

from harness.emulator import Emulator, url_overrides

PAIR = "XRP/USDT:USDT"


def merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` merged in: nested dicts merge, everything else replaces."""
    result = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def tunnel_exchange(emulator: Emulator, api_key: str = "", api_secret: str = "") -> dict[str, Any]:
    """Exchange section that reaches the emulator through its CONNECT tunnel (real URLs)."""
    proxy = {"httpsProxy": emulator.proxy_url, "verify": False}
    return {
        "name": "binance",
        "key": api_key,
        "secret": api_secret,
        "enable_ws": False,
        "only_from_ccxt": True,
        "ccxt_config": proxy,
        "ccxt_async_config": proxy,
    }


def url_override_exchange(emulator: Emulator) -> dict[str, Any]:
    """Exchange section that sends ccxt's USDⓈ-M calls straight to the emulator's plain URL.

    Binance error codes lose their meaning here (ccxt maps them only on Binance's hosts), so use
    this for public data only.
    """
    ccxt_config = {
        "urls": {"api": url_overrides(emulator.url)},
        "options": {
            "fetchMarkets": {"types": ["linear"]},
            "fetchCurrencies": False,
            "fetchMargins": False,
        },
    }
    return {
        "name": "binance",
        "enable_ws": False,
        "only_from_ccxt": True,
        "ccxt_config": ccxt_config,
        "ccxt_async_config": ccxt_config,
    }


def base_config(exchange: dict[str, Any], dry_run: bool, pairs: Iterable[str]) -> dict[str, Any]:
    """The settings every bot here shares: isolated futures, market orders, stop on exchange."""
    order_book = {"price_side": "other", "use_order_book": True, "order_book_top": 1}
    return {
        "bot_name": f"fidelity-{uuid.uuid4().hex[:8]}",
        "dry_run": dry_run,
        "dry_run_wallet": 1000,
        "trading_mode": "futures",
        "margin_mode": "isolated",
        "stake_currency": "USDT",
        "stake_amount": 100,
        "max_open_trades": 3,
        "timeframe": "1m",
        "initial_state": "running",
        "force_entry_enable": True,
        "entry_pricing": {**order_book, "price_last_balance": 0.0},
        "exit_pricing": order_book,
        "order_types": {
            "entry": "market",
            "exit": "market",
            "emergency_exit": "market",
            "force_entry": "market",
            "force_exit": "market",
            "stoploss": "market",
            "stoploss_on_exchange": True,
            "stoploss_on_exchange_interval": 60,
        },
        "exchange": {**exchange, "pair_whitelist": list(pairs), "pair_blacklist": []},
        "pairlists": [{"method": "StaticPairList"}],
        "internals": {"process_throttle_secs": 1, "heartbeat_interval": 0},
    }


def live_config(
    emulator: Emulator,
    api_key: str,
    api_secret: str,
    pairs: Iterable[str] = (PAIR,),
    **overrides: Any,
) -> dict[str, Any]:
    """A live (``dry_run: false``) bot trading the emulator account ``api_key``."""
    exchange = tunnel_exchange(emulator, api_key, api_secret)
    return merged(base_config(exchange, dry_run=False, pairs=pairs), overrides)


def dry_run_config(
    emulator: Emulator, pairs: Iterable[str] = (PAIR,), **overrides: Any
) -> dict[str, Any]:
    """A dry-run bot reading the emulator's public market data (URL-override mode)."""
    exchange = url_override_exchange(emulator)
    return merged(base_config(exchange, dry_run=True, pairs=pairs), overrides)
