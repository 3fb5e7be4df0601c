"""A close past the stop that the venue refuses, against the emulator through real ccxt: the
stop goes out again at once, so the position is never left bare until the next loop
(ft_bracket/market_closes.py, core/after_refusal.py).

Binance answers a stop "would immediately trigger" (-2021) when the price is past it, and then
the plugin closes at market; but that close can be refused too (-4131, the book's best price
outside the venue's band in a thin book), and the -2021 itself can be wrong for a moment.
"""

from __future__ import annotations

from typing import Any

from ft_bracket.core.actions import TradeView
from ft_bracket.core.client_ids import bracket_root
from ft_bracket.core.legs import Closing, LegStatus
from harness.damage import Trade, audit
from tests.support.desk import OPENED_AT, PAIR, SYMBOL, Desk

PLACE_LEG, CLOSE = "POST /fapi/v1/algoOrder", "POST /fapi/v1/order"
REQUESTS = ("algo_created", "algo_rejected", "order_created", "order_rejected",
            "request_faulted")


def refuse_the_close(desk: Desk) -> None:
    desk.emulator.fault(CLOSE, kind="error", code=-4131, count=1, api_key=desk.api_key,
                        msg="The counterparty's best price does not meet the PERCENT_PRICE "
                            "filter limit.", match={"reduceOnly": "true"})


def open_long(desk: Desk, stop: float, take_profit: float) -> TradeView:
    desk.client.create_order(PAIR, "market", "buy", 100)
    trade = TradeView(1, PAIR, is_short=False, amount=100.0, is_open=True)
    desk.manager.open_bracket(trade, bracket_root(1, OPENED_AT), stop, take_profit)
    return trade


def requests_of(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The plugin's leg and close requests as the venue met them: (leg code, what became of
    it), in order (a fired stop's own order is no request of the plugin's)."""
    return [(str(r["client_id"]).rpartition("-")[2], r["event"]) for r in rows
            if r["event"] in REQUESTS and str(r.get("client_id") or "").startswith("ftb-")
            and not str(r["client_id"]).endswith("-en1")
            and r.get("orig_type", r.get("type")) == r.get("type")]


def position(desk: Desk) -> float:
    held = [p for p in desk.emulator.state(desk.api_key)["positions"] if p["symbol"] == SYMBOL]
    return sum(float(p["positionAmt"]) for p in held)


def test_a_wrong_2021_and_a_refused_close_leave_the_stop_sent_again_resting(desk: Desk) -> None:
    """The venue calls the stop past its price although it is not (a fault), and refuses the
    close: the stop goes out again at once and rests, the take-profit follows, and when the
    price does fall through, that stop closes the position: no crossing without a stop."""
    desk.emulator.fault(PLACE_LEG, kind="error", code=-2021, count=1, api_key=desk.api_key,
                        msg="Order would immediately trigger.", match={"type": "STOP_MARKET"})
    refuse_the_close(desk)
    trade = open_long(desk, stop=1.14, take_profit=1.29)

    bracket = desk.record(trade)
    assert (bracket.stop.status, bracket.stop.attempt) == (LegStatus.RESTING, 2)
    assert bracket.take_profit.status is LegStatus.RESTING
    assert not bracket.closing_at_market and position(desk) == 100
    rows = desk.emulator.journal(desk.api_key)
    assert requests_of(rows) == [("sl1", "request_faulted"), ("x1", "request_faulted"),
                                 ("sl2", "algo_created"), ("tp1", "algo_created")]
    names = desk.event_names()
    assert names.index("leg_failed") < names.index("watch_failed") < names.index("leg_placed")
    [failed] = [e for e in desk.events if e.name.value == "watch_failed"]
    assert failed.fields["step"] == "ClosePastStop" and "-4131" in failed.fields["error"]
    assert "stop is sent again" in failed.fields["action"]
    assert "bracket_placed" in names

    desk.emulator.set_price(SYMBOL, "1.1300")  # through the stop
    assert position(desk) == 0
    rows = desk.emulator.journal(desk.api_key)
    entry = next(r for r in rows if r["event"] == "order_filled")
    damage = audit(rows, [Trade(1, SYMBOL, False, bracket.root, 1.14, {str(entry["order_id"])})],
                   "ftb")
    assert damage.harmless, damage.describe()
    assert damage.venue_said_crossings == [] and damage.lives == 1


def test_a_real_2021_and_a_refused_close_send_the_stop_again_then_close_on_the_next_look(
    desk: Desk,
) -> None:
    """The price really is past the stop: the venue refuses the stop sent again with -2021 too,
    which leaves the close to the next look (not a chain of sends now), and that close fills."""
    refuse_the_close(desk)
    trade = open_long(desk, stop=1.25, take_profit=1.40)

    bracket = desk.record(trade)
    assert (bracket.stop.status, bracket.stop.attempt) == (LegStatus.FAILED, 2)
    assert bracket.stop.closing is Closing.PRICE_PAST_STOP and bracket.closing_at_market
    assert position(desk) == 100
    assert requests_of(desk.emulator.journal(desk.api_key)) == [
        ("sl1", "algo_rejected"), ("x1", "request_faulted"), ("sl2", "algo_rejected")]
    failed = [e.fields for e in desk.events if e.name.value == "leg_failed"]
    assert [f["client_id"][-3:] for f in failed] == ["sl1", "sl2"]
    assert "next loop" in failed[1]["action"]

    desk.manager.every_loop([trade])
    assert position(desk) == 0
    assert requests_of(desk.emulator.journal(desk.api_key))[3:] == [("x2", "order_created")]
    assert "closed_past_stop" in desk.event_names()
    assert all(r["algoStatus"] != "NEW" for r in desk.algo_orders())  # nothing rests


def test_a_close_past_the_stop_that_fills_in_part_gets_the_stop_again_for_the_rest(
    desk: Desk,
) -> None:
    """A thin book fills 30 of the close and expires the rest: the 70 left get a stop of 70 at
    once (the -2021 was a fault's: it rests), and the take-profit follows the position."""
    desk.client.create_order(PAIR, "market", "buy", 100)
    desk.emulator.control("POST", "book", symbol=SYMBOL, levels=3, level_qty="10")
    desk.emulator.fault(PLACE_LEG, kind="error", code=-2021, count=1, api_key=desk.api_key,
                        msg="Order would immediately trigger.", match={"type": "STOP_MARKET"})
    trade = TradeView(1, PAIR, is_short=False, amount=100.0, is_open=True)
    desk.manager.open_bracket(trade, bracket_root(1, OPENED_AT), 1.14, 1.29)

    assert position(desk) == 70
    bracket = desk.record(trade)
    assert (bracket.stop.status, bracket.stop.attempt, bracket.stop.quantity) == (
        LegStatus.RESTING, 2, 70)
    [stop] = [r for r in desk.algo_orders() if r["algoStatus"] == "NEW"
              and r["orderType"] == "STOP_MARKET"]
    assert float(stop["quantity"]) == 70
    assert [e.fields["closed"] for e in desk.events if e.name.value == "closed_past_stop"] == [30]
    desk.manager.every_loop([trade])
    resting = sorted((r["orderType"], float(r["quantity"])) for r in desk.algo_orders()
                     if r["algoStatus"] == "NEW")
    assert resting == [("STOP_MARKET", 70), ("TAKE_PROFIT_MARKET", 70)]
