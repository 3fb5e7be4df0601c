"""A stop moves on the venue with no moment unprotected, against the emulator through real ccxt:
the new stop rests before the old one is cancelled; a new stop the venue refuses leaves the old
one in force; a stop moved past the price closes the position, the old stop resting meanwhile.
The venue's own journal is the witness."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ft_bracket.core.actions import TradeView
from ft_bracket.core.legs import LegStatus
from tests.support.desk import SYMBOL, Desk

PLACE_LEG = "POST /fapi/v1/algoOrder"


def stops(desk: Desk) -> list[dict[str, Any]]:
    return [r for r in desk.algo_orders() if r["orderType"] == "STOP_MARKET"]


def resting_stops(desk: Desk) -> list[tuple[str, float]]:
    return sorted((r["clientAlgoId"], float(r["triggerPrice"])) for r in stops(desk)
                  if r["algoStatus"] == "NEW")


def moved_by_freqtrade(trade: TradeView, price: float) -> TradeView:
    """freqtrade's stop price tightened (custom_stoploss or trailing moved it)."""
    return replace(trade, stop_price=price)


def stop_rows(desk: Desk) -> list[tuple[str, str]]:
    """(event, client id) of every stop the venue created or ended, in its order."""
    return [(r["event"], r["client_id"]) for r in desk.emulator.journal(desk.api_key)
            if r["event"].startswith("algo_") and str(r.get("client_id", "")).endswith(
                ("-sl1", "-sl2", "-sl3"))]


def test_a_moved_stop_rests_before_the_old_one_is_cancelled_and_freqtrade_takes_it(
    desk: Desk,
) -> None:
    trade = desk.open(stop=1.14, take_profit=1.29)
    desk.manager.every_loop([moved_by_freqtrade(trade, 1.18)])
    bracket = desk.record(trade)
    assert (bracket.stop.status, bracket.stop.trigger_price, bracket.stop.replacing) == (
        LegStatus.RESTING, 1.18, None)
    assert resting_stops(desk) == [(bracket.stop.client_id, 1.18)]
    rows = stop_rows(desk)
    new, old = bracket.stop.client_id, rows[0][1]
    assert rows.index(("algo_created", new)) < rows.index(("algo_canceled", old))
    adopted = desk.freqtrade.stops[1]
    assert len(adopted) == 2 and adopted[-1] == bracket.stop.order_id  # freqtrade took it
    [moved] = [e for e in desk.events if e.name.value == "stop_moved"]
    assert (moved.fields["old"], moved.fields["new"]) == (1.14, 1.18)
    # The record keeps where the stop rested, for the chart.
    assert [price for _, price in bracket.stop_history] == [1.14, 1.18]


def test_a_new_stop_the_venue_refuses_leaves_the_old_one_resting(desk: Desk) -> None:
    trade = desk.open(stop=1.14, take_profit=1.29)
    desk.emulator.fault(PLACE_LEG, kind="error", code=-4045, count=1, api_key=desk.api_key,
                        msg="Reach max stop order limit.", match={"type": "STOP_MARKET"})
    desk.manager.every_loop([moved_by_freqtrade(trade, 1.18)])
    bracket = desk.record(trade)
    assert (bracket.stop.status, bracket.stop.trigger_price) == (LegStatus.RESTING, 1.14)
    assert [price for _, price in resting_stops(desk)] == [1.14]
    failed = [e for e in desk.events if e.name.value == "leg_failed"]
    assert "still rests" in failed[-1].fields["action"]
    desk.manager.every_loop([moved_by_freqtrade(trade, 1.18)])  # the next loop moves it
    assert [price for _, price in resting_stops(desk)] == [1.18]


def test_a_stop_moved_past_the_price_closes_the_position_and_the_old_stop_rests_till_then(
    desk: Desk,
) -> None:
    trade = desk.open(stop=1.14, take_profit=1.29)
    desk.emulator.set_price(SYMBOL, "1.1900")
    desk.manager.every_loop([moved_by_freqtrade(trade, 1.195)])  # above the price: -2021
    held = [p for p in desk.emulator.state(desk.api_key)["positions"] if p["symbol"] == SYMBOL]
    assert sum(float(p["positionAmt"]) for p in held) == 0
    rows = [(r["event"], str(r.get("client_id", ""))) for r in desk.emulator.journal(
        desk.api_key)]
    closed = next(i for i, (event, cid) in enumerate(rows)
                  if event == "order_created" and cid.endswith("-x1"))
    old_cancelled = next(i for i, (event, cid) in enumerate(rows)
                         if event == "algo_canceled" and cid.endswith("-sl1"))
    assert closed < old_cancelled  # the old stop protected the position until it was closed
    assert [(t, reason) for t, _, reason in desk.freqtrade.exits] == [(1, "stop_loss")]
    assert resting_stops(desk) == []  # flat, and nothing of ours rests on the pair
