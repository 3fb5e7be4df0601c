"""Order matching for plain orders (``/fapi/v1/order``): acceptance, execution against the
symbol's finite book, and what a fill does to the position.

Takers walk the book level by level (MARKET orders until filled or the book ends, LIMIT orders up
to their price); what a MARKET or IOC order cannot fill expires, what a GTC LIMIT cannot fill
rests. A resting LIMIT fills as maker at its own price when the last price trades through it, up
to the liquidity the book shows on the far side at that price, so a thin book fills it in parts.
A fill moves the position (entry price, isolated margin), realises PnL and costs a commission.

Everything here decides and returns (a ``Placement``, a ``Take``, an ``Execution``); the
``Exchange`` applies it, consuming the book and writing the ledger and the journal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from binance_emulator.venue import rules
from binance_emulator.venue.account import Account
from binance_emulator.venue.book import Book, Level
from binance_emulator.venue.errors import BinanceError, Code, illegal, mandatory
from binance_emulator.venue.markets import CONDITIONAL_ORDER_TYPES, Market
from binance_emulator.venue.models import ZERO, Order, OrderRequest, Position, side_sign
from binance_emulator.venue.quotes import Quotes


@dataclass(frozen=True)
class Placement:
    """A new order the venue accepts, and whether it takes liquidity at once."""

    order: Order
    takes: bool


@dataclass(frozen=True)
class Take:
    """What one order takes from its symbol's book now, judged against the position and the book
    as they stand."""

    order: Order
    # What may fill now; a reduce-only order is trimmed to the position it closes.
    quantity: Decimal
    side: str  # of the book: "asks" for a buy
    levels: list[Level]
    maker: bool

    @property
    def trimmed_quantity(self) -> Decimal | None:
        """The order's new size when a reduce-only order is cut to its position, else None."""
        if self.order.reduce_only and self.quantity:
            return self.order.executed_qty + self.quantity
        return None


@dataclass(frozen=True)
class Execution:
    """One fill as the venue prices it: the position it leaves, the PnL it realises, its fee."""

    quantity: Decimal
    price: Decimal
    maker: bool
    amount: Decimal
    entry_price: Decimal
    isolated_margin: Decimal
    realized_pnl: Decimal
    commission: Decimal


def new_order(account: Account, request: OrderRequest, market: Market, quotes: Quotes,
              book: Book, taker_fee: Decimal, next_id: Callable[[], int],
              now: int) -> Placement:
    """POST /fapi/v1/order: MARKET and LIMIT; conditional types belong to the algo API."""
    rules.check_common(request)
    if request.type in CONDITIONAL_ORDER_TYPES:
        raise BinanceError(Code.USE_ALGO_ENDPOINT)
    if request.type not in ("MARKET", "LIMIT"):
        raise illegal("type")
    is_market = request.type == "MARKET"
    quantity = rules.check_quantity(market, request.quantity, is_market)
    mark = quotes.mark(market.symbol)
    if is_market:
        price = ZERO
        reference = quotes.taker_price(market.symbol, request.side)
        rules.check_market_percent_price(market, request.side, reference, mark)
        time_in_force = "GTC"
    else:
        if request.price is None:
            raise mandatory("price")
        if request.time_in_force is None:
            raise mandatory("timeInForce")
        rules.check_price(market, request.price, "price")
        rules.check_percent_price(market, request.side, request.price, mark)
        price = reference = request.price
        time_in_force = request.time_in_force
    rules.check_min_notional(market, request, quantity, reference)
    client_id = rules.check_client_id(
        request.client_id, (o.client_order_id for o in account.open_orders()), next_id
    )
    if request.reduce_only:
        rules.check_reduce_only(account, market.symbol, request.side)
    else:
        rules.check_margin(account, quotes, market, request.side, quantity, reference, taker_fee)
        rules.check_position_cap(account, market, request.side, quantity, reference)
    order = Order(
        order_id=next_id(), client_order_id=client_id, symbol=market.symbol,
        side=request.side, type=request.type, orig_type=request.type, quantity=quantity,
        price=price, stop_price=ZERO, reduce_only=request.reduce_only, close_position=False,
        time_in_force=time_in_force, working_type="CONTRACT_PRICE", time=now, update_time=now,
    )
    crosses = not is_market and marketable(order, quotes)
    if crosses and time_in_force == "GTX":
        raise BinanceError(Code.POST_ONLY_REJECTED)
    if crosses and time_in_force == "FOK" and book.available(
            _far_side(order), quotes.last(order.symbol), order.price) < quantity:
        raise BinanceError(Code.FOK_REJECTED)
    return Placement(order, takes=is_market or crosses)


