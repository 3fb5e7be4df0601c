"""Signed order calls: plain and algo orders, batches, modify, queries and cancels, trades,
income and liquidation (force) orders."""

from __future__ import annotations

from binance_emulator.api import wire
from binance_emulator.api.call import Call
from binance_emulator.venue.errors import BinanceError, Code, illegal, mandatory
from binance_emulator.venue.models import Order, OrderRequest


def _order_request(call: Call, client_id_param: str) -> OrderRequest:
    time_in_force = call.get("timeInForce")
    position_side = call.get("positionSide")
    return OrderRequest(
        symbol=call.require("symbol"),
        side=call.require("side").upper(),
        type=call.require("type").upper(),
        quantity=call.decimal("quantity"),
        price=call.decimal("price"),
        trigger_price=call.decimal("triggerPrice") or call.decimal("stopPrice"),
        reduce_only=call.flag("reduceOnly"),
        close_position=call.flag("closePosition"),
        time_in_force=None if time_in_force is None else time_in_force.upper(),
        working_type=(call.get("workingType") or "CONTRACT_PRICE").upper(),
        client_id=call.get(client_id_param),
        position_side=None if position_side is None else position_side.upper(),
        callback_rate=call.decimal("callbackRate"),
        activate_price=call.decimal("activatePrice"),
    )


def _order_answer(call: Call, order: Order) -> dict[str, object]:
    # Binance's default is ACK (accepted, not yet matched); ccxt asks for RESULT on futures.
    if (call.get("newOrderRespType") or "ACK").upper() == "RESULT":
        return wire.order_json(call.exchange, order)
    return wire.ack_json(call.exchange, order)


def new_order(call: Call) -> object:
    order = call.exchange.new_order(call.me, _order_request(call, "newClientOrderId"))
    return _order_answer(call, order)


def batch_orders(call: Call) -> object:
    """POST /fapi/v1/batchOrders: up to 5 orders, each answered in place or with its error."""
    items = call.json_list("batchOrders", 5)
    if items is None:
        raise mandatory("batchOrders")
    answers: list[object] = []
    for item in items:
        if not isinstance(item, dict):
            raise illegal("batchOrders")
        one = Call({k: str(v) for k, v in item.items()}, call.account, call.service,
                   call.server_time)
        try:
            answers.append(new_order(one))
        except BinanceError as error:
            answers.append(error.body())
    return answers


def modify_order(call: Call) -> object:
    order = call.exchange.modify_order(call.me, call.exchange.market(call.get("symbol")).symbol,
                                       call.integer("orderId"), call.get("origClientOrderId"),
                                       call.require("side").upper(), call.decimal("quantity"),
                                       call.decimal("price"))
    return wire.order_json(call.exchange, order)


def _symbol(call: Call) -> str:
    return call.exchange.market(call.get("symbol")).symbol


def get_order(call: Call) -> object:
    order = call.me.find_order(call.integer("orderId"), call.get("origClientOrderId"),
                               _symbol(call))
    return wire.order_json(call.exchange, order)


def open_order(call: Call) -> object:
    """GET /fapi/v1/openOrder: like GET order, but a filled or cancelled one does not exist."""
    order = call.me.find_order(call.integer("orderId"), call.get("origClientOrderId"),
                               _symbol(call))
    if not order.is_open:
        raise BinanceError(Code.NO_SUCH_ORDER)
    return wire.order_json(call.exchange, order)


def cancel_order(call: Call) -> object:
    order = call.exchange.cancel_order(call.me, call.integer("orderId"),
                                       call.get("origClientOrderId"), _symbol(call))
    return wire.order_json(call.exchange, order)


def cancel_batch(call: Call) -> object:
    """DELETE /fapi/v1/batchOrders: up to 10 ids (or client ids), each answered in place."""
    symbol = _symbol(call)
    # ccxt spells these in lower case; Binance takes either.
    ids = call.json_list("orderIdList", 10) or call.json_list("orderidlist", 10)
    client_ids = (call.json_list("origClientOrderIdList", 10)
                  or call.json_list("origclientorderidlist", 10))
    if ids is None and client_ids is None:
        raise mandatory("orderIdList")
    targets = [(int(i), None) for i in ids or []] + [(None, str(c)) for c in client_ids or []]
    answers: list[object] = []
    for order_id, client_id in targets:
        try:
            order = call.exchange.cancel_order(call.me, order_id, client_id, symbol)
            answers.append(wire.order_json(call.exchange, order))
        except BinanceError as error:
            answers.append(error.body())
    return answers


