"""The OrderManager against the emulator through real ccxt: what the policy's actions do on the
wire. Only freqtrade's side is a stand-in (the end-to-end tests run it inside real freqtrade);
the policy itself is tested row by row in tests/core/test_plan.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ft_bracket.core.actions import TradeView
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.client_ids import bracket_root
from ft_bracket.core.legs import LegStatus
from tests.support.desk import OPENED_AT, PAIR, SYMBOL, Desk


def test_entry_fill_gets_both_legs_and_every_attempt_is_recorded_first(desk: Desk) -> None:
    trade = desk.open()
    bracket = desk.record(trade)
    assert (bracket.stop.status, bracket.take_profit.status) == (LegStatus.RESTING,) * 2
    rows = {r["orderType"]: r for r in desk.algo_orders()}
    assert rows["STOP_MARKET"]["triggerPrice"] == "1.1400"
    assert rows["TAKE_PROFIT_MARKET"]["triggerPrice"] == "1.2900"
    assert all(r["reduceOnly"] and r["quantity"] == "100.0" and r["side"] == "SELL"
               for r in rows.values())
    # The record said "placing" under the leg's client id before each leg reached the venue.
    placing = [Bracket.from_dict(w) for w in desk.freqtrade.writes[1]]
    stop_sent = next(b for b in placing if b.stop.status is LegStatus.PLACING)
    assert stop_sent.stop.client_id == rows["STOP_MARKET"]["clientAlgoId"]
    tp_sent = next(b for b in placing if b.take_profit.status is LegStatus.PLACING)
    assert tp_sent.take_profit.client_id == rows["TAKE_PROFIT_MARKET"]["clientAlgoId"]
    assert desk.event_names() == ["bracket_placed"]
    # A second report of the same fill places nothing; the stop is freqtrade's.
    desk.manager.open_bracket(trade, bracket_root(1, OPENED_AT), 1.14, 1.29)
    assert len(desk.algo_orders()) == 2
    assert desk.freqtrade.stops[1] == [str(rows["STOP_MARKET"]["algoId"])]


def test_take_profit_fill_is_shown_to_freqtrade_and_the_stop_cancelled_in_the_same_loop(
    desk: Desk,
) -> None:
    trade = desk.open()
    desk.emulator.set_price(SYMBOL, "1.3000")
    desk.manager.every_loop([trade])
    [(trade_id, fill, reason)] = desk.freqtrade.exits
    assert (trade_id, reason) == (1, "take_profit")
    assert fill["status"] == "closed" and fill["filled"] == 100 and fill["average"] == 1.3
    bracket = desk.record(trade)
    assert (bracket.take_profit.status, bracket.stop.status) == (
        LegStatus.FILLED, LegStatus.CANCELLED)
    assert desk.status_by_type() == {"STOP_MARKET": "CANCELED",
                                     "TAKE_PROFIT_MARKET": "FINISHED"}
    assert desk.event_names()[-2:] == ["take_profit_filled", "legs_cancelled"]


def test_a_take_profit_whose_order_expired_is_no_fill(desk: Desk) -> None:
    """Binance finishes a fired conditional whose reduce-only order found no position with an
    EXPIRED order: FINISHED is not a fill, and freqtrade must not be shown one."""
    trade = desk.open()
    desk.client.create_order(PAIR, "market", "sell", 100, None, {"reduceOnly": True})  # by hand
    desk.emulator.set_price(SYMBOL, "1.3000")  # the leftover take-profit fires into nothing
    assert desk.status_by_type()["TAKE_PROFIT_MARKET"] == "FINISHED"
    desk.manager.every_loop([trade])
    assert desk.freqtrade.exits == []
    bracket = desk.record(trade)
    assert bracket.take_profit.status is LegStatus.CANCELLED
    assert bracket.take_profit.filled_quantity == 0.0
    # The position is gone: the stop may not outlive it, and freqtrade imports the exit.
    assert desk.status_by_type()["STOP_MARKET"] == "CANCELED"
    assert desk.freqtrade.imported == [(1, "sold_on_exchange")]


def test_a_leg_cancelled_behind_our_back_is_replaced(desk: Desk) -> None:
    trade = desk.open()
    first = desk.record(trade).take_profit
    desk.client.cancel_order(first.order_id, PAIR, {"trigger": True})
    desk.manager.every_loop([trade])
    after = desk.record(trade).take_profit
    assert after.status is LegStatus.RESTING and after.attempt == 2
    open_tp = [r for r in desk.algo_orders()
               if r["orderType"] == "TAKE_PROFIT_MARKET" and r["algoStatus"] == "NEW"]
    assert [r["clientAlgoId"] for r in open_tp] == [after.client_id]
    assert "leg_replaced" in desk.event_names()


def test_watching_costs_one_open_orders_call_per_pair_and_one_positions_call(
    desk: Desk,
) -> None:
    trades = [desk.open(trade_id) for trade_id in (1, 2, 3)]
    desk.manager.every_loop(trades)  # the first watch reads the whole account
    before = Counter(desk.emulator.control("GET", "requests"))
    desk.manager.every_loop(trades)
    calls = Counter(desk.emulator.control("GET", "requests")) - before
    # Nothing changed: three brackets on one pair cost one query of that pair, one positions.
    assert calls == Counter({"GET /fapi/v1/openAlgoOrders": 1, "GET /fapi/v3/positionRisk": 1})


def test_orphan_legs_of_our_prefix_are_cancelled_foreign_ones_kept(desk: Desk) -> None:
    trade = desk.open()
    for price, client_id in ((1.3, "ftb-99-abc-tp1"), (1.31, "manual-by-user")):
        desk.client.create_order(PAIR, "market", "sell", 10, None,
                                 {"takeProfitPrice": price, "reduceOnly": True,
                                  "clientAlgoId": client_id})
    desk.manager.every_loop([trade])
    status = {r["clientAlgoId"]: r["algoStatus"] for r in desk.algo_orders()}
    assert status["ftb-99-abc-tp1"] == "CANCELED"
    assert status["manual-by-user"] == "NEW"
    assert "orphan_cancelled" in desk.event_names()


def test_closing_the_trade_cancels_both_legs_itself(desk: Desk) -> None:
    """freqtrade would cancel its stop right after, with a retrier that can hold the loop: the
    plugin does it first, in one call."""
    trade = desk.open()
    desk.client.create_order(PAIR, "market", "sell", 100, None, {"reduceOnly": True})
    desk.manager.close_bracket(replace(trade, is_open=False, exit_reason="force_exit"))
    assert desk.status_by_type() == {"STOP_MARKET": "CANCELED",
                                     "TAKE_PROFIT_MARKET": "CANCELED"}
    assert not any(leg.is_live for leg in desk.record(trade).legs)
    assert (desk.events[-1].name, desk.events[-1].fields) == (
        "legs_cancelled", {"trade": 1, "pair": PAIR, "legs": "stop,take_profit"})


def test_a_stop_out_records_the_stop_filled_and_cancels_the_take_profit(desk: Desk) -> None:
    trade = desk.open()
    desk.emulator.set_price(SYMBOL, "1.1300")  # through the stop: it closes the position
    desk.manager.close_bracket(replace(trade, is_open=False, exit_reason="stoploss_on_exchange"))
    assert desk.status_by_type() == {"STOP_MARKET": "FINISHED",
                                     "TAKE_PROFIT_MARKET": "CANCELED"}
    after = desk.record(trade)
    assert (after.stop.status, after.take_profit.status) == (
        LegStatus.FILLED, LegStatus.CANCELLED)
    assert (after.stop.filled_quantity, after.stop.fill_price) == (100.0, 1.13)
    assert (desk.events[-1].name, desk.events[-1].fields) == (
        "legs_cancelled", {"trade": 1, "pair": PAIR, "legs": "take_profit"})


def test_take_profit_beyond_the_price_requests_an_exit(desk: Desk) -> None:
    desk.client.create_order(PAIR, "market", "buy", 100)
    trade = TradeView(1, PAIR, is_short=False, amount=100.0, is_open=True)
    bracket = desk.manager.open_bracket(trade, "1-x", 1.14, 1.15)  # TP already crossed
    assert bracket.take_profit.status is LegStatus.FAILED
    assert desk.manager.exit_wanted(1) == "take_profit"
    assert desk.event_names() == ["leg_failed", "exit_requested"]
