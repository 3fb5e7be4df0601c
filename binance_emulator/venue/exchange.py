"""The venue as a whole: every account, every symbol's last and mark price, its order book and
its funding schedule: the single source of truth.

Knows nothing of HTTP. Every rejection is a ``BinanceError`` carrying the venue's code and text;
the HTTP layer only translates. Quantities and prices are ``Decimal`` so that precision checks
behave like the venue's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal

from binance_emulator.venue import funding
from binance_emulator.venue.account import Account
from binance_emulator.venue.book import Book
from binance_emulator.venue.errors import BinanceError, Code, illegal, mandatory
from binance_emulator.venue.journal import Journal
from binance_emulator.venue.markets import Market
from binance_emulator.venue.models import FeeSchedule
from binance_emulator.venue.prices import PricePath, now_ms

# What a liquidation cancels besides the position (Binance: "all open orders are immediately
# canceled"; whether that includes conditional algo orders is not documented, hence a switch).
LIQUIDATION_CANCELS = ("all", "plain")


class Exchange:
    """All accounts and all symbols."""

    def __init__(
        self,
        markets: dict[str, Market],
        paths: dict[str, PricePath],
        fees: FeeSchedule | None = None,
        clock: Callable[[], int] = now_ms,
        mark_paths: dict[str, PricePath] | None = None,
        liquidation_cancels: str = "all",
    ) -> None:
        self.markets = markets
        self.paths = paths
        # Without a basis the mark path is a copy of the last one (mark = last until set apart).
        self.mark_paths = mark_paths or {s: p.with_basis(None) for s, p in paths.items()}
        self.fees = fees or FeeSchedule()
        self.clock = clock
        self.accounts: dict[str, Account] = {}
        self.books = {symbol: Book(market) for symbol, market in markets.items()}
        self.journal = Journal(clock)
        self.liquidation_cancels = liquidation_cancels
        self._ids = itertools.count(8_000_000_001)
        self._last: dict[str, Decimal] = {}
        self._mark: dict[str, Decimal] = {}
        # Funding is settled from start-up on, never for times before the venue existed.
        self._funded_until = clock()
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
        return self._mark[symbol]

    def best_bid(self, symbol: str) -> Decimal:
        return self._last[symbol]

    def best_ask(self, symbol: str) -> Decimal:
        return self._last[symbol] + self.markets[symbol].tick_size

    def _tick_round(self, symbol: str, price: Decimal, rounding: str | None = None) -> Decimal:
        tick = self.markets[symbol].tick_size
        return ((price / tick).to_integral_value(rounding) * tick).quantize(tick)

    def _mark_at(self, symbol: str, at: int) -> Decimal:
        # Binance truncates the mark price to the symbol's precision before judging triggers.
        price = Decimal(repr(self.mark_paths[symbol].price_at(at)))
        return self._tick_round(symbol, price, ROUND_DOWN)

    def refresh(self) -> None:
        """Move every path-driven price to now, let orders react, settle funding that fell due."""
        at = self.clock()
        for symbol, path in self.paths.items():
            last = self._tick_round(symbol, Decimal(repr(path.price_at(at))))
            mark = self._mark_at(symbol, at)
            if last != self._last.get(symbol) or mark != self._mark.get(symbol):
                self._move(symbol, last, mark)
        if at > self._funded_until:
            for symbol, path in self.paths.items():
                for t in path.funding_times(self._funded_until, at):
                    funding.settle(self, symbol, Decimal(repr(path.funding_rate_at(t))))
            self._funded_until = at

    def set_price(self, symbol: str, price: Decimal, mark: Decimal | None = None) -> None:
        """Take manual control of a symbol: last = price, mark = ``mark`` (default: the same);
        every trigger either crosses fires and liquidations happen before this returns."""
        self.market(symbol)
        if price <= 0 or (mark is not None and mark <= 0):
            raise illegal("price")
        at = self.clock()
        mark = price if mark is None else mark
        self.paths[symbol].set_price(float(price), at)
        self.mark_paths[symbol].set_price(float(mark), at)
        last, mark = self._tick_round(symbol, price), self._mark_at(symbol, at)
        self.journal.record(None, "price", symbol=symbol, last=last, mark=mark)
        self._move(symbol, last, mark)

    def _move(self, symbol: str, last: Decimal, mark: Decimal) -> None:
        last_moved = last != self._last.get(symbol)
        if last_moved:
            self.books[symbol].refill()  # a new last price brings fresh liquidity
        self._last[symbol], self._mark[symbol] = last, mark
        for account in list(self.accounts.values()):
            account.on_price(symbol, last_moved)

    def settle_funding(self, symbol: str | None = None,
                       rate: Decimal | None = None) -> dict[str, dict[str, Decimal]]:
        """Settle funding now, for one symbol or all, at ``rate`` or each symbol's current one."""
        symbols = [self.market(symbol).symbol] if symbol else list(self.markets)
        charged: dict[str, dict[str, Decimal]] = {}
        at = self.clock()
        for name in symbols:
            applied = rate if rate is not None else Decimal(
                repr(self.paths[name].funding_rate_at(at)))
            for api_key, amount in funding.settle(self, name, applied).items():
                charged.setdefault(api_key, {})[name] = amount
        return charged
