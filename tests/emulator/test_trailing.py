"""Trailing stops (TRAILING_STOP_MARKET) in the engine: what the venue accepts, activation, the
extreme they follow, the trigger, and the journal rows, wire rows and stream events they make.
Fixed clock, flat paths (XRP at 1.0000, tick 0.0001), no HTTP."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from binance_emulator.api import wire
from binance_emulator.api.user_stream import UserStreams
from binance_emulator.venue import rules
from binance_emulator.venue.account import Account
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.models import AlgoOrder, OrderRequest
from tests.emulator.helpers import XRP, D, conditional, market, rejected


def trailing(side: str, rate: str | None, activate: str | None = None, qty: str | None = "100",
             **kwargs: object) -> OrderRequest:
    return OrderRequest(
        symbol=XRP, side=side, type="TRAILING_STOP_MARKET",
        quantity=None if qty is None else D(qty),
        callback_rate=None if rate is None else D(rate),
        activate_price=None if activate is None else D(activate), **kwargs)


def move(exchange: Exchange, price: str, mark: str | None = None) -> None:
    exchange.clock.now += 1_000  # type: ignore[attr-defined]
    exchange.set_price(XRP, D(price), None if mark is None else D(mark))


def test_a_sell_trailing_stop_placed_without_activation_follows_the_high_and_fires_back(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    stop = exchange.new_algo_order(account, trailing("SELL", "1", reduce_only=True))
    # Activated at once, at the price when placed; the trigger is 1 % under it.
    assert (stop.activated, stop.activate_price, stop.extreme) == (True, D("1"), D("1"))
    assert stop.trigger_price == D("0.9900")
    move(exchange, "1.0500")
    assert (stop.status, stop.extreme, stop.trigger_price) == ("NEW", D("1.05"), D("1.0395"))
    move(exchange, "1.0400")  # the high stays, so does the trigger
    move(exchange, "1.0396")
    assert (stop.status, stop.extreme) == ("NEW", D("1.05"))
    move(exchange, "1.0395")  # exactly 1 % under the high
    assert stop.status == "FINISHED"
    order = account.orders[stop.actual_order_id]
    assert (order.type, order.orig_type, order.side) == ("MARKET", "TRAILING_STOP_MARKET", "SELL")
    assert (order.stop_price, order.status, order.avg_price) == (D("1.0395"), "FILLED",
                                                                   D("1.0395"))
    assert account.position(XRP).amount == 0


def test_a_sell_trailing_stop_waits_for_its_activation_price(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    stop = exchange.new_algo_order(account,
                                   trailing("SELL", "2.5", activate="1.1000", reduce_only=True))
    assert (stop.activated, stop.trigger_price) == (False, D("1.0725"))
    move(exchange, "1.0999")
    move(exchange, "0.8000")  # far under any trigger: not active, so nothing fires
    assert (stop.status, stop.activated) == ("NEW", False)
    move(exchange, "1.1200")  # activated on the way through 1.1000, at this price
    assert (stop.activated, stop.extreme, stop.trigger_price) == (True, D("1.12"), D("1.0920"))
    move(exchange, "1.2000")
    move(exchange, "1.1701")
    assert stop.status == "NEW"
    move(exchange, "1.1700")  # 2.5 % under 1.2000
    assert stop.status == "FINISHED"
    assert account.orders[stop.actual_order_id].avg_price == D("1.17")


def test_a_buy_trailing_stop_mirrors_it_on_a_short(exchange: Exchange, account: Account) -> None:
    exchange.new_order(account, market("SELL", "100"))
    stop = exchange.new_algo_order(account,
                                   trailing("BUY", "2", activate="0.9000", reduce_only=True))
    assert stop.trigger_price == D("0.9180")
    move(exchange, "0.9500")
    assert stop.activated is False
    move(exchange, "0.9000")
    assert (stop.activated, stop.extreme) == (True, D("0.9"))
    move(exchange, "0.8000")
    assert (stop.extreme, stop.trigger_price) == (D("0.8"), D("0.8160"))
    move(exchange, "0.8159")
    assert stop.status == "NEW"
    move(exchange, "0.8160")  # 2 % over the low
    assert stop.status == "FINISHED"
    assert account.orders[stop.actual_order_id].side == "BUY"
    assert account.position(XRP).amount == 0


def test_a_mark_price_trailing_stop_follows_mark_not_last(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    stop = exchange.new_algo_order(account, trailing(
        "SELL", "1", activate="1.0500", reduce_only=True, working_type="MARK_PRICE"))
    move(exchange, "1.0600", mark="1.0400")
    assert stop.activated is False
    move(exchange, "1.0400", mark="1.0600")
    assert (stop.activated, stop.extreme) == (True, D("1.06"))
    move(exchange, "1.0000", mark="1.0500")  # last fell far, mark only 0.94 %
    assert stop.status == "NEW"
    move(exchange, "1.0500", mark="1.0494")
    assert stop.status == "FINISHED"


@pytest.mark.parametrize(
    ("request_", "code", "msg"),
    [
        (trailing("SELL", None), -1102,
         "Mandatory parameter 'callbackRate' was not sent, was empty/null, or malformed."),
        (trailing("SELL", "0.09"), -2007, "Invalid callBack rate."),
        (trailing("SELL", "20.01"), -2007, "Invalid callBack rate."),
        (trailing("SELL", "1", close_position=True, qty=None), -4136,
         "Target strategy invalid for orderType TRAILING_STOP_MARKET,closePosition true"),
        (trailing("SELL", "1", qty=None), -1102,
         "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."),
        (trailing("SELL", "1", activate="1.0000"), -2021, "Order would immediately trigger."),
        (trailing("SELL", "1", activate="0.9999"), -2021, "Order would immediately trigger."),
        (trailing("BUY", "1", activate="1.0000"), -2021, "Order would immediately trigger."),
        (trailing("SELL", "1", activate="0"), -4135, "Invalid activation price"),
        (trailing("SELL", "1", activate="1.00005"), -1111,
         "Precision is over the maximum defined for this asset."),
    ],
)
def test_trailing_stop_parameters_are_refused_with_binance_errors(
    exchange: Exchange, account: Account, request_: OrderRequest, code: int, msg: str
) -> None:
    exchange.new_order(account, market("BUY", "1000"))
    error = rejected(code, exchange.new_algo_order, account, request_)
    assert error.msg == msg
    assert account.open_algo_orders() == []


def test_the_callback_rate_bound_is_one_constant_now_20_percent(
    exchange: Exchange, account: Account
) -> None:
    low, high = rules.CALLBACK_RATE_RANGE
    assert (low, high) == (D("0.1"), D("20"))
    exchange.new_order(account, market("BUY", "1000"))
    for rate in ("0.1", "10.5", "20"):
        exchange.new_algo_order(account, trailing("SELL", rate, reduce_only=True))
    assert len(account.open_algo_orders()) == 3


def algo_rows(exchange: Exchange) -> list[tuple[object, ...]]:
    return [(r["event"], r.get("extreme"), r.get("trigger_price"))
            for r in exchange.journal.of("key") if str(r["event"]).startswith(("algo", "order"))]


def test_journal_rows_and_stream_events_of_a_trailing_stop_life(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    queue = UserStreams(exchange).subscribe("key")
    stop = exchange.new_algo_order(account, trailing("SELL", "1", activate="1.0100",
                                                     reduce_only=True, client_id="trail-1"))
    created = next(r for r in exchange.journal.of("key") if r["event"] == "algo_created")
    assert (created["type"], created["callback_rate"], created["activate_price"]) == (
        "TRAILING_STOP_MARKET", "1", "1.0100")
    move(exchange, "1.0200")
    move(exchange, "1.0300")  # a new high is no event
    move(exchange, "1.0197")
    assert algo_rows(exchange)[2:] == [
        ("algo_created", None, "0.9999"), ("algo_activated", "1.0200", "1.0098"),
        ("algo_triggered", None, None), ("order_created", None, None),
        ("order_filled", None, None)]
    events = [json.loads(queue.get_nowait()) for _ in range(queue.qsize())]
    summary = [(e["e"], e["o"].get("x"), e["o"]["X"], e["o"].get("ia")) for e in events]
    assert summary == [
        ("ALGO_UPDATE", None, "NEW", False), ("ALGO_UPDATE", None, "NEW", True),
        ("ALGO_UPDATE", None, "TRIGGERED", True), ("ORDER_TRADE_UPDATE", "NEW", "NEW", None),
        ("ORDER_TRADE_UPDATE", "TRADE", "FILLED", None), ("ALGO_UPDATE", None, "FINISHED", True)]
    assert [e["o"]["tp"] for e in events if e["e"] == "ALGO_UPDATE"] == [
        "0.9999", "1.0098", "1.0197", "1.0197"]
    order_events = [e["o"] for e in events if e["e"] == "ORDER_TRADE_UPDATE"]
    assert {(o["ot"], o["AP"], o["cr"], o["sp"]) for o in order_events} == {
        ("TRAILING_STOP_MARKET", "1.0100", "1.00", "1.0197")}
    assert all(e["o"]["caid"] == "trail-1" for e in events if e["e"] == "ALGO_UPDATE")
    assert stop.status == "FINISHED"


def test_other_conditionals_keep_their_wire_rows_and_events(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    queue = UserStreams(exchange).subscribe("key")
    stop = exchange.new_algo_order(account, conditional("STOP_MARKET", "SELL", "0.9",
                                                        reduce_only=True))
    move(exchange, "0.8")
    events = [json.loads(queue.get_nowait()) for _ in range(queue.qsize())]
    assert not any({"ia", "AP", "cr"} & set(e["o"]) for e in events)
    assert not {"activatePrice", "callbackRate"} & set(wire.algo_json(exchange, stop, True))


def test_open_algo_order_rows_of_a_trailing_stop_carry_rate_activation_and_trigger(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    stop: AlgoOrder = exchange.new_algo_order(account, trailing("SELL", "0.25", reduce_only=True))
    move(exchange, "1.2000")
    row = wire.algo_json(exchange, stop, detail=True)
    assert {k: row[k] for k in ("orderType", "algoStatus", "activatePrice", "callbackRate",
                                "triggerPrice", "quantity", "reduceOnly", "actualOrderId")} == {
        "orderType": "TRAILING_STOP_MARKET", "algoStatus": "NEW", "activatePrice": "1.0000",
        "callbackRate": "0.25", "triggerPrice": "1.1970", "quantity": "100.0",
        "reduceOnly": True, "actualOrderId": ""}
    assert Decimal(str(row["triggerPrice"])) == D("1.2") * (1 - D("0.0025"))
