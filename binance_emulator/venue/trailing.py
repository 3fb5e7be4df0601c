"""Trailing stops (TRAILING_STOP_MARKET on ``/fapi/v1/algoOrder``): the activation a new one
gets, when the price activates it, the extreme it then follows and the trigger that implies.

As Binance's order notes put it, a SELL trailing stop waits until the price (last or mark, by
``workingType``) reaches ``activatePrice`` (by default the price when placed), then follows the
highest price and fires when the price is ``callbackRate`` % below it; a BUY one mirrors that
with the lowest price. Everything here decides and returns; the ``Exchange`` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from binance_emulator.venue import rules
from binance_emulator.venue.account import Account
from binance_emulator.venue.errors import BinanceError, Code
from binance_emulator.venue.markets import Market
from binance_emulator.venue.models import AlgoOrder, OrderRequest
from binance_emulator.venue.quotes import Quotes, to_tick


@dataclass(frozen=True)
class Trail:
    """A trailing stop's new state: activated by this price or not, its extreme, its trigger."""

    algo: AlgoOrder
    activates: bool
    extreme: Decimal
    trigger_price: Decimal


def activation(request: OrderRequest, market: Market, reference: Decimal) -> Decimal:
    """The activation price of a new trailing stop: the one sent, which must lie ahead of the
    price (above it for a sell, below for a buy: else -2021), or the price itself."""
    activate = request.activate_price
    if activate is None:
        return reference
    if activate <= 0:
        raise BinanceError(Code.INVALID_ACTIVATION_PRICE)
    rules.check_price(market, activate, "activatePrice")
    if (activate <= reference) if request.side == "SELL" else (activate >= reference):
        raise BinanceError(Code.WOULD_IMMEDIATELY_TRIGGER)
    return activate


def trigger_price(market: Market, side: str, extreme: Decimal, rate: Decimal) -> Decimal:
    """The trigger shown for an extreme, truncated to the tick as Binance shows it (triggering
    compares with the exact value)."""
    back = rate / 100
    return to_tick(market, extreme * (1 + back if side == "BUY" else 1 - back), ROUND_DOWN)


def moves(account: Account, symbol: str, quotes: Quotes, market: Market) -> list[Trail]:
    """The open trailing stops of a symbol that the current price activates or gives a new
    extreme, oldest first."""
    found = []
    for algo in sorted(account.open_algo_orders(symbol), key=lambda a: a.algo_id):
        if algo.callback_rate is None:  # not a trailing stop
            continue
        price = quotes.by_working_type(symbol, algo.working_type)
        follows_highs = algo.side == "SELL"
        if not algo.activated:
            start = algo.activate_price
            if not ((price >= start) if follows_highs else (price <= start)):
                continue
        elif not ((price > algo.extreme) if follows_highs else (price < algo.extreme)):
            continue
        found.append(Trail(algo, not algo.activated, price,
                           trigger_price(market, algo.side, price, algo.callback_rate)))
    return found
