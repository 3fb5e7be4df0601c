"""Signed order calls: plain and algo orders, their queries and cancels, trades and income."""

from __future__ import annotations

from binance_emulator import wire
from binance_emulator.call import Call
from binance_emulator.engine import OrderRequest
from binance_emulator.errors import illegal


def _order_request(call: Call, client_id_param: str) -> OrderRequest:
    return OrderRequest(
        symbol=call.require("symbol"),
        side=call.require("side").upper(),
        type=call.require("type").upper(),
        quantity=call.decimal("quantity"),
        price=call.decimal("price"),
        trigger_price=call.decimal("triggerPrice") or call.decimal("stopPrice"),
        reduce_only=call.flag("reduceOnly"),
        close_position=call.flag("closePosition"),
        time_in_force=(call.get("timeInForce") or "GTC").upper(),
        working_type=(call.get("workingType") or "CONTRACT_PRICE").upper(),
        client_id=call.get(client_id_param),
    )


def new_order(call: Call) -> object:
    order = call.me.new_order(_order_request(call, "newClientOrderId"))
    return wire.order_json(call.exchange, order)


def get_order(call: Call) -> object:
    order = call.me.find_order(call.integer("orderId"), call.get("origClientOrderId"))
    return wire.order_json(call.exchange, order)


def cancel_order(call: Call) -> object:
    order = call.me.cancel_order(call.integer("orderId"), call.get("origClientOrderId"))
    return wire.order_json(call.exchange, order)


def open_orders(call: Call) -> object:
    return [wire.order_json(call.exchange, o) for o in call.me.open_orders(call.get("symbol"))]


def all_orders(call: Call) -> object:
    symbol = call.exchange.market(call.get("symbol")).symbol
    orders = [o for o in call.me.orders.values() if o.symbol == symbol]
    limit = min(call.integer("limit", 500) or 500, 1000)
    return [wire.order_json(call.exchange, o) for o in orders[-limit:]]


def cancel_all_orders(call: Call) -> object:
    call.me.cancel_all_orders(call.require("symbol"))
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def new_algo_order(call: Call) -> object:
    algo_type = call.require("algoType").upper()
    if algo_type != "CONDITIONAL":
        raise illegal("algoType")
    algo = call.me.new_algo_order(_order_request(call, "clientAlgoId"))
    return wire.algo_json(call.exchange, algo)


def get_algo_order(call: Call) -> object:
    algo = call.me.find_algo_order(call.integer("algoId"), call.get("clientAlgoId"))
    return wire.algo_json(call.exchange, algo, detail=True)


def cancel_algo_order(call: Call) -> object:
    algo = call.me.cancel_algo_order(call.integer("algoId"), call.get("clientAlgoId"))
    return {"algoId": algo.algo_id, "clientAlgoId": algo.client_algo_id, "code": "200",
            "msg": "success"}


def open_algo_orders(call: Call) -> object:
    return [wire.algo_json(call.exchange, a, detail=True)
            for a in call.me.open_algo_orders(call.get("symbol"))]


def all_algo_orders(call: Call) -> object:
    symbol = call.exchange.market(call.get("symbol")).symbol
    algos = [a for a in call.me.algo_orders.values() if a.symbol == symbol]
    limit = min(call.integer("limit", 500) or 500, 1000)
    return [wire.algo_json(call.exchange, a, detail=True) for a in algos[-limit:]]


def cancel_all_algo_orders(call: Call) -> object:
    call.me.cancel_all_algo_orders(call.require("symbol"))
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def _time_filtered(rows: list, call: Call, limit_default: int, limit_max: int) -> list:
    start = call.integer("startTime")
    end = call.integer("endTime")
    selected = [r for r in rows
                if (start is None or r.time >= start) and (end is None or r.time <= end)]
    limit = min(call.integer("limit", limit_default) or limit_default, limit_max)
    return selected[:limit] if start is not None else selected[-limit:]


def user_trades(call: Call) -> object:
    symbol = call.exchange.market(call.get("symbol")).symbol
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
