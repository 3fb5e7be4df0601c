"""A pair is clean before an entry (execution/pair_clearance.py), against the emulator through real
ccxt: legs of ours that no record follows are found, followed until the venue confirms them gone,
and keep entries off their pair meanwhile."""

from __future__ import annotations

from dataclasses import replace

from ft_bracket.core.actions import TradeView
from ft_bracket.core.client_ids import bracket_root
from ft_bracket.core.legs import Closing, LegStatus
from ft_bracket.core.risk import Denial
from ft_bracket.execution.context import ManagerSettings
from ft_bracket.execution.order_manager import OrderManager
from ft_bracket.reporting.events import EventSink
from ft_bracket.venues.binance.gateway import LegGateway
from harness.ccxt_client import binance_client
from tests.support.desk import OPENED_AT, PAIR, Desk
from tests.support.freqtrade_standin import StandInFreqtrade

CANCEL_LEG, PLACE_LEG = "DELETE /fapi/v1/algoOrder", "POST /fapi/v1/algoOrder"
CLOSE = "POST /fapi/v1/order"
ORPHAN = "ftb-99-abc-tp1"  # another trade's take-profit: ours by its prefix, no record's


def leave_orphan(desk: Desk) -> None:
    """A reduce-only take-profit left resting by a position that is gone, no trade's now (an
    earlier run's, a send that landed late). The venue takes it only beside a position."""
    desk.client.create_order(PAIR, "market", "buy", 10)
    desk.client.create_order(PAIR, "market", "sell", 10, None,
                             {"takeProfitPrice": 1.3, "reduceOnly": True, "clientAlgoId": ORPHAN})
    desk.client.create_order(PAIR, "market", "sell", 10, None, {"reduceOnly": True})


def orphan_status(desk: Desk) -> str:
    return next(r["algoStatus"] for r in desk.algo_orders() if r["clientAlgoId"] == ORPHAN)


def on_a_short_timeout(desk: Desk, now: list[float]) -> Desk:
    """The desk's manager on a 1 s client timeout, a 30 s landing grace and a clock the test
    moves: a lost send's grace runs out without waiting for it."""
    client = binance_client(desk.emulator, desk.api_key, desk.client.secret, timeout=1000)
    freqtrade = StandInFreqtrade()
    manager = OrderManager(ManagerSettings(landing_grace_s=30), LegGateway(client), freqtrade,
                           EventSink(lambda event: None), clock=lambda: now[0])
    return replace(desk, manager=manager, freqtrade=freqtrade)


def assert_shut_for_the_grace(desk: Desk, now: list[float], lost: str) -> None:
    """Entries on the pair are refused, naming the lost send, until its grace has run out."""
    desk.manager.every_loop([])
    block = desk.manager.entry_clearance(PAIR)
    assert block.denial is Denial.LEG_MAY_STILL_REST and lost in block.detail
    now[0] += 31
    desk.manager.every_loop([])
    assert desk.manager.entry_clearance(PAIR).allowed


def test_an_orphan_whose_cancel_fails_is_read_and_cancelled_again_until_it_is_gone(
    desk: Desk,
) -> None:
    """No record watches its pair: without following it, the second look would not read the
    pair and the leg would rest unseen beside the next position."""
    leave_orphan(desk)
    desk.emulator.fault(CANCEL_LEG, kind="http", http_status=503, count=2, api_key=desk.api_key)
    # The first look reads the whole account: the orphan, a failed cancel.
    desk.manager.every_loop([])
    assert orphan_status(desk) == "NEW"
    block = desk.manager.entry_clearance(PAIR)
    assert block.denial is Denial.LEG_MAY_STILL_REST and ORPHAN in block.detail
    desk.manager.every_loop([])  # its pair read again, the cancel sent again (and refused)
    assert orphan_status(desk) == "NEW"
    desk.manager.every_loop([])
    assert orphan_status(desk) == "CANCELED"
    assert desk.manager.entry_clearance(PAIR).allowed
    assert desk.emulator.state(desk.api_key)["requests"][CANCEL_LEG] == 3


def test_the_gate_reads_a_pair_no_look_covered(desk: Desk) -> None:
    desk.manager.every_loop([])  # start-up: the whole account, nothing of ours
    desk.manager.every_loop([])  # a loop's look: only pairs a record or a doubt follows (none)
    leave_orphan(desk)  # then a leg no record knows lands on a pair no look reads
    block = desk.manager.entry_clearance(PAIR)
    assert block.denial is Denial.LEG_MAY_STILL_REST and ORPHAN in block.detail
    desk.manager.every_loop([])  # the pair is followed now: the orphan is cancelled
    assert orphan_status(desk) == "CANCELED"
    assert desk.manager.entry_clearance(PAIR).allowed


def test_a_send_the_venue_never_heard_of_keeps_the_pair_closed_until_it_can_no_longer_land(
    desk: Desk,
) -> None:
    """Every send of the take-profit is lost on its way and the venue, asked, does not know it:
    such a request may still be in the venue's queue. Once the trade is gone its pair stays shut
    for the grace, and is read on every look meanwhile."""
    now = [1_000.0]
    desk = on_a_short_timeout(desk, now)
    desk.emulator.fault(PLACE_LEG, kind="hang", seconds=1.5, count=3, api_key=desk.api_key,
                        match={"type": "TAKE_PROFIT_MARKET"})
    trade = desk.open()
    bracket = desk.record(trade)
    assert (bracket.stop.status, bracket.take_profit.status) == (
        LegStatus.RESTING, LegStatus.FAILED)
    lost = bracket.take_profit.client_id or ""
    desk.client.create_order(PAIR, "market", "sell", 100, None, {"reduceOnly": True})
    closed = replace(trade, is_open=False, exit_reason="force_exit")
    desk.manager.close_bracket(closed)
    assert_shut_for_the_grace(desk, now, lost)


def test_a_close_at_market_with_no_answer_keeps_the_pair_closed_until_it_can_no_longer_land(
    desk: Desk,
) -> None:
    """The stop cannot rest (the price is past it), so the position goes at market; that close
    gets no answer and the venue, asked, does not know it. It may still wait in the venue's
    queue: landing later it would act on whatever the symbol holds, a new position of the pair.
    (The emulator's hang never lands it, so no race with the client's timeout.)"""
    now = [1_000.0]
    desk = on_a_short_timeout(desk, now)
    desk.client.create_order(PAIR, "market", "buy", 100)
    desk.emulator.fault(CLOSE, kind="hang", seconds=1.5, count=1, api_key=desk.api_key)
    trade = TradeView(1, PAIR, is_short=False, amount=100.0, is_open=True)
    bracket = desk.manager.open_bracket(trade, bracket_root(1, OPENED_AT), 1.25, 1.40)
    assert bracket.stop.closing is Closing.PRICE_PAST_STOP and bracket.market_closes == 1
    lost = f"ftb-{bracket.root}-x1"  # ManagerSettings' default prefix
    assert not any(r.get("clientOrderId") == lost for r in desk.emulator.state(
        desk.api_key)["orders"])  # the venue has not heard of it yet
    desk.client.create_order(PAIR, "market", "sell", 100, None, {"reduceOnly": True})  # a retry
    desk.manager.close_bracket(replace(trade, is_open=False, exit_reason="stop_loss"))
    assert_shut_for_the_grace(desk, now, lost)
