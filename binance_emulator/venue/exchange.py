"""The venue as a whole: every account, every symbol's last and mark price, its order book and
its funding schedule: the single source of truth, and the only writer.

Every change goes through an ``Exchange`` method: the deciding modules (``matching``, ``algo``,
``trailing``, ``liquidation``, ``funding``, ``rules``) judge and return what should happen; the
Exchange applies it, in order, through its ``Bookkeeper``. Knows nothing of HTTP. Rejections are
``BinanceError``s with the venue's code and text; quantities and prices are ``Decimal``s.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace as dataclass_replace
from decimal import Decimal

from binance_emulator.venue import algo, funding, liquidation, margin, matching, rules, trailing
from binance_emulator.venue.account import Account
from binance_emulator.venue.book import Book, BookShape
from binance_emulator.venue.bookkeeping import Bookkeeper
from binance_emulator.venue.errors import BinanceError, Code, illegal, mandatory
from binance_emulator.venue.journal import Journal
from binance_emulator.venue.markets import Market
from binance_emulator.venue.models import (
    FIRST_ID,
    ZERO,
    AlgoOrder,
    FeeSchedule,
    Order,
    OrderRequest,
    Position,
)
from binance_emulator.venue.prices import PricePath, now_ms
from binance_emulator.venue.quotes import Quotes, path_last, path_mark, to_tick


class Exchange:
    """All accounts and all symbols."""

    def __init__(self, markets: dict[str, Market], paths: dict[str, PricePath],
                 fees: FeeSchedule | None = None, clock: Callable[[], int] = now_ms,
                 mark_paths: dict[str, PricePath] | None = None,
                 liquidation_cancels: str = "all", first_id: int = FIRST_ID) -> None:
        self.markets = dict(markets)  # its own: the limits of one venue are set on it alone
        self.paths = paths
        # Without a basis the mark path is a copy of the last one (mark = last until set apart).
        self.mark_paths = mark_paths or {s: p.with_basis(None) for s, p in paths.items()}
        self.fees = fees or FeeSchedule()
        self.clock = clock
        self.quotes = Quotes(self.markets)
        self.accounts: dict[str, Account] = {}
        self.books = {symbol: Book(market) for symbol, market in self.markets.items()}
        self.journal = Journal(clock)
        self.liquidation_cancels = liquidation_cancels
        self._ids = itertools.count(first_id)
        self._bookkeeper = Bookkeeper(self.journal, self.next_id, clock)
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
        account = Account(api_key, api_secret, balance, self.clock())
        self.accounts[api_key] = account
        return account

    def shape_book(self, symbol: str, shape: BookShape) -> None:
        """Reshape one symbol's book (thin, deep); it refills at once."""
        book = self.books[symbol]
        book.shape = shape
        book.refill()

    def set_algo_order_limit(self, limit: int | None, symbol: str | None = None) -> None:
        """MAX_NUM_ALGO_ORDERS of one symbol or all (None: no such filter)."""
        for name in [self.market(symbol).symbol] if symbol else list(self.markets):
            self.markets[name] = dataclass_replace(self.markets[name], max_num_algo_orders=limit)

    def reset(self, api_key: str, api_secret: str, balance: Decimal) -> Account:
        """Back to one fresh account: the others, the journal and every book's shape dropped."""
        self.accounts.clear()
        self.journal.clear()
        for symbol in self.books:
            self.shape_book(symbol, BookShape())
        return self.add_account(api_key, api_secret, balance)

    # Prices -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Move every path-driven price to now, let orders react, settle funding that fell due."""
        at = self.clock()
        for symbol, path in self.paths.items():
            last = path_last(self.markets[symbol], path, at)
            mark = path_mark(self.markets[symbol], self.mark_paths[symbol], at)
            if self.quotes.moves(symbol, last, mark):
                self._move(symbol, last, mark)
        if at > self._funded_until:
            for symbol, path in self.paths.items():
                for t in path.funding_times(self._funded_until, at):
                    self._settle(symbol, Decimal(repr(path.funding_rate_at(t))))
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
        last = to_tick(self.markets[symbol], price)
        mark = path_mark(self.markets[symbol], self.mark_paths[symbol], at)
        self.journal.record(None, "price", symbol=symbol, last=last, mark=mark)
        self._move(symbol, last, mark)

    def _move(self, symbol: str, last: Decimal, mark: Decimal) -> None:
        last_moved = self.quotes.last_moves(symbol, last)
        if last_moved:
            self.books[symbol].refill()  # a new last price brings fresh liquidity
        self.quotes.move(symbol, last, mark)
        for account in list(self.accounts.values()):
            self._react(account, symbol, last_moved)

    def _react(self, account: Account, symbol: str, last_moved: bool) -> None:
        """React to a new last/mark price of ``symbol``: trailing stops follow it, then, in the
        order the price path meets them, conditionals reached before the liquidation price, the
        liquidation (on mark), the other crossed conditionals, resting limits traded through."""
        position = account.positions.get(symbol)
        self._trail(account, symbol)
        if account.may_have_open_algo_orders() and position is not None and position.amount:
            liquidation_first = margin.liquidation_price(account, self.quotes, position)
            for found in algo.crossed(account, symbol, self.quotes, liquidation_first):
                self._trigger(account, found)
        self._liquidate_due(account, symbol)
        if account.may_have_open_algo_orders():
            for found in algo.crossed(account, symbol, self.quotes):
                self._trigger(account, found)
        if last_moved and account.may_have_open_orders():
            for order in account.open_orders(symbol):
                if order.type == "LIMIT" and matching.marketable(order, self.quotes):
                    self._execute(account, matching.as_maker(
                        order, account.position(symbol), self.books[symbol],
                        self.quotes.last(symbol)))
            self._liquidate_due(account, symbol)

    # Funding ------------------------------------------------------------------------------

    def settle_funding(self, symbol: str | None = None,
                       rate: Decimal | None = None) -> dict[str, dict[str, Decimal]]:
        """Settle funding now, for one symbol or all, at ``rate`` or each symbol's current one."""
        symbols = [self.market(symbol).symbol] if symbol else list(self.markets)
        charged: dict[str, dict[str, Decimal]] = {}
        at = self.clock()
        for name in symbols:
            applied = rate if rate is not None else Decimal(
                repr(self.paths[name].funding_rate_at(at)))
            for api_key, amount in self._settle(name, applied).items():
                charged.setdefault(api_key, {})[name] = amount
        return charged

    def _settle(self, symbol: str, rate: Decimal) -> dict[str, Decimal]:
        """Charge one funding of ``symbol``; what each account paid (negative) or got."""
        mark = self.quotes.mark(symbol)
        now = self.clock()
        charged: dict[str, Decimal] = {}
        for payment in funding.payments(list(self.accounts.values()), symbol, mark, rate):
            self._bookkeeper.pay_funding(payment, rate, mark, now)
            charged[payment.account.api_key] = payment.amount
            self._liquidate_due(payment.account)
        return charged

    # Settings -----------------------------------------------------------------------------

    def set_leverage(self, account: Account, symbol: str, leverage: int) -> None:
        market = self.market(symbol)
        rules.check_leverage(account, market, self.quotes.mark(symbol), leverage)
        self._bookkeeper.set_leverage(account, symbol, leverage)

    def set_margin_type(self, account: Account, symbol: str, margin_type: str) -> None:
        self.market(symbol)
        isolated = rules.check_margin_type(account, symbol, margin_type)
        self._bookkeeper.set_isolated(account, symbol, isolated)

    def set_multi_assets_margin(self, account: Account, enabled: bool) -> None:
        self._bookkeeper.set_multi_assets_margin(account, enabled)

    def change_isolated_margin(self, account: Account, symbol: str, amount: Decimal,
                               kind: int) -> None:
        """POST /fapi/v1/positionMargin: move margin between the wallet and one position."""
        self.market(symbol)
        rules.check_margin_change(account, self.quotes, symbol, amount, kind)
        self._bookkeeper.change_isolated_margin(account, symbol, amount, kind)
        self._liquidate_due(account)

    # Plain orders -------------------------------------------------------------------------

    def new_order(self, account: Account, request: OrderRequest) -> Order:
        try:
            market = self.market(request.symbol)
            placement = matching.new_order(account, request, market, self.quotes,
                                           self.books[market.symbol], self.fees.taker,
                                           self.next_id, self.clock())
        except BinanceError as error:
            self._bookkeeper.reject(account, "order_rejected", request, error)
            raise
        order = placement.order
        self._bookkeeper.accept_client_order(account, order)
        if placement.takes:
            self._take(account, order)
        return order

    def modify_order(self, account: Account, symbol: str, order_id: int | None,
                     client_id: str | None, side: str, quantity: Decimal | None,
                     price: Decimal | None) -> Order:
        """PUT /fapi/v1/order; a change that now crosses takes, one that may not is cancelled."""
        order = account.find_order(order_id, client_id, symbol)
        try:
            quantity, price = matching.check_modify(order, side, quantity, price,
                                                    self.markets[order.symbol],
                                                    self.quotes.mark(order.symbol))
        except BinanceError as error:
            self.journal.record(account.api_key, "modify_rejected", symbol=symbol,
                                order_id=order.order_id, code=error.code, msg=error.msg)
            raise
        self._bookkeeper.modify(account, order, quantity, price)
        crosses = matching.marketable(order, self.quotes)
        if matching.modify_cancels(order, crosses):
            self._bookkeeper.close_order(account, order, "CANCELED", reason="modify")
        elif crosses:
            self._take(account, order)
        return order

    def cancel_order(self, account: Account, order_id: int | None, client_id: str | None,
                     symbol: str | None = None) -> Order:
        try:
            order = account.find_order(order_id, client_id, symbol)
        except BinanceError:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL) from None
        if not order.is_open:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL)
        self._bookkeeper.close_order(account, order, "CANCELED")
        return order

    def cancel_all_orders(self, account: Account, symbol: str) -> None:
        self.market(symbol)
        for order in account.open_orders(symbol):
            self._bookkeeper.close_order(account, order, "CANCELED")

    def _take(self, account: Account, order: Order) -> None:
        """Execute as taker against the book; MARKET and IOC/FOK leftovers expire."""
        self._execute(account, matching.as_taker(order, account.position(order.symbol),
                                                 self.books[order.symbol],
                                                 self.quotes.last(order.symbol)))
        if matching.rest_expires(order):
            self._bookkeeper.close_order(account, order, "EXPIRED", reason="no_liquidity")

    def _execute(self, account: Account, take: matching.Take, fee_rate: Decimal | None = None
                 ) -> None:
        """Apply a Take: trim a reduce-only order, consume the book, fill level by level (a
        maker at its own price, all at once); one with nothing to close expires."""
        order = take.order
        if not take.quantity:
            self._bookkeeper.close_order(account, order, "EXPIRED", reason="reduce_only")
            return
        if take.trimmed_quantity is not None:
            self._bookkeeper.trim(order, take.trimmed_quantity)
        self.books[order.symbol].consume(take.side, take.levels)
        if take.maker:
            filled = sum((level.qty for level in take.levels), ZERO)
            if filled:
                self._fill(account, order, filled, order.price, maker=True)
            return
        for level in take.levels:
            self._fill(account, order, level.qty, level.price, maker=False, fee_rate=fee_rate)

    def _fill(self, account: Account, order: Order, quantity: Decimal, price: Decimal,
              maker: bool, fee_rate: Decimal | None = None) -> None:
        if fee_rate is None:
            fee_rate = self.fees.maker if maker else self.fees.taker
        execution = matching.execute(order, account.position(order.symbol),
                                     account.is_isolated(order.symbol),
                                     account.leverage_for(order.symbol), quantity, price, maker,
                                     fee_rate)
        self._bookkeeper.fill(account, order, execution)

    # Algo (conditional) orders ------------------------------------------------------------

    def new_algo_order(self, account: Account, request: OrderRequest) -> AlgoOrder:
        try:
            market = self.market(request.symbol)
            found = algo.new_algo_order(account, request, market, self.quotes, self.next_id,
                                        self.clock())
        except BinanceError as error:
            self._bookkeeper.reject(account, "algo_rejected", request, error)
            raise
        self._bookkeeper.accept_algo_order(account, found)
        self._trail(account, found.symbol)
        return found

    def cancel_algo_order(self, account: Account, algo_id: int | None,
                          client_id: str | None) -> AlgoOrder:
        try:
            found = account.find_algo_order(algo_id, client_id)
        except BinanceError:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL) from None
        if not found.is_open:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL)
        self._bookkeeper.close_algo_order(account, found, "CANCELED")
        return found

    def cancel_all_algo_orders(self, account: Account, symbol: str) -> None:
        self.market(symbol)
        for found in account.open_algo_orders(symbol):
            self._bookkeeper.close_algo_order(account, found, "CANCELED")

    def _trail(self, account: Account, symbol: str) -> None:
        """Trailing stops follow the price: activation, a new extreme and its trigger."""
        for trail in trailing.moves(account, symbol, self.quotes, self.markets[symbol]):
            self._bookkeeper.trail(account, trail)

    def _trigger(self, account: Account, found: AlgoOrder) -> None:
        """The conditional becomes a real order in the matching engine: TRIGGERED while it rests
        there, FINISHED once it filled or expired, REJECTED when matching refused it."""
        now = self.clock()
        trigger = algo.trigger(account, found, self.quotes, self.markets[found.symbol],
                               self.fees.taker, self.next_id, now)
        self._bookkeeper.trigger(account, trigger, now, algo.reference_price(found, self.quotes))
        order = trigger.order
        if order is None:
            return
        if not order.quantity:
            self._bookkeeper.close_order(account, order, "EXPIRED", reason="no_position")
        elif order.type == "MARKET" or matching.marketable(order, self.quotes):
            self._take(account, order)

    # Liquidation --------------------------------------------------------------------------

    def _liquidate_due(self, account: Account, symbol: str | None = None) -> None:
        """Liquidate whatever the mark prices leave under-margined; with ``symbol``, only what
        that symbol's price can have changed."""
        for position in liquidation.isolated_due(account, self.quotes, symbol):
            self._liquidate(account, [position], cross=False)
        cross = liquidation.cross_due(account, self.quotes, symbol)
        if cross:
            self._liquidate(account, cross, cross=True)

    def _liquidate(self, account: Account, positions: list[Position], cross: bool) -> None:
        symbols = {p.symbol for p in positions}
        self.journal.record(
            account.api_key, "liquidation", margin_mode="cross" if cross else "isolated",
            symbols=sorted(symbols), marks={s: f"{self.quotes.mark(s):f}" for s in symbols},
        )
        for order in account.open_orders():
            if cross or order.symbol in symbols:
                self._bookkeeper.close_order(account, order, "CANCELED", reason="liquidation")
        if self.liquidation_cancels == "all":
            for found in account.open_algo_orders():
                if cross or found.symbol in symbols:
                    self._bookkeeper.close_algo_order(account, found, "CANCELED",
                                                      reason="liquidation")
        wallet_before = account.wallet - margin.isolated_margin_total(account)
        closed_notional = ZERO
        for position in positions:
            locked = position.isolated_margin
            bankruptcy = liquidation.bankruptcy_price(account, self.quotes, position)
            order = liquidation.liquidation_order(position, bankruptcy, self.next_id,
                                                  self.clock())
            self._bookkeeper.accept_liquidation_order(account, order)
            fills_before = len(account.fills)
            closeout = liquidation.closeout(order, self.books[order.symbol], self.quotes)
            self._execute(account, closeout.take, fee_rate=ZERO)
            if closeout.insurance_qty > 0:
                self._fill(account, order, closeout.insurance_qty, closeout.mark, maker=False,
                           fee_rate=ZERO)
            realized = sum((f.realized_pnl for f in account.fills[fills_before:]), ZERO)
            closed_notional += order.cum_quote
            if not cross:
                self._clear(account, position.symbol, locked + realized, order.cum_quote)
        if cross:
            self._clear(account, positions[0].symbol,
                        account.wallet - margin.isolated_margin_total(account), closed_notional)
        self.journal.record(account.api_key, "liquidation_done", symbols=sorted(symbols),
                            cross_wallet_before=wallet_before, wallet_after=account.wallet)

    def _clear(self, account: Account, symbol: str, collateral: Decimal,
               notional: Decimal) -> None:
        self._bookkeeper.clear(account, symbol,
                               liquidation.clearance(self.markets[symbol], collateral, notional))
