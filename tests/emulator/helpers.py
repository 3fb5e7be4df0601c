"""Shared pieces of the engine's unit tests: a hand-moved clock, flat price paths, a small venue
and short constructors for order requests."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
import pytest

from binance_emulator.venue.errors import BinanceError
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.markets import MARKETS, Market
from binance_emulator.venue.models import OrderRequest
from binance_emulator.venue.prices import FUNDING_INTERVAL_MS, BaseCandles, PricePath

D = Decimal
T0 = 1_760_000_000_000
FIVE_MINUTES = 300_000
XRP = "XRPUSDT"
BTC = "BTCUSDT"
# A contract whose tick and step are not powers of ten, so the modulo filters can fail.
ODD = dataclasses.replace(
    MARKETS[XRP], symbol="ODDUSDT", base_asset="ODD", tick_size=D("0.0005"),
    step_size=D("5"), min_qty=D("5"),
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def flat_path(market: Market, price: float, candles: int = 24,
              funding_interval_ms: int = FUNDING_INTERVAL_MS) -> PricePath:
    """Small synthetic candles around T0, every price equal to ``price``."""
    open_times = T0 - 12 * FIVE_MINUTES + np.arange(candles, dtype=np.int64) * FIVE_MINUTES
    ohlcv = np.tile([price, price, price, price, 1000.0], (candles, 1))
    return PricePath(market, BaseCandles(open_times, FIVE_MINUTES, ohlcv), funding_interval_ms)


def make_exchange() -> Exchange:
    markets = {XRP: MARKETS[XRP], BTC: MARKETS[BTC], ODD.symbol: ODD}
    paths = {XRP: flat_path(MARKETS[XRP], 1.0), BTC: flat_path(MARKETS[BTC], 60000.0),
             ODD.symbol: flat_path(ODD, 2.0)}
    return Exchange(markets, paths, clock=Clock())


def market(side: str, qty: str, symbol: str = XRP, **kwargs: object) -> OrderRequest:
    return OrderRequest(symbol=symbol, side=side, type="MARKET", quantity=D(qty), **kwargs)


def limit(side: str, qty: str, price: str, symbol: str = XRP, **kwargs: object) -> OrderRequest:
    kwargs.setdefault("time_in_force", "GTC")
    return OrderRequest(symbol=symbol, side=side, type="LIMIT", quantity=D(qty), price=D(price),
                        **kwargs)


def conditional(order_type: str, side: str, trigger: str, qty: str | None = "100",
                symbol: str = XRP, **kwargs: object) -> OrderRequest:
    if isinstance(kwargs.get("price"), str):
        kwargs["price"] = D(kwargs["price"])  # type: ignore[arg-type]
    return OrderRequest(symbol=symbol, side=side, type=order_type,
                        quantity=None if qty is None else D(qty), trigger_price=D(trigger),
                        **kwargs)


def rejected(code: int, call: object, *args: object) -> BinanceError:
    with pytest.raises(BinanceError) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.code == code, caught.value
    return caught.value
