"""Order matching for plain orders (``/fapi/v1/order``): acceptance, execution against the
symbol's finite book, and fills.

Takers walk the book level by level (MARKET orders until filled or the book ends, LIMIT orders up
to their price); what a MARKET or IOC order cannot fill expires, what a GTC LIMIT cannot fill
rests. A resting LIMIT fills as maker at its own price when the last price trades through it, up
to the liquidity the book shows on the far side at that price, so a thin book fills it in parts.
A fill moves the position (entry price, isolated margin), realises PnL, charges the fee and
writes the userTrades, income and journal rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from binance_emulator.venue import rules
from binance_emulator.venue.errors import BinanceError, Code, illegal, mandatory
from binance_emulator.venue.markets import CONDITIONAL_ORDER_TYPES
from binance_emulator.venue.models import ZERO, Fill, Income, Order, OrderRequest, side_sign

if TYPE_CHECKING:
    from binance_emulator.venue.account import Account


def new_order(account: Account, request: OrderRequest) -> Order:
    """POST /fapi/v1/order: MARKET and LIMIT; conditional types belong to the algo API."""
    exchange = account.exchange
    market = exchange.market(request.symbol)
    rules.check_common(request)
    if request.type in CONDITIONAL_ORDER_TYPES:
        raise BinanceError(Code.USE_ALGO_ENDPOINT)
    if request.type not in ("MARKET", "LIMIT"):
        raise illegal("type")
    is_market = request.type == "MARKET"
    quantity = rules.check_quantity(market, request.quantity, is_market)
    mark = exchange.mark_price(market.symbol)
    if is_market:
        price = ZERO
        reference = taker_price(account, market.symbol, request.side)
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
        account, request.client_id, (o.client_order_id for o in account.open_orders())
    )
    if request.reduce_only:
        rules.check_reduce_only(account, market.symbol, request.side)
    else:
        rules.check_margin(account, market, request.side, quantity, reference)
        rules.check_position_cap(account, market, request.side, quantity, reference)
    now = exchange.clock()
    order = Order(
        order_id=exchange.next_id(), client_order_id=client_id, symbol=market.symbol,
        side=request.side, type=request.type, orig_type=request.type, quantity=quantity,
        price=price, stop_price=ZERO, reduce_only=request.reduce_only, close_position=False,
        time_in_force=time_in_force, working_type="CONTRACT_PRICE", time=now, update_time=now,
    )
    crosses = not is_market and marketable(account, order)
    if crosses and time_in_force == "GTX":
        raise BinanceError(Code.POST_ONLY_REJECTED)
    if crosses and time_in_force == "FOK" and _available(account, order) < quantity:
        raise BinanceError(Code.FOK_REJECTED)
    accept(account, order)
    account.accepted_client_ids.append(order.client_order_id)
    if is_market or crosses:
        take(account, order)
    return order


def accept(account: Account, order: Order) -> None:
    """The order is on the venue: stored, queryable, journaled."""
    account.store_order(order)
    account.exchange.journal.record(
        account.api_key, "order_created", symbol=order.symbol, order_id=order.order_id,
        client_id=order.client_order_id, side=order.side, type=order.type,
        orig_type=order.orig_type, qty=order.quantity, price=order.price,
        stop_price=order.stop_price or None, time_in_force=order.time_in_force,
        reduce_only=order.reduce_only,
    )


def taker_price(account: Account, symbol: str, side: str) -> Decimal:
    if side == "BUY":
        return account.exchange.best_ask(symbol)
    return account.exchange.best_bid(symbol)


def marketable(account: Account, order: Order) -> bool:
    if order.side == "BUY":
        return account.exchange.best_ask(order.symbol) <= order.price
    return account.exchange.best_bid(order.symbol) >= order.price


def _far_side(order: Order) -> str:
    return "asks" if order.side == "BUY" else "bids"


def _available(account: Account, order: Order) -> Decimal:
    book = account.exchange.books[order.symbol]
    return book.available(_far_side(order), account.exchange.last_price(order.symbol),
                          order.price)


def _fillable(account: Account, order: Order) -> Decimal:
    """What is left to fill; a reduce-only order is trimmed to the position it closes."""
    if not order.reduce_only:
        return order.remaining
    position = account.position(order.symbol)
    facing = position.amount and (position.amount > 0) != (order.side == "BUY")
    quantity = min(order.remaining, abs(position.amount)) if facing else ZERO
    if quantity:
        order.quantity = order.executed_qty + quantity
    return quantity


def take(account: Account, order: Order) -> None:
    """Execute as taker against the book; MARKET and IOC/FOK leftovers expire."""
    quantity = _fillable(account, order)
    if not quantity:
        account.close_order(order, "EXPIRED", reason="reduce_only")
        return
    exchange = account.exchange
    limit = None if order.type == "MARKET" else order.price
    for price, qty in exchange.books[order.symbol].take(
        _far_side(order), exchange.last_price(order.symbol), quantity, limit
    ):
        fill(account, order, qty, price, maker=False)
    if order.remaining > 0 and order.is_open and (
        order.type == "MARKET" or order.time_in_force in ("IOC", "FOK")
    ):
        account.close_order(order, "EXPIRED", reason="no_liquidity")


def fill(account: Account, order: Order, quantity: Decimal, price: Decimal, maker: bool,
         fee_rate: Decimal | None = None) -> None:
    exchange = account.exchange
    now = exchange.clock()
    position = account.position(order.symbol)
    isolated = account.is_isolated(order.symbol)
    realized = ZERO
    opening = quantity
    if position.amount and (position.amount > 0) != (order.side == "BUY"):
        closing = min(quantity, abs(position.amount))
        direction = 1 if position.amount > 0 else -1
        realized = (price - position.entry_price) * closing * direction
        if isolated:
            position.isolated_margin -= position.isolated_margin * closing / abs(position.amount)
        position.amount += closing * side_sign(order.side)
        if not position.amount:
            position.entry_price = ZERO
            position.isolated_margin = ZERO
        opening = quantity - closing
    if opening:
        new_amount = position.amount + opening * side_sign(order.side)
        position.entry_price = (
            abs(position.amount) * position.entry_price + opening * price
        ) / abs(new_amount)
        position.amount = new_amount
        if isolated:
            position.isolated_margin += opening * price / account.leverage_for(order.symbol)
    if fee_rate is None:
        fee_rate = exchange.fees.maker if maker else exchange.fees.taker
    commission = quantity * price * fee_rate
    account.wallet += realized - commission
    position.update_time = now
    account.update_time = now
    order.executed_qty += quantity
    order.cum_quote += quantity * price
    order.status = "FILLED" if order.executed_qty >= order.quantity else "PARTIALLY_FILLED"
    order.update_time = now
    trade = Fill(exchange.next_id(), order.order_id, order.symbol, order.side, price,
                 quantity, commission, realized, maker, now)
    account.fills.append(trade)
    if realized:
        account.income.append(Income(exchange.next_id(), order.symbol, "REALIZED_PNL",
                                     realized, now, str(trade.trade_id)))
    if commission:
        account.income.append(Income(exchange.next_id(), order.symbol, "COMMISSION",
                                     -commission, now, str(trade.trade_id)))
    exchange.journal.record(
        account.api_key, "order_filled", symbol=order.symbol, order_id=order.order_id,
        client_id=order.client_order_id, side=order.side, qty=quantity, price=price,
        maker=maker, status=order.status, position_after=position.amount,
    )
    if order.status == "FILLED":
        account.finish_parent(order)


def fill_crossed_limits(account: Account, symbol: str) -> None:
    """Resting limits the new price trades through fill as maker at their own price, as far as
    the book on the far side reaches to that price."""
    exchange = account.exchange
    for order in account.open_orders(symbol):
        if order.type != "LIMIT" or not marketable(account, order):
            continue
        quantity = _fillable(account, order)
        if not quantity:
            account.close_order(order, "EXPIRED", reason="reduce_only")
            continue
        taken = exchange.books[symbol].take(_far_side(order), exchange.last_price(symbol),
                                            quantity, order.price)
        filled = sum((qty for _, qty in taken), ZERO)
        if filled:
            fill(account, order, filled, order.price, maker=True)


def modify_order(account: Account, order: Order, side: str, quantity: Decimal | None,
                 price: Decimal | None) -> Order:
    """PUT /fapi/v1/order: new price and quantity for an open LIMIT order.

    A change that fails a filter is refused and leaves the order as it was; a quantity at or
    below what already filled, or a post-only price that would now take, cancels the order.
    """
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
    market = account.exchange.markets[order.symbol]
    rules.check_price(market, price, "price")
    rules.check_quantity(market, quantity, is_market=False)
    rules.check_percent_price(market, side, price, account.exchange.mark_price(order.symbol))
    if quantity == order.quantity and price == order.price:
        raise BinanceError(Code.NOTHING_TO_MODIFY)
    old_qty, old_price = order.quantity, order.price
    order.quantity, order.price = quantity, price
    order.update_time = account.exchange.clock()
    account.exchange.journal.record(
        account.api_key, "order_modified", symbol=order.symbol, order_id=order.order_id,
        client_id=order.client_order_id, qty=quantity, price=price, old_qty=old_qty,
        old_price=old_price,
    )
    crosses = marketable(account, order)
    if quantity <= order.executed_qty or (crosses and order.time_in_force == "GTX"):
        account.close_order(order, "CANCELED", reason="modify")
    elif crosses:
        take(account, order)
    return order
