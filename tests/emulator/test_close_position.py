"""Close-All (closePosition=true) conditionals in the engine: what they take, and what becomes of
one whose position is gone before it fires. Fixed clock, flat paths, no HTTP."""

from __future__ import annotations

import json

from binance_emulator.api.user_stream import UserStreams
from binance_emulator.venue.account import Account
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.models import AlgoOrder, OrderRequest
from tests.emulator.helpers import XRP, D, conditional, market, rejected


def close_all(exchange: Exchange, account: Account, trigger: str = "0.9") -> AlgoOrder:
    return exchange.new_algo_order(account, OrderRequest(
        symbol=XRP, side="SELL", type="STOP_MARKET", trigger_price=D(trigger),
        close_position=True, client_id="close-all"))


def test_a_close_position_stop_outlives_its_position_and_expires_empty_when_it_fires(
    exchange: Exchange, account: Account
) -> None:
    queue = UserStreams(exchange).subscribe("key")
    exchange.new_order(account, market("BUY", "100"))
    stop = close_all(exchange, account)
    exchange.new_order(account, market("SELL", "100", reduce_only=True))
    assert account.position(XRP).amount == 0
    # Binance documents no cancellation of a GTC Close-All stop when the position closes.
    assert stop.status == "NEW"
    since = exchange.journal.rows[-1]["id"]
    while not queue.empty():
        queue.get_nowait()
    exchange.set_price(XRP, D("0.85"))
    assert stop.status == "FINISHED"
    order = account.orders[stop.actual_order_id]
    assert (order.status, order.executed_qty, order.close_position) == ("EXPIRED", 0, True)
    assert account.position(XRP).amount == 0
    rows = [r for r in exchange.journal.of("key", int(str(since))) if r["event"] != "price"]
    assert [(r["event"], r.get("reason")) for r in rows] == [
        ("algo_triggered", None), ("order_created", None), ("order_expired", "no_position")]
    events = [json.loads(queue.get_nowait()) for _ in range(queue.qsize())]
    assert [(e["e"], e["o"]["X"]) for e in events] == [
        ("ALGO_UPDATE", "TRIGGERED"), ("ORDER_TRADE_UPDATE", "NEW"),
        ("ORDER_TRADE_UPDATE", "EXPIRED"), ("ALGO_UPDATE", "FINISHED")]


def test_a_close_position_stop_takes_no_quantity_and_no_trailing_type(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    rejected(-4137, exchange.new_algo_order, account,
             conditional("TAKE_PROFIT_MARKET", "SELL", "1.2", "100", close_position=True))
    error = rejected(-4136, exchange.new_algo_order, account, OrderRequest(
        symbol=XRP, side="SELL", type="TRAILING_STOP_MARKET", callback_rate=D("1"),
        close_position=True))
    assert error.msg == (
        "Target strategy invalid for orderType TRAILING_STOP_MARKET,closePosition true")
