"""Conditional (algo) orders: acceptance on ``/fapi/v1/algoOrder`` and what a trigger does.

A triggered conditional becomes a real order in the matching engine (``actualOrderId``), filled
there as any other order.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from binance_emulator import matching, rules
from binance_emulator.errors import BinanceError, Code, illegal, mandatory, notional_too_small
from binance_emulator.models import (
    STOP_TYPES,
    TAKE_PROFIT_TYPES,
    ZERO,
    AlgoOrder,
    Order,
    OrderRequest,
)

if TYPE_CHECKING:
    from binance_emulator.account import Account


def new_algo_order(account: Account, request: OrderRequest) -> AlgoOrder:
    """POST /fapi/v1/algoOrder with algoType=CONDITIONAL."""
    exchange = account.exchange
    market = exchange.market(request.symbol)
    if request.side not in ("BUY", "SELL"):
        raise illegal("side")
    if request.type not in STOP_TYPES | TAKE_PROFIT_TYPES:
        raise illegal("type")
    if request.trigger_price is None:
        raise mandatory("triggerPrice")
    rules.check_price(market, request.trigger_price, "triggerPrice")
    is_market = request.type.endswith("_MARKET")
    price = ZERO
    if not is_market:
        if request.price is None:
            raise mandatory("price")
        rules.check_price(market, request.price, "price")
        price = request.price
    if request.close_position:
        if request.quantity is not None:
            raise illegal("quantity")
        if request.reduce_only:
            raise illegal("reduceOnly")
        quantity = ZERO
    else:
        quantity = rules.check_quantity(market, request.quantity, is_market)
        if not request.reduce_only and quantity * request.trigger_price < market.min_notional:
            raise notional_too_small(f"{market.min_notional.normalize():f}")
    if request.working_type not in ("MARK_PRICE", "CONTRACT_PRICE"):
        raise illegal("workingType")
    client_id = rules.check_client_id(
        account, request.client_id, (a.client_algo_id for a in account.open_algo_orders())
    )
    if request.reduce_only or request.close_position:
        rules.check_reduce_only(account, market.symbol, request.side)
    now = exchange.clock()
    algo = AlgoOrder(
        algo_id=exchange.next_id(),
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
    if algo.is_triggered_by(reference_price(account, algo)):
        raise BinanceError(Code.WOULD_IMMEDIATELY_TRIGGER)
    account.algo_orders[algo.algo_id] = algo
    account.accepted_client_ids.append(client_id)
    return algo


def reference_price(account: Account, algo: AlgoOrder) -> Decimal:
    if algo.working_type == "MARK_PRICE":
        return account.exchange.mark_price(algo.symbol)
    return account.exchange.last_price(algo.symbol)


def trigger(account: Account, algo: AlgoOrder) -> None:
    """The venue turns a triggered conditional into a real order and fills it if it can."""
    exchange = account.exchange
    now = exchange.clock()
    position = account.position(algo.symbol)
    quantity = abs(position.amount) if algo.close_position else algo.quantity
    is_market = algo.order_type.endswith("_MARKET")
    order = Order(
        order_id=exchange.next_id(),
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
            rules.check_margin(account, exchange.markets[algo.symbol], algo.side, quantity,
                               matching.taker_price(account, algo.symbol, algo.side))
        except BinanceError:
            order.status = "REJECTED"
    account.orders[order.order_id] = order
    if order.status == "NEW" and (is_market or matching.marketable(account, order)):
        matching.execute(account, order, matching.taker_price(account, order.symbol, order.side),
                         maker=False)
    algo.status = "FINISHED"
    algo.trigger_time = now
    algo.update_time = now
    algo.actual_order_id = order.order_id
    algo.actual_price = order.avg_price


def fire_crossed(account: Account, symbol: str) -> None:
    """Fire crossed conditionals of a symbol, oldest first."""
    for algo in sorted(account.open_algo_orders(symbol), key=lambda a: a.algo_id):
        if algo.is_open and algo.is_triggered_by(reference_price(account, algo)):
            trigger(account, algo)
