"""Conditional (algo) orders: acceptance on ``/fapi/v1/algoOrder`` and what a trigger does.

A triggered conditional becomes a real order in the matching engine (``actualOrderId``), filled
there as any other order.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from binance_emulator.venue import matching, rules
from binance_emulator.venue.errors import BinanceError, Code, illegal, mandatory
from binance_emulator.venue.models import (
    STOP_TYPES,
    TAKE_PROFIT_TYPES,
    ZERO,
    AlgoOrder,
    Order,
    OrderRequest,
)

if TYPE_CHECKING:
    from binance_emulator.venue.account import Account


def new_algo_order(account: Account, request: OrderRequest) -> AlgoOrder:
    """POST /fapi/v1/algoOrder with algoType=CONDITIONAL."""
    exchange = account.exchange
    market = exchange.market(request.symbol)
    rules.check_common(request)
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
        # Close-All is a STOP_MARKET / TAKE_PROFIT_MARKET alone: no quantity, no reduceOnly.
        if not is_market:
            raise BinanceError.of(Code.CLOSE_POSITION_TYPE_INVALID, order_type=request.type)
        if request.quantity is not None:
            raise BinanceError(Code.QUANTITY_WITH_CLOSE_POSITION)
        if request.reduce_only:
            raise BinanceError.of(Code.PARAM_NOT_REQUIRED, param="reduceonly")
        quantity = ZERO
    else:
        quantity = rules.check_quantity(market, request.quantity, is_market)
        rules.check_min_notional(market, request, quantity, request.trigger_price)
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
        time_in_force=request.time_in_force or "GTC",
        create_time=now,
        update_time=now,
    )
    if algo.is_triggered_by(reference_price(account, algo)):
        raise BinanceError(Code.WOULD_IMMEDIATELY_TRIGGER)
    account.store_algo_order(algo)
    account.accepted_client_ids.append(client_id)
    exchange.journal.record(
        account.api_key, "algo_created", symbol=algo.symbol, algo_id=algo.algo_id,
        client_id=client_id, side=algo.side, type=algo.order_type, qty=algo.quantity,
        trigger_price=algo.trigger_price, price=algo.price or None,
        working_type=algo.working_type, reduce_only=algo.reduce_only,
        close_position=algo.close_position,
    )
    return algo


def reference_price(account: Account, algo: AlgoOrder) -> Decimal:
    if algo.working_type == "MARK_PRICE":
        return account.exchange.mark_price(algo.symbol)
    return account.exchange.last_price(algo.symbol)


def trigger(account: Account, algo: AlgoOrder) -> None:
    """The venue turns a triggered conditional into a real order in the matching engine.

    TRIGGERED while that order rests there, FINISHED once it filled or expired, REJECTED (and no
    real order) when the matching engine refuses it, e.g. for want of margin.
    """
    exchange = account.exchange
    now = exchange.clock()
    algo.trigger_time = algo.update_time = now
    position = account.position(algo.symbol)
    quantity = abs(position.amount) if algo.close_position else algo.quantity
    is_market = algo.order_type.endswith("_MARKET")
    if quantity and not algo.reduce_only:
        try:
            rules.check_margin(account, exchange.markets[algo.symbol], algo.side, quantity,
                               matching.taker_price(account, algo.symbol, algo.side))
        except BinanceError as error:
            account.close_algo_order(algo, "REJECTED", reason=error.msg)
            return
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
        time_in_force="GTC" if is_market else algo.time_in_force,
        working_type=algo.working_type,
        time=now,
        update_time=now,
    )
    algo.actual_order_id = order.order_id
    account.algo_by_order[order.order_id] = algo
    algo.status = "TRIGGERED"
    exchange.journal.record(account.api_key, "algo_triggered", symbol=algo.symbol,
                            algo_id=algo.algo_id, client_id=algo.client_algo_id,
                            actual_order_id=order.order_id,
                            reference=reference_price(account, algo))
    matching.accept(account, order)
    if not quantity:
        account.close_order(order, "EXPIRED", reason="no_position")
    elif is_market or matching.marketable(account, order):
        matching.take(account, order)


def fire_crossed(account: Account, symbol: str, liquidation_first: Decimal | None = None) -> None:
    """Fire crossed conditionals of a symbol, oldest first.

    With ``liquidation_first`` (the position's liquidation price) conditionals the price reaches
    only after that level wait: on the way down (or up) the liquidation comes first.
    """
    amount = account.position(symbol).amount
    for found in sorted(account.open_algo_orders(symbol), key=lambda a: a.algo_id):
        if not found.is_open or not found.is_triggered_by(reference_price(account, found)):
            continue
        if liquidation_first and amount and (
            (amount > 0 and not found.fires_on_rise and found.trigger_price < liquidation_first)
            or (amount < 0 and found.fires_on_rise and found.trigger_price > liquidation_first)
        ):
            continue
        trigger(account, found)
