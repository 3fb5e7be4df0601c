"""The matching engine: accounts, positions, orders, conditional (algo) orders and fills.

Knows nothing of HTTP. Every rejection is a ``BinanceError`` carrying the venue's code and text;
the HTTP layer only translates. Quantities and prices are ``Decimal`` so that precision checks
behave like the venue's.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from binance_emulator.errors import (
    BinanceError,
    Code,
    filter_failure,
    illegal,
    mandatory,
    notional_too_small,
)
from binance_emulator.markets import CONDITIONAL_ORDER_TYPES, Market
from binance_emulator.prices import PricePath, now_ms

ZERO = Decimal(0)
CLIENT_ID_PATTERN = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
STOP_TYPES = frozenset({"STOP", "STOP_MARKET"})
TAKE_PROFIT_TYPES = frozenset({"TAKE_PROFIT", "TAKE_PROFIT_MARKET"})
ALGO_OPEN_STATUSES = frozenset({"NEW", "TRIGGERING"})
ORDER_OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})
DEFAULT_LEVERAGE = 20


@dataclass(frozen=True)
class FeeSchedule:
    taker: Decimal = Decimal("0.0005")
    maker: Decimal = Decimal("0.0002")


@dataclass
class Order:
    order_id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    orig_type: str
    quantity: Decimal
    price: Decimal
    stop_price: Decimal
    reduce_only: bool
    close_position: bool
    time_in_force: str
    working_type: str
    time: int
    update_time: int
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO

    @property
    def is_open(self) -> bool:
        return self.status in ORDER_OPEN_STATUSES

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed_qty

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO


@dataclass
class AlgoOrder:
    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    trigger_price: Decimal
    price: Decimal
    working_type: str
    reduce_only: bool
    close_position: bool
    time_in_force: str
    create_time: int
    update_time: int
    status: str = "NEW"
    trigger_time: int = 0
    actual_order_id: int | None = None
    actual_price: Decimal = ZERO

    @property
    def is_open(self) -> bool:
        return self.status in ALGO_OPEN_STATUSES

    def is_triggered_by(self, reference: Decimal) -> bool:
        """Stops fire when price moves against the position, take-profits when it moves for it."""
        rising_fires = (self.order_type in STOP_TYPES) == (self.side == "BUY")
        return reference >= self.trigger_price if rising_fires else reference <= self.trigger_price


@dataclass
class Position:
    symbol: str
    amount: Decimal = ZERO  # signed: negative is short
    entry_price: Decimal = ZERO
    isolated_margin: Decimal = ZERO
    update_time: int = 0


@dataclass
class Fill:
    trade_id: int
    order_id: int
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    commission: Decimal
    realized_pnl: Decimal
    maker: bool
    time: int


@dataclass
class Income:
    tran_id: int
    symbol: str
    income_type: str
    income: Decimal
    time: int
    trade_id: str = ""


@dataclass
class OrderRequest:
    """A new order as the HTTP layer parsed it (strings already turned into Decimals)."""

    symbol: str
    side: str
    type: str
    quantity: Decimal | None = None
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    reduce_only: bool = False
    close_position: bool = False
    time_in_force: str = "GTC"
    working_type: str = "CONTRACT_PRICE"
    client_id: str | None = None


def _sign(side: str) -> int:
    return 1 if side == "BUY" else -1


def _decimals(value: Decimal) -> int:
    return max(0, -value.normalize().as_tuple().exponent)


class Exchange:
    """All accounts and all symbols: the venue's single source of truth."""

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


