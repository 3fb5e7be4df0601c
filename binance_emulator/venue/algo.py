"""Conditional (algo) orders: acceptance on ``/fapi/v1/algoOrder`` and what a trigger does.

A triggered conditional becomes a real order in the matching engine (``actualOrderId``), filled
there as any other order. Everything here decides and returns; the ``Exchange`` applies it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from binance_emulator.venue import rules, trailing
from binance_emulator.venue.account import Account
from binance_emulator.venue.errors import BinanceError, Code, illegal, mandatory
from binance_emulator.venue.markets import Market
from binance_emulator.venue.models import (
    STOP_TYPES,
    TAKE_PROFIT_TYPES,
    TRAILING_TYPES,
    ZERO,
    AlgoOrder,
    Order,
    OrderRequest,
)
from binance_emulator.venue.quotes import Quotes

# The only types closePosition=true is accepted with (-4136 for the others, trailing included).
CLOSE_POSITION_TYPES = frozenset({"STOP_MARKET", "TAKE_PROFIT_MARKET"})


@dataclass(frozen=True)
class Trigger:
    """What a conditional's trigger makes: the real order handed to the matching engine, or the
    reason the matching engine refused it (then there is no real order)."""

    algo: AlgoOrder
    order: Order | None
    rejection: str | None = None


def new_algo_order(account: Account, request: OrderRequest, market: Market, quotes: Quotes,
                   next_id: Callable[[], int], now: int) -> AlgoOrder:
    """POST /fapi/v1/algoOrder with algoType=CONDITIONAL: the order the venue accepts."""
    rules.check_common(request)
    if request.type not in STOP_TYPES | TAKE_PROFIT_TYPES | TRAILING_TYPES:
        raise illegal("type")
    is_trailing = request.type in TRAILING_TYPES
    rate = rules.check_callback_rate(request.callback_rate) if is_trailing else None
    if not is_trailing:
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
        if request.type not in CLOSE_POSITION_TYPES:
            raise BinanceError.of(Code.CLOSE_POSITION_TYPE_INVALID, order_type=request.type)
        if request.quantity is not None:
            raise BinanceError(Code.QUANTITY_WITH_CLOSE_POSITION)
        if request.reduce_only:
            raise BinanceError.of(Code.PARAM_NOT_REQUIRED, param="reduceonly")
        quantity = ZERO
    else:
        quantity = rules.check_quantity(market, request.quantity, is_market)
        if not is_trailing:
            rules.check_min_notional(market, request, quantity, request.trigger_price)
    if request.working_type not in ("MARK_PRICE", "CONTRACT_PRICE"):
        raise illegal("workingType")
    reference = quotes.by_working_type(market.symbol, request.working_type)
    activate = ZERO
    trigger_price = request.trigger_price or ZERO
    if rate is not None:
        activate = trailing.activation(request, market, reference)
        trigger_price = trailing.trigger_price(market, request.side, activate, rate)
        rules.check_min_notional(market, request, quantity, activate)
    client_id = rules.check_client_id(
        request.client_id, (a.client_algo_id for a in account.open_algo_orders()), next_id
    )
    if request.reduce_only or request.close_position:
        rules.check_reduce_only(account, market.symbol, request.side)
    rules.check_algo_order_count(account, market)
    algo = AlgoOrder(
        algo_id=next_id(),
        client_algo_id=client_id,
        symbol=market.symbol,
        side=request.side,
        order_type=request.type,
        quantity=quantity,
        trigger_price=trigger_price,
        price=price,
        working_type=request.working_type,
        reduce_only=request.reduce_only or request.close_position,
        close_position=request.close_position,
        time_in_force=request.time_in_force or "GTC",
        create_time=now,
        update_time=now,
        callback_rate=rate,
        activate_price=activate,
    )
    if algo.is_triggered_by(reference):
        raise BinanceError(Code.WOULD_IMMEDIATELY_TRIGGER)
    return algo


def reference_price(algo: AlgoOrder, quotes: Quotes) -> Decimal:
    return quotes.by_working_type(algo.symbol, algo.working_type)


def trigger(account: Account, algo: AlgoOrder, quotes: Quotes, market: Market,
            taker_fee: Decimal, next_id: Callable[[], int], now: int) -> Trigger:
    """The real order a triggered conditional becomes: a close-position one for what the position
    is now; one that opens or increases a position only if the margin is there."""
    position = account.position(algo.symbol)
    quantity = abs(position.amount) if algo.close_position else algo.quantity
    is_market = algo.order_type.endswith("_MARKET")
    if quantity and not algo.reduce_only:
        try:
            rules.check_margin(account, quotes, market, algo.side, quantity,
                               quotes.taker_price(algo.symbol, algo.side), taker_fee)
        except BinanceError as error:
            return Trigger(algo, None, rejection=error.msg)
    order = Order(
        order_id=next_id(),
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
    return Trigger(algo, order)


def crossed(account: Account, symbol: str, quotes: Quotes,
            liquidation_first: Decimal | None = None) -> list[AlgoOrder]:
    """Open conditionals of a symbol the price has crossed, oldest first: the ones to fire.

    With ``liquidation_first`` (the position's liquidation price) conditionals the price reaches
    only after that level wait: on the way down (or up) the liquidation comes first.
    """
    amount = account.position(symbol).amount
    fired = []
    for found in sorted(account.open_algo_orders(symbol), key=lambda a: a.algo_id):
        if not found.is_open or not found.is_triggered_by(reference_price(found, quotes)):
            continue
        if liquidation_first and amount and (
            (amount > 0 and not found.fires_on_rise and found.trigger_price < liquidation_first)
            or (amount < 0 and found.fires_on_rise and found.trigger_price > liquidation_first)
        ):
            continue
        fired.append(found)
    return fired
