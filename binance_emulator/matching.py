"""Order matching for plain orders (``/fapi/v1/order``): acceptance, execution and fills.

A fill moves the position (entry price, isolated margin), realises PnL, charges the fee and
writes the userTrades and income rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from binance_emulator import rules
from binance_emulator.errors import BinanceError, Code, illegal, mandatory, notional_too_small
from binance_emulator.markets import CONDITIONAL_ORDER_TYPES
from binance_emulator.models import ZERO, Fill, Income, Order, OrderRequest, side_sign

if TYPE_CHECKING:
    from binance_emulator.account import Account


def new_order(account: Account, request: OrderRequest) -> Order:
    """POST /fapi/v1/order: MARKET and LIMIT; conditional types belong to the algo API."""
    exchange = account.exchange
    market = exchange.market(request.symbol)
    if request.side not in ("BUY", "SELL"):
        raise illegal("side")
    if request.type in CONDITIONAL_ORDER_TYPES:
        raise BinanceError(Code.USE_ALGO_ENDPOINT)
    if request.type not in ("MARKET", "LIMIT"):
        raise illegal("type")
    is_market = request.type == "MARKET"
    quantity = rules.check_quantity(market, request.quantity, is_market)
    if is_market:
        price = ZERO
        reference = taker_price(account, market.symbol, request.side)
    else:
        if request.price is None:
            raise mandatory("price")
        rules.check_price(market, request.price, "price")
        price = reference = request.price
    if not request.reduce_only and quantity * reference < market.min_notional:
        raise notional_too_small(f"{market.min_notional.normalize():f}")
    client_id = rules.check_client_id(
        account, request.client_id, (o.client_order_id for o in account.open_orders())
    )
    if request.reduce_only:
        rules.check_reduce_only(account, market.symbol, request.side)
    else:
        rules.check_margin(account, market, request.side, quantity, reference)
    now = exchange.clock()
    order = Order(
        order_id=exchange.next_id(),
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
    if request.time_in_force == "GTX" and not is_market and marketable(account, order):
        order.status = "EXPIRED"
    account.orders[order.order_id] = order
    account.accepted_client_ids.append(order.client_order_id)
    if order.status == "NEW" and (is_market or marketable(account, order)):
        execute(account, order, taker_price(account, order.symbol, order.side), maker=False)
    return order


def taker_price(account: Account, symbol: str, side: str) -> Decimal:
    if side == "BUY":
        return account.exchange.best_ask(symbol)
    return account.exchange.best_bid(symbol)


def marketable(account: Account, order: Order) -> bool:
    if order.side == "BUY":
        return account.exchange.best_ask(order.symbol) <= order.price
    return account.exchange.best_bid(order.symbol) >= order.price


def execute(account: Account, order: Order, price: Decimal, maker: bool) -> None:
    """Fill what is left of an order; reduce-only orders never exceed the position."""
    quantity = order.remaining
    position = account.position(order.symbol)
    if order.reduce_only:
        facing = position.amount and (position.amount > 0) != (order.side == "BUY")
        quantity = min(quantity, abs(position.amount)) if facing else ZERO
        if not quantity:
            order.status = "EXPIRED"
            order.update_time = account.exchange.clock()
            return
        # The venue trims a reduce-only order to the position it closes.
        order.quantity = order.executed_qty + quantity
    fill(account, order, quantity, price, maker)


def fill(account: Account, order: Order, quantity: Decimal, price: Decimal, maker: bool) -> None:
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
    rate = exchange.fees.maker if maker else exchange.fees.taker
    commission = quantity * price * rate
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
    account.income.append(Income(exchange.next_id(), order.symbol, "COMMISSION",
                                 -commission, now, str(trade.trade_id)))


def fill_crossed_limits(account: Account, symbol: str) -> None:
    """Resting limits the new price trades through fill as maker at their own price."""
    for order in account.open_orders(symbol):
        if order.type == "LIMIT" and marketable(account, order):
            execute(account, order, order.price, maker=True)