class Account:
    """One API key's futures wallet, one-way position mode."""

    def __init__(self, exchange: Exchange, api_key: str, api_secret: str, balance: Decimal) -> None:
        self.exchange = exchange
        self.api_key = api_key
        self.api_secret = api_secret
        self.wallet = balance
        self.leverage: dict[str, int] = {}
        self.isolated: dict[str, bool] = {}
        self.multi_assets_margin = False
        self.positions: dict[str, Position] = {}
        self.orders: dict[int, Order] = {}
        self.algo_orders: dict[int, AlgoOrder] = {}
        self.fills: list[Fill] = []
        self.income: list[Income] = []
        # Every client id ever accepted, in order: lets tests prove nothing was placed twice.
        self.accepted_client_ids: list[str] = []
        self.update_time = exchange.clock()

    # Settings -----------------------------------------------------------------------------

    def leverage_for(self, symbol: str) -> int:
        return self.leverage.get(symbol, DEFAULT_LEVERAGE)

    def is_isolated(self, symbol: str) -> bool:
        return self.isolated.get(symbol, False)

    def set_leverage(self, symbol: str, leverage: int) -> None:
        market = self.exchange.market(symbol)
        if not 1 <= leverage <= market.max_leverage:
            raise BinanceError(
                Code.LEVERAGE_NOT_VALID, f"Leverage {leverage} is not valid"
            )
        self.leverage[symbol] = leverage

    def set_margin_type(self, symbol: str, margin_type: str) -> None:
        self.exchange.market(symbol)
        if margin_type not in ("ISOLATED", "CROSSED"):
            raise illegal("marginType")
        isolated = margin_type == "ISOLATED"
        if self.is_isolated(symbol) == isolated:
            raise BinanceError(Code.NO_NEED_TO_CHANGE_MARGIN_TYPE)
        if self.position(symbol).amount:
            raise BinanceError(Code.MARGIN_TYPE_WITH_POSITION)
        if self.open_orders(symbol):
            raise BinanceError(Code.MARGIN_TYPE_WITH_OPEN_ORDERS)
        self.isolated[symbol] = isolated

    # Balances -----------------------------------------------------------------------------

    def position(self, symbol: str) -> Position:
        position = self.positions.get(symbol)
        if position is None:
            position = self.positions[symbol] = Position(symbol)
        return position

    def unrealized_pnl(self, position: Position) -> Decimal:
        mark = self.exchange.mark_price(position.symbol)
        return (mark - position.entry_price) * position.amount

    def position_initial_margin(self, position: Position) -> Decimal:
        if not position.amount:
            return ZERO
        if self.is_isolated(position.symbol):
            return position.isolated_margin
        notional = abs(position.amount) * self.exchange.mark_price(position.symbol)
        return notional / self.leverage_for(position.symbol)

    def maintenance_margin(self, position: Position) -> Decimal:
        market = self.exchange.markets[position.symbol]
        notional = abs(position.amount) * self.exchange.mark_price(position.symbol)
        tier = market.tier_for(notional)
        return max(ZERO, notional * tier.maintenance_margin_rate - tier.maintenance_amount)

    def open_order_margin(self) -> Decimal:
        total = ZERO
        for order in self.orders.values():
            if order.is_open and not order.reduce_only:
                total += order.remaining * order.price / self.leverage_for(order.symbol)
        return total

    def cross_unrealized_pnl(self) -> Decimal:
        return sum(
            (self.unrealized_pnl(p) for p in self.positions.values()
             if p.amount and not self.is_isolated(p.symbol)),
            ZERO,
        )

    def total_unrealized_pnl(self) -> Decimal:
        return sum((self.unrealized_pnl(p) for p in self.positions.values() if p.amount), ZERO)

    def isolated_margin_total(self) -> Decimal:
        return sum(
            (p.isolated_margin for p in self.positions.values() if self.is_isolated(p.symbol)),
            ZERO,
        )

    def position_margin_total(self) -> Decimal:
        return sum((self.position_initial_margin(p) for p in self.positions.values()), ZERO)

    def available_balance(self) -> Decimal:
        return (
            self.wallet
            + self.cross_unrealized_pnl()
            - self.position_margin_total()
            - self.open_order_margin()
        )

    def liquidation_price(self, position: Position) -> Decimal:
        """Binance's one-way formula for a single position (isolated, or cross on its own)."""
        if not position.amount:
            return ZERO
        market = self.exchange.markets[position.symbol]
        qty = abs(position.amount)
        side = 1 if position.amount > 0 else -1
        tier = market.tier_for(qty * position.entry_price)
        if self.is_isolated(position.symbol):
            balance = position.isolated_margin
        else:
            others = [p for p in self.positions.values() if p is not position and p.amount]
            balance = (
                self.wallet
                - self.isolated_margin_total()
                + sum((self.unrealized_pnl(p) for p in others
                       if not self.is_isolated(p.symbol)), ZERO)
            )
        denominator = qty * tier.maintenance_margin_rate - side * qty
        numerator = balance + tier.maintenance_amount - side * qty * position.entry_price
        price = numerator / denominator
        return max(price, ZERO)

    # Validation ---------------------------------------------------------------------------

    def _check_price(self, market: Market, value: Decimal, name: str) -> None:
        if _decimals(value) > market.price_precision:
            raise BinanceError(Code.BAD_PRECISION)
        if value <= 0:
            raise illegal(name)
        if value % market.tick_size:
            raise filter_failure("PRICE_FILTER")

    def _check_quantity(self, market: Market, quantity: Decimal | None, is_market: bool) -> Decimal:
        if quantity is None:
            raise mandatory("quantity")
        if _decimals(quantity) > market.quantity_precision:
            raise BinanceError(Code.BAD_PRECISION)
        if quantity <= 0:
            raise BinanceError(Code.QTY_NOT_POSITIVE)
        if quantity < market.min_qty or quantity % market.step_size:
            raise filter_failure("LOT_SIZE")
        if is_market and quantity > market.market_max_qty:
            raise filter_failure("MARKET_LOT_SIZE")
        if quantity > market.max_qty:
            raise filter_failure("LOT_SIZE")
        return quantity

    def _check_client_id(self, client_id: str | None, open_ids: Iterable[str]) -> str:
        if client_id is None:
            client_id = f"emu{self.exchange.next_id()}"
        if not CLIENT_ID_PATTERN.match(client_id):
            raise illegal("newClientOrderId")
        if client_id in open_ids:
            raise BinanceError(Code.DUPLICATE_CLIENT_ORDER_ID)
        return client_id

    def _check_reduce_only(self, symbol: str, side: str) -> None:
        """A reduce-only order must face a position it can reduce."""
        amount = self.position(symbol).amount
        if not amount or (amount > 0) == (side == "BUY"):
            raise BinanceError(Code.REDUCE_ONLY_REJECTED)

    def _check_margin(self, market: Market, side: str, quantity: Decimal, price: Decimal) -> None:
        """The part of an order that opens or increases a position needs initial margin."""
        amount = self.position(market.symbol).amount
        closing = min(quantity, abs(amount)) if amount and (amount > 0) != (side == "BUY") else ZERO
        opening = quantity - closing
        if not opening:
            return
        required = opening * price / self.leverage_for(market.symbol)
        required += quantity * price * self.exchange.fees.taker
        if required > self.available_balance():
            raise BinanceError(Code.MARGIN_INSUFFICIENT)

    # Orders -------------------------------------------------------------------------------

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self.orders.values()
                if o.is_open and (symbol is None or o.symbol == symbol)]

    def open_algo_orders(self, symbol: str | None = None) -> list[AlgoOrder]:
        return [a for a in self.algo_orders.values()
                if a.is_open and (symbol is None or a.symbol == symbol)]

    def new_order(self, request: OrderRequest) -> Order:
        """POST /fapi/v1/order: MARKET and LIMIT; conditional types belong to the algo API."""
        market = self.exchange.market(request.symbol)
        if request.side not in ("BUY", "SELL"):
            raise illegal("side")
        if request.type in CONDITIONAL_ORDER_TYPES:
            raise BinanceError(Code.USE_ALGO_ENDPOINT)
        if request.type not in ("MARKET", "LIMIT"):
            raise illegal("type")
        is_market = request.type == "MARKET"
        quantity = self._check_quantity(market, request.quantity, is_market)
        if is_market:
            price = ZERO
            reference = self._taker_price(market.symbol, request.side)
        else:
            if request.price is None:
                raise mandatory("price")
            self._check_price(market, request.price, "price")
            price = reference = request.price
        if not request.reduce_only and quantity * reference < market.min_notional:
            raise notional_too_small(f"{market.min_notional.normalize():f}")
        client_id = self._check_client_id(
            request.client_id, (o.client_order_id for o in self.open_orders())
        )
        if request.reduce_only:
            self._check_reduce_only(market.symbol, request.side)
        else:
            self._check_margin(market, request.side, quantity, reference)
        now = self.exchange.clock()
        order = Order(
            order_id=self.exchange.next_id(),
            client_order_id=client_id,
            symbol=market.symbol,
            side=request.side,
            type=request.type,
            orig_type=request.type,
            quantity=quantity,
            price=price,
            stop_price=ZERO,
            reduce_only=request.reduce_only,
            close_position=False,
            time_in_force="GTC" if is_market else request.time_in_force,
            working_type="CONTRACT_PRICE",
            time=now,
            update_time=now,
        )
        if request.time_in_force == "GTX" and not is_market and self._marketable(order):
            order.status = "EXPIRED"
        self._accept(order)
        return order

    def _accept(self, order: Order) -> None:
        self.orders[order.order_id] = order
        self.accepted_client_ids.append(order.client_order_id)
        if order.status != "NEW":
            return
        if order.type == "MARKET" or self._marketable(order):
            self._execute(order, self._taker_price(order.symbol, order.side), maker=False)

    def _taker_price(self, symbol: str, side: str) -> Decimal:
        if side == "BUY":
            return self.exchange.best_ask(symbol)
        return self.exchange.best_bid(symbol)

    def _marketable(self, order: Order) -> bool:
        if order.side == "BUY":
            return self.exchange.best_ask(order.symbol) <= order.price
        return self.exchange.best_bid(order.symbol) >= order.price

    def _execute(self, order: Order, price: Decimal, maker: bool) -> None:
        """Fill what is left of an order; reduce-only orders never exceed the position."""
        quantity = order.remaining
        position = self.position(order.symbol)
        if order.reduce_only:
            facing = position.amount and (position.amount > 0) != (order.side == "BUY")
            quantity = min(quantity, abs(position.amount)) if facing else ZERO
            if not quantity:
                order.status = "EXPIRED"
                order.update_time = self.exchange.clock()
                return
            # The venue trims a reduce-only order to the position it closes.
            order.quantity = order.executed_qty + quantity
        self._fill(order, quantity, price, maker)

    def _fill(self, order: Order, quantity: Decimal, price: Decimal, maker: bool) -> None:
        exchange = self.exchange
        now = exchange.clock()
        position = self.position(order.symbol)
        signed = quantity * _sign(order.side)
        leverage = self.leverage_for(order.symbol)
        realized = ZERO
        if position.amount and (position.amount > 0) != (signed > 0):
            closing = min(quantity, abs(position.amount))
            direction = 1 if position.amount > 0 else -1
            realized = (price - position.entry_price) * closing * direction
            if self.is_isolated(order.symbol):
                released = position.isolated_margin * closing / abs(position.amount)
                position.isolated_margin -= released
            position.amount += closing * _sign(order.side)
            if not position.amount:
                position.entry_price = ZERO
                position.isolated_margin = ZERO
            opening = quantity - closing
        else:
            opening = quantity
        if opening:
            new_amount = position.amount + opening * _sign(order.side)
            position.entry_price = (
                abs(position.amount) * position.entry_price + opening * price
            ) / abs(new_amount)
            position.amount = new_amount
            if self.is_isolated(order.symbol):
                position.isolated_margin += opening * price / leverage
        rate = exchange.fees.maker if maker else exchange.fees.taker
        commission = quantity * price * rate
        self.wallet += realized - commission
        position.update_time = now
        self.update_time = now
        order.executed_qty += quantity
        order.cum_quote += quantity * price
        order.status = "FILLED" if order.executed_qty >= order.quantity else "PARTIALLY_FILLED"
        order.update_time = now
        fill = Fill(exchange.next_id(), order.order_id, order.symbol, order.side, price,
                    quantity, commission, realized, maker, now)
        self.fills.append(fill)
        if realized:
            self.income.append(Income(exchange.next_id(), order.symbol, "REALIZED_PNL",
                                      realized, now, str(fill.trade_id)))
        self.income.append(Income(exchange.next_id(), order.symbol, "COMMISSION",
                                  -commission, now, str(fill.trade_id)))

    def find_order(self, order_id: int | None, client_id: str | None) -> Order:
        if order_id is not None and order_id in self.orders:
            return self.orders[order_id]
        if client_id is not None:
            matches = [o for o in self.orders.values() if o.client_order_id == client_id]
            if matches:
                return max(matches, key=lambda o: (o.is_open, o.order_id))
        raise BinanceError(Code.NO_SUCH_ORDER)

    def cancel_order(self, order_id: int | None, client_id: str | None) -> Order:
        try:
            order = self.find_order(order_id, client_id)
        except BinanceError:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL) from None
        if not order.is_open:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL)
        order.status = "CANCELED"
        order.update_time = self.exchange.clock()
        return order

    def cancel_all_orders(self, symbol: str) -> None:
        self.exchange.market(symbol)
        for order in self.open_orders(symbol):
            order.status = "CANCELED"
            order.update_time = self.exchange.clock()

    # Algo (conditional) orders ------------------------------------------------------------

    def new_algo_order(self, request: OrderRequest) -> AlgoOrder:
        """POST /fapi/v1/algoOrder with algoType=CONDITIONAL."""
        market = self.exchange.market(request.symbol)
        if request.side not in ("BUY", "SELL"):
            raise illegal("side")
        if request.type not in STOP_TYPES | TAKE_PROFIT_TYPES:
            raise illegal("type")
        if request.trigger_price is None:
            raise mandatory("triggerPrice")
        self._check_price(market, request.trigger_price, "triggerPrice")
        is_market = request.type.endswith("_MARKET")
        price = ZERO
        if not is_market:
            if request.price is None:
                raise mandatory("price")
            self._check_price(market, request.price, "price")
            price = request.price
        if request.close_position:
            if request.quantity is not None:
                raise illegal("quantity")
            if request.reduce_only:
                raise illegal("reduceOnly")
            quantity = ZERO
        else:
            quantity = self._check_quantity(market, request.quantity, is_market)
            if not request.reduce_only and quantity * request.trigger_price < market.min_notional:
                raise notional_too_small(f"{market.min_notional.normalize():f}")
        if request.working_type not in ("MARK_PRICE", "CONTRACT_PRICE"):
            raise illegal("workingType")
        client_id = self._check_client_id(
            request.client_id, (a.client_algo_id for a in self.open_algo_orders())
        )
        if request.reduce_only or request.close_position:
            self._check_reduce_only(market.symbol, request.side)
        now = self.exchange.clock()
        algo = AlgoOrder(
            algo_id=self.exchange.next_id(),
            client_algo_id=client_id,
            symbol=market.symbol,
            side=request.side,
            order_type=request.type,
            quantity=quantity,
            trigger_price=request.trigger_price,
            price=price,
            working_type=request.working_type,
            reduce_only=request.reduce_only or request.close_position,
            close_position=request.close_position,
            time_in_force=request.time_in_force,
            create_time=now,
            update_time=now,
        )
        if algo.is_triggered_by(self._reference_price(algo)):
            raise BinanceError(Code.WOULD_IMMEDIATELY_TRIGGER)
        self.algo_orders[algo.algo_id] = algo
        self.accepted_client_ids.append(client_id)
        return algo

    def _reference_price(self, algo: AlgoOrder) -> Decimal:
        if algo.working_type == "MARK_PRICE":
            return self.exchange.mark_price(algo.symbol)
        return self.exchange.last_price(algo.symbol)

    def _trigger(self, algo: AlgoOrder) -> None:
        """The venue turns a triggered conditional into a real order and fills it if it can."""
        now = self.exchange.clock()
        position = self.position(algo.symbol)
        quantity = abs(position.amount) if algo.close_position else algo.quantity
        is_market = algo.order_type.endswith("_MARKET")
        order = Order(
            order_id=self.exchange.next_id(),
            client_order_id=algo.client_algo_id,
            symbol=algo.symbol,
            side=algo.side,
            type="MARKET" if is_market else "LIMIT",
            orig_type=algo.order_type,
            quantity=quantity,
            price=algo.price,
            stop_price=algo.trigger_price,
            reduce_only=algo.reduce_only,
            close_position=algo.close_position,
            time_in_force=algo.time_in_force,
            working_type=algo.working_type,
            time=now,
            update_time=now,
        )
        if not quantity:
            order.status = "EXPIRED"
        elif not algo.reduce_only:
            try:
                self._check_margin(self.exchange.markets[algo.symbol], algo.side, quantity,
                                   self._taker_price(algo.symbol, algo.side))
            except BinanceError:
                order.status = "REJECTED"
        self.orders[order.order_id] = order
        if order.status == "NEW" and (is_market or self._marketable(order)):
            self._execute(order, self._taker_price(order.symbol, order.side), maker=False)
        algo.status = "FINISHED"
        algo.trigger_time = now
        algo.update_time = now
        algo.actual_order_id = order.order_id
        algo.actual_price = order.avg_price

    def find_algo_order(self, algo_id: int | None, client_id: str | None) -> AlgoOrder:
        if algo_id is not None and algo_id in self.algo_orders:
            return self.algo_orders[algo_id]
        if client_id is not None:
            matches = [a for a in self.algo_orders.values() if a.client_algo_id == client_id]
            if matches:
                return max(matches, key=lambda a: (a.is_open, a.algo_id))
        raise BinanceError(Code.NO_SUCH_ORDER)

    def cancel_algo_order(self, algo_id: int | None, client_id: str | None) -> AlgoOrder:
        try:
            algo = self.find_algo_order(algo_id, client_id)
        except BinanceError:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL) from None
        if not algo.is_open:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL)
        algo.status = "CANCELED"
        algo.update_time = self.exchange.clock()
        return algo

    def cancel_all_algo_orders(self, symbol: str) -> None:
        self.exchange.market(symbol)
        for algo in self.open_algo_orders(symbol):
            algo.status = "CANCELED"
            algo.update_time = self.exchange.clock()

    # Price reactions ----------------------------------------------------------------------

    def on_price(self, symbol: str) -> None:
        """Fire crossed conditionals (oldest first), then fill crossed resting limits."""
        for algo in sorted(self.open_algo_orders(symbol), key=lambda a: a.algo_id):
            if algo.is_open and algo.is_triggered_by(self._reference_price(algo)):
                self._trigger(algo)
        for order in self.open_orders(symbol):
            if order.type == "LIMIT" and self._marketable(order):
                self._execute(order, order.price, maker=True)
