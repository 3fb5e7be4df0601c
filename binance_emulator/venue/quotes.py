"""What every listed symbol trades at now: its last and mark price and the touch around them,
and how a price path's value becomes a price on the symbol's tick.

The deciding modules (``margin``, ``rules``, ``matching``, ``algo``, ``liquidation``) read prices
here, handed to them explicitly; only the ``Exchange`` moves them.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from binance_emulator.venue.markets import Market
from binance_emulator.venue.prices import PricePath


class Quotes:
    """Last and mark price per symbol; the book's touch is the last price and one tick above."""

    def __init__(self, markets: dict[str, Market]) -> None:
        self.markets = markets
        self._last: dict[str, Decimal] = {}
        self._mark: dict[str, Decimal] = {}

    def last(self, symbol: str) -> Decimal:
        return self._last[symbol]

    def mark(self, symbol: str) -> Decimal:
        return self._mark[symbol]

    def by_working_type(self, symbol: str, working_type: str) -> Decimal:
        """The price a conditional order watches: mark for MARK_PRICE, else last."""
        return self._mark[symbol] if working_type == "MARK_PRICE" else self._last[symbol]

    def best_bid(self, symbol: str) -> Decimal:
        return self._last[symbol]

    def best_ask(self, symbol: str) -> Decimal:
        return self._last[symbol] + self.markets[symbol].tick_size

    def taker_price(self, symbol: str, side: str) -> Decimal:
        """The touch a taker of ``side`` meets: the ask for a buy, the bid for a sell."""
        return self.best_ask(symbol) if side == "BUY" else self.best_bid(symbol)

    def moves(self, symbol: str, last: Decimal, mark: Decimal) -> bool:
        """Whether (last, mark) differs from what the symbol trades at now (or it has no price)."""
        return last != self._last.get(symbol) or mark != self._mark.get(symbol)

    def last_moves(self, symbol: str, last: Decimal) -> bool:
        return last != self._last.get(symbol)

    def move(self, symbol: str, last: Decimal, mark: Decimal) -> None:
        self._last[symbol], self._mark[symbol] = last, mark


def to_tick(market: Market, price: Decimal, rounding: str | None = None) -> Decimal:
    tick = market.tick_size
    return ((price / tick).to_integral_value(rounding) * tick).quantize(tick)


def path_last(market: Market, path: PricePath, at: int) -> Decimal:
    """The last price a path gives at ``at``, on the tick."""
    return to_tick(market, Decimal(repr(path.price_at(at))))


def path_mark(market: Market, mark_path: PricePath, at: int) -> Decimal:
    # Binance truncates the mark price to the symbol's precision before judging triggers.
    return to_tick(market, Decimal(repr(mark_path.price_at(at))), ROUND_DOWN)
