"""A finite order book per symbol, synthesised around the last price.

Bids start at the last price and asks one tick above it; further levels lie ``gap_ticks`` ticks
apart, each holding ``level_qty`` (or ``level_notional`` worth) of contracts, ``levels`` deep on
each side. Takers walk it level by level. What they take stays taken until the last price
changes: every new last price brings a fresh book (liquidity replenishes between trades at
different prices, not between two orders at the same price). ``GET /fapi/v1/depth`` shows this
same book, consumption included.

The default is deep (1,000,000 USDT per level, 1000 levels): orders of a few thousand USDT fill at
the touch, as the plugin's tests expect; a control call makes one symbol's book thin.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from binance_emulator.venue.markets import Market

DEFAULT_LEVELS = 1000
DEFAULT_LEVEL_NOTIONAL = Decimal(1_000_000)
ZERO = Decimal(0)


@dataclass(frozen=True)
class BookShape:
    levels: int = DEFAULT_LEVELS
    level_qty: Decimal | None = None
    level_notional: Decimal | None = DEFAULT_LEVEL_NOTIONAL
    gap_ticks: int = 1

    def describe(self) -> dict[str, object]:
        return {
            "levels": self.levels,
            "level_qty": None if self.level_qty is None else f"{self.level_qty:f}",
            "level_notional": (None if self.level_notional is None
                               else f"{self.level_notional:f}"),
            "gap_ticks": self.gap_ticks,
        }


@dataclass(frozen=True)
class Level:
    """Part of one level of the book: its index from the touch, its price, a quantity there."""

    index: int
    price: Decimal
    qty: Decimal


@dataclass
class Book:
    """One symbol's book: its shape and what takers took since the last price last moved."""

    market: Market
    shape: BookShape = field(default_factory=BookShape)
    # (side of the book, level index) -> quantity already taken there.
    taken: dict[tuple[str, int], Decimal] = field(default_factory=dict)

    def refill(self) -> None:
        self.taken.clear()

    def _level_qty(self, price: Decimal) -> Decimal:
        if self.shape.level_qty is not None:
            return self.shape.level_qty
        notional = self.shape.level_notional or DEFAULT_LEVEL_NOTIONAL
        step = self.market.step_size
        qty = (notional / price / step).to_integral_value(ROUND_DOWN) * step
        return max(qty, self.market.min_qty)

    def _walk(self, side: str, last: Decimal) -> Iterator[tuple[int, Decimal, Decimal]]:
        """(level index, price, quantity left), best first; lazily, as walks mostly stop early."""
        tick = self.market.tick_size
        gap = tick * self.shape.gap_ticks
        best = last + tick if side == "asks" else last
        for i in range(self.shape.levels):
            price = best + i * gap if side == "asks" else best - i * gap
            if price <= 0:
                return
            yield i, price, self._level_qty(price) - self.taken.get((side, i), ZERO)

    def levels(self, side: str, last: Decimal, limit: int) -> list[tuple[Decimal, Decimal]]:
        """Up to ``limit`` (price, quantity left) rows, best first; ``side`` is asks or bids."""
        return [(price, qty) for _, price, qty in itertools.islice(self._walk(side, last), limit)]

    def quote(self, side: str, last: Decimal, quantity: Decimal,
              limit_price: Decimal | None = None) -> list[Level]:
        """Walk ``side`` for up to ``quantity``, never past ``limit_price``: the levels a taker
        would take, best first. Nothing is taken until ``consume``."""
        levels = []
        for i, price, available in self._walk(side, last):
            if quantity <= 0:
                break
            if limit_price is not None and (
                price > limit_price if side == "asks" else price < limit_price
            ):
                break
            if available <= 0:
                continue
            qty = min(available, quantity)
            levels.append(Level(i, price, qty))
            quantity -= qty
        return levels

    def consume(self, side: str, levels: list[Level]) -> None:
        """What a taker took stays taken until the last price moves."""
        for level in levels:
            key = (side, level.index)
            self.taken[key] = self.taken.get(key, ZERO) + level.qty

    def available(self, side: str, last: Decimal, limit_price: Decimal) -> Decimal:
        """What a taker could get on ``side`` without going past ``limit_price``."""
        total = ZERO
        for _, price, qty in self._walk(side, last):
            if price > limit_price if side == "asks" else price < limit_price:
                break
            total += qty
        return total
