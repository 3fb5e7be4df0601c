"""A bracket that scales out, against the emulator through real ccxt: each level its own
reduce-only take-profit, a level's fill a partial exit for freqtrade with the stop resized to
what is left (the new stop resting first), the last level's fill the end of the bracket."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ft_bracket.core.actions import TradeView
from ft_bracket.core.client_ids import bracket_root
from ft_bracket.core.legs import LegStatus
from tests.support.desk import OPENED_AT, PAIR, SYMBOL, Desk


def resting(desk: Desk) -> list[tuple[str, str, float]]:
    """(type, client id tail, quantity) of the account's resting algo orders."""
    return sorted((r["orderType"], r["clientAlgoId"].rpartition("-")[2], float(r["quantity"]))
                  for r in desk.algo_orders() if r["algoStatus"] == "NEW")


def open_scaled(desk: Desk) -> TradeView:
    desk.client.create_order(PAIR, "market", "buy", 100)
    trade = TradeView(1, PAIR, is_short=False, amount=100.0, is_open=True)
    desk.manager.open_bracket(trade, bracket_root(1, OPENED_AT), 1.14, 1.26,
                              take_profits=[(1.26, 60.0), (1.30, 40.0)])
    return desk.adopted(trade)


def position(desk: Desk) -> float:
    return sum(float(p["positionAmt"]) for p in desk.emulator.state(desk.api_key)["positions"]
               if p["symbol"] == SYMBOL)


def test_levels_fill_one_by_one_the_stop_follows_and_the_last_one_ends_the_bracket(
    desk: Desk,
) -> None:
    trade = open_scaled(desk)
    assert resting(desk) == [("STOP_MARKET", "sl1", 100.0),
                             ("TAKE_PROFIT_MARKET", "tp1_1", 60.0),
                             ("TAKE_PROFIT_MARKET", "tp2_1", 40.0)]
    desk.emulator.set_price(SYMBOL, "1.2700")  # through level 1
    desk.manager.every_loop([trade])
    record = desk.record(trade)
    assert (record.take_profit.status, record.scale_out[0].status) == (LegStatus.FILLED,
                                                                        LegStatus.RESTING)
    assert position(desk) == 40
    assert resting(desk) == [("STOP_MARKET", "sl2", 40.0), ("TAKE_PROFIT_MARKET", "tp2_1", 40.0)]
    [(_, first, reason)] = desk.freqtrade.exits
    assert reason == "take_profit_1" and str(first["id"]) in desk.freqtrade.partial_exits
    filled = [e for e in desk.events if e.name.value == "take_profit_filled"]
    assert (filled[0].fields["level"], filled[0].fields["left"]) == (1, 40.0)

    # freqtrade booked the partial exit: the trade holds what is left.
    after = desk.adopted(replace(trade, amount=40.0))
    desk.emulator.set_price(SYMBOL, "1.3100")  # through level 2
    desk.manager.every_loop([after])
    record = desk.record(trade)
    assert record.scale_out[0].status is LegStatus.FILLED
    assert record.stop.status is LegStatus.CANCELLED
    assert position(desk) == 0 and resting(desk) == []
    reasons = [reason for _, _, reason in desk.freqtrade.exits]
    assert reasons == ["take_profit_1", "take_profit"]


def test_every_level_goes_out_with_the_stop_before_any_of_them(desk: Desk) -> None:
    open_scaled(desk)
    created = [r["client_id"].rpartition("-")[2] for r in desk.emulator.journal(desk.api_key)
               if r["event"] == "algo_created"]
    assert created == ["sl1", "tp1_1", "tp2_1"]
    [placed] = [e.fields for e in desk.events if e.name.value == "bracket_placed"]
    levels: list[Any] = placed["take_profit_levels"]
    assert [(price, quantity) for price, quantity, _ in levels] == [(1.26, 60.0), (1.30, 40.0)]


def test_the_stop_covers_the_whole_position_when_its_levels_add_up_short_in_floats(
    desk: Desk,
) -> None:
    # 5.1 + 5.3 is 10.399999999999999 in binary floats; ccxt cuts an amount to the step, so a
    # stop sent for that sum would rest for 10.3 and leave 0.1 of the position bare.
    desk.client.create_order(PAIR, "market", "buy", 10.4)
    trade = TradeView(1, PAIR, is_short=False, amount=10.4, is_open=True)
    desk.manager.open_bracket(trade, bracket_root(1, OPENED_AT), 1.14, 1.26,
                              take_profits=[(1.26, 5.1), (1.30, 5.3)])
    assert resting(desk) == [("STOP_MARKET", "sl1", 10.4),
                             ("TAKE_PROFIT_MARKET", "tp1_1", 5.1),
                             ("TAKE_PROFIT_MARKET", "tp2_1", 5.3)]
