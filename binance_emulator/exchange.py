"""The venue as a whole: every account and every symbol's prices, the single source of truth.

Knows nothing of HTTP. Every rejection is a ``BinanceError`` carrying the venue's code and text;
the HTTP layer only translates. Quantities and prices are ``Decimal`` so that precision checks
behave like the venue's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal

from binance_emulator.account import Account
from binance_emulator.errors import BinanceError, Code, illegal, mandatory
from binance_emulator.markets import Market
from binance_emulator.models import FeeSchedule
from binance_emulator.prices import PricePath, now_ms


class Exchange:
    """All accounts and all symbols."""

    def __init__(
        self,
        markets: dict[str, Market],
        paths: dict[str, PricePath],
        fees: FeeSchedule | None = None,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.markets = markets
        self.paths = paths
        self.fees = fees or FeeSchedule()
        self.clock = clock
        self.accounts: dict[str, Account] = {}
        self._ids = itertools.count(8_000_000_001)
        self._last: dict[str, Decimal] = {}
        self.refresh()

    def next_id(self) -> int:
        return next(self._ids)

    def market(self, symbol: str | None) -> Market:
        if not symbol:
            raise mandatory("symbol")
        market = self.markets.get(symbol)
        if market is None:
            raise BinanceError(Code.BAD_SYMBOL)
        return market

    def add_account(self, api_key: str, api_secret: str, balance: Decimal) -> Account:
        account = Account(self, api_key, api_secret, balance)
        self.accounts[api_key] = account
        return account

    # Prices -------------------------------------------------------------------------------

    def last_price(self, symbol: str) -> Decimal:
        return self._last[symbol]

    def mark_price(self, symbol: str) -> Decimal:
        # The emulator has no basis: mark equals last, so MARK_PRICE and CONTRACT_PRICE agree.
        return self._last[symbol]

    def best_bid(self, symbol: str) -> Decimal:
        return self._last[symbol]

    def best_ask(self, symbol: str) -> Decimal:
        return self._last[symbol] + self.markets[symbol].tick_size

    def _rounded(self, symbol: str, price: float) -> Decimal:
        tick = self.markets[symbol].tick_size
        return (Decimal(repr(price)) / tick).to_integral_value() * tick

    def refresh(self) -> None:
        """Move every path-driven price to now and let orders react."""
        at = self.clock()
        for symbol, path in self.paths.items():
            price = self._rounded(symbol, path.price_at(at))
            if price != self._last.get(symbol):
                self._last[symbol] = price
                self._on_price(symbol)

    def set_price(self, symbol: str, price: Decimal) -> None:
        """Take manual control of a symbol's last and mark price and fire what it crosses."""
        market = self.market(symbol)
        if price <= 0:
            raise illegal("price")
        self.paths[symbol].set_price(float(price), self.clock())
        self._last[symbol] = (price / market.tick_size).to_integral_value() * market.tick_size
        self._on_price(symbol)

    def _on_price(self, symbol: str) -> None:
        for account in self.accounts.values():
            account.on_price(symbol)