def open_orders(call: Call) -> object:
    return [wire.order_json(call.exchange, o) for o in call.me.open_orders(call.get("symbol"))]


def all_orders(call: Call) -> object:
    symbol = _symbol(call)
    orders = [o for o in call.me.orders.values() if o.symbol == symbol]
    limit = min(call.integer("limit", 500) or 500, 1000)
    return [wire.order_json(call.exchange, o) for o in orders[-limit:]]


def cancel_all_orders(call: Call) -> object:
    call.exchange.cancel_all_orders(call.me, call.require("symbol"))
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def new_algo_order(call: Call) -> object:
    algo_type = call.require("algoType").upper()
    if algo_type != "CONDITIONAL":
        raise illegal("algoType")
    algo = call.exchange.new_algo_order(call.me, _order_request(call, "clientAlgoId"))
    return wire.algo_json(call.exchange, algo)


def get_algo_order(call: Call) -> object:
    algo = call.me.find_algo_order(call.integer("algoId"), call.get("clientAlgoId"))
    return wire.algo_json(call.exchange, algo, detail=True)


def cancel_algo_order(call: Call) -> object:
    algo = call.exchange.cancel_algo_order(call.me, call.integer("algoId"),
                                          call.get("clientAlgoId"))
    return {"algoId": algo.algo_id, "clientAlgoId": algo.client_algo_id, "code": "200",
            "msg": "success"}


def open_algo_orders(call: Call) -> object:
    return [wire.algo_json(call.exchange, a, detail=True)
            for a in call.me.open_algo_orders(call.get("symbol"))]


def all_algo_orders(call: Call) -> object:
    symbol = _symbol(call)
    algos = [a for a in call.me.algo_orders.values() if a.symbol == symbol]
    limit = min(call.integer("limit", 500) or 500, 1000)
    return [wire.algo_json(call.exchange, a, detail=True) for a in algos[-limit:]]


def cancel_all_algo_orders(call: Call) -> object:
    call.exchange.cancel_all_algo_orders(call.me, call.require("symbol"))
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def _time_filtered(rows: list, call: Call, limit_default: int, limit_max: int) -> list:
    start = call.integer("startTime")
    end = call.integer("endTime")
    selected = [r for r in rows
                if (start is None or r.time >= start) and (end is None or r.time <= end)]
    limit = min(call.integer("limit", limit_default) or limit_default, limit_max)
    return selected[:limit] if start is not None else selected[-limit:]


def user_trades(call: Call) -> object:
    symbol = _symbol(call)
    order_id = call.integer("orderId")
    fills = [f for f in call.me.fills
             if f.symbol == symbol and (order_id is None or f.order_id == order_id)]
    return [wire.fill_json(call.exchange, f) for f in _time_filtered(fills, call, 500, 1000)]


def income(call: Call) -> object:
    symbol = call.get("symbol")
    income_type = call.get("incomeType")
    rows = [r for r in call.me.income
            if (symbol is None or r.symbol == symbol)
            and (income_type is None or r.income_type == income_type)]
    return [wire.income_json(r) for r in _time_filtered(rows, call, 100, 1000)]


def force_orders(call: Call) -> object:
    """GET /fapi/v1/forceOrders: liquidation orders (ADL is not modelled, so none of those)."""
    symbol = call.get("symbol")
    if symbol is not None:
        symbol = _symbol(call)
    close_type = (call.get("autoCloseType") or "LIQUIDATION").upper()
    if close_type not in ("LIQUIDATION", "ADL"):
        raise illegal("autoCloseType")
    orders = [o for o in call.me.force_orders
              if close_type == "LIQUIDATION" and symbol in (None, o.symbol)]
    # Without startTime Binance looks back 7 days from endTime.
    if call.get("startTime") is None:
        end = call.integer("endTime") or call.server_time
        orders = [o for o in orders if end - 7 * 86_400_000 <= o.time <= end]
    return [wire.order_json(call.exchange, o)
            for o in _time_filtered(orders, call, 50, 100)]