def marketable(order: Order, quotes: Quotes) -> bool:
    if order.side == "BUY":
        return quotes.best_ask(order.symbol) <= order.price
    return quotes.best_bid(order.symbol) >= order.price


def _far_side(order: Order) -> str:
    return "asks" if order.side == "BUY" else "bids"


def _fillable(order: Order, position: Position) -> Decimal:
    """What is left to fill; a reduce-only order only what closes the position."""
    if not order.reduce_only:
        return order.remaining
    facing = position.amount and (position.amount > 0) != (order.side == "BUY")
    return min(order.remaining, abs(position.amount)) if facing else ZERO


def as_taker(order: Order, position: Position, book: Book, last: Decimal) -> Take:
    """Execution as taker: walk the book up to the order's limit (a MARKET order: no limit)."""
    quantity = _fillable(order, position)
    limit = None if order.type == "MARKET" else order.price
    levels = book.quote(_far_side(order), last, quantity, limit) if quantity else []
    return Take(order, quantity, _far_side(order), levels, maker=False)


def as_maker(order: Order, position: Position, book: Book, last: Decimal) -> Take:
    """A resting limit the price traded through: what the far side shows up to its price."""
    quantity = _fillable(order, position)
    levels = book.quote(_far_side(order), last, quantity, order.price) if quantity else []
    return Take(order, quantity, _far_side(order), levels, maker=True)


def rest_expires(order: Order) -> bool:
    """After taking: what a MARKET, IOC or FOK order could not fill expires; a GTC limit rests."""
    return order.remaining > 0 and order.is_open and (
        order.type == "MARKET" or order.time_in_force in ("IOC", "FOK")
    )


def execute(order: Order, position: Position, isolated: bool, leverage: int,
            quantity: Decimal, price: Decimal, maker: bool, fee_rate: Decimal) -> Execution:
    """Price one fill of ``order``: what closes the position realises PnL (and releases isolated
    margin pro rata), what opens it moves the entry price (and locks isolated margin)."""
    amount, entry, locked = position.amount, position.entry_price, position.isolated_margin
    realized = ZERO
    opening = quantity
    if amount and (amount > 0) != (order.side == "BUY"):
        closing = min(quantity, abs(amount))
        direction = 1 if amount > 0 else -1
        realized = (price - entry) * closing * direction
        if isolated:
            locked -= locked * closing / abs(amount)
        amount += closing * side_sign(order.side)
        if not amount:
            entry = ZERO
            locked = ZERO
        opening = quantity - closing
    if opening:
        new_amount = amount + opening * side_sign(order.side)
        entry = (abs(amount) * entry + opening * price) / abs(new_amount)
        amount = new_amount
        if isolated:
            locked += opening * price / leverage
    return Execution(quantity, price, maker, amount, entry, locked, realized,
                     quantity * price * fee_rate)


def check_modify(order: Order, side: str, quantity: Decimal | None, price: Decimal | None,
                 market: Market, mark: Decimal) -> tuple[Decimal, Decimal]:
    """PUT /fapi/v1/order: new price and quantity for an open LIMIT order; a change that fails
    a filter is refused and leaves the order as it was. The new (quantity, price)."""
    if not order.is_open:
        raise BinanceError(Code.NO_SUCH_ORDER)
    if order.type != "LIMIT" or order.orig_type != "LIMIT":
        raise BinanceError(Code.LIMIT_ORDER_ONLY)
    if side != order.side:
        raise illegal("side")
    if quantity is None:
        raise mandatory("quantity")
    if price is None:
        raise mandatory("price")
    rules.check_price(market, price, "price")
    rules.check_quantity(market, quantity, is_market=False)
    rules.check_percent_price(market, side, price, mark)
    if quantity == order.quantity and price == order.price:
        raise BinanceError(Code.NOTHING_TO_MODIFY)
    return quantity, price


def modify_cancels(order: Order, crosses: bool) -> bool:
    """A modified order at or below what already filled, or post-only that would now take, is
    cancelled instead."""
    return order.quantity <= order.executed_qty or (crosses and order.time_in_force == "GTX")
