"""Real ccxt clients bound to an emulator account, through the TLS tunnel or by URL override."""

from __future__ import annotations

from typing import Any

import ccxt

from harness.emulator import Emulator, url_overrides

# Option A of EMULATOR.md: only linear markets, no spot/margin/currency calls.
URL_OVERRIDE_OPTIONS = {
    "fetchMarkets": {"types": ["linear"]},
    "fetchCurrencies": False,
    "fetchMargins": False,
}


def binance_client(
    emulator: Emulator,
    api_key: str,
    api_secret: str,
    via: str = "tunnel",
    load_markets: bool = True,
    **config: Any,
) -> ccxt.binanceusdm:
    """A sync ``binanceusdm`` client; ``via`` is ``"tunnel"`` (Binance's real URLs through the
    CONNECT proxy, full error map) or ``"url"`` (URLs pointed at the emulator's plain HTTP)."""
    settings: dict[str, Any] = {"apiKey": api_key, "secret": api_secret,
                                "enableRateLimit": False}
    if via == "tunnel":
        settings |= {"httpsProxy": emulator.proxy_url, "verify": False}
    elif via == "url":
        settings |= {"urls": {"api": url_overrides(emulator.url)},
                     "options": dict(URL_OVERRIDE_OPTIONS)}
    else:
        raise ValueError(f"via must be 'tunnel' or 'url', got {via!r}")
    client = ccxt.binanceusdm(settings | config)
    if load_markets:
        client.load_markets()
    return client
