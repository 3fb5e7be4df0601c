"""The OrderManager against the emulator through real ccxt; only freqtrade's trade is a stand-in
(the end-to-end tests run it inside a real freqtrade)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ccxt
import pytest

from ft_bracket.events import EventSink, parse_event
from ft_bracket.gateway import LegGateway
from ft_bracket.legs import Bracket, LegStatus
from ft_bracket.manager import (
    CUSTOM_DATA_KEY,
    EXIT_TAKE_PROFIT,
    BracketManager,
    ManagerSettings,
)
from tests.support.ccxt_client import binance_client
from tests.support.emulator import Emulator

PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
OPENED_AT = 1_795_000_000


@dataclass
class StandInTrade:
    """Just what the manager reads; custom data keeps every version written, in order."""

    id: int
    pair: str = PAIR
    is_short: bool = False
    amount: float = 100.0
    is_open: bool = True
    exit_reason: str | None = None
    writes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_side(self) -> str:
        return "buy" if self.is_short else "sell"

    def get_custom_data(self, key: str, default: Any = None) -> Any:
        assert key == CUSTOM_DATA_KEY
        return self.writes[-1] if self.writes else default

    def set_custom_data(self, key: str, value: Any) -> None:
        self.writes.append(value)


@dataclass
class RecordingHooks:
    adopted: list[tuple[int, str, float]] = field(default_factory=list)
    exits: list[tuple[int, dict, str]] = field(default_factory=list)

    def adopt_stop(self, trade_id: int, order: dict[str, Any], stop_price: float) -> bool:
        self.adopted.append((trade_id, order["id"], stop_price))
        return True

    def register_exit_fill(self, trade_id: int, order: dict[str, Any], reason: str) -> bool:
        self.exits.append((trade_id, order, reason))
        return True

    def stop_order_ids(self, trade_id: int) -> set[str]:
        return {order_id for t, order_id, _ in self.adopted if t == trade_id}

    def import_exchange_exits(self, trade_id: int, reason: str) -> int:
        self.exits.append((trade_id, {}, reason))
        return 1

    def set_stop_price(self, trade_id: int, stop_price: float) -> None:
        pass


@dataclass
class Venue:
    emulator: Emulator
    api_key: str
    client: ccxt.binanceusdm
    manager: BracketManager
    hooks: RecordingHooks
    events: list[str]

    def algo_orders(self) -> list[dict[str, Any]]:
        return self.emulator.state(self.api_key)["algo_orders"]

    def event_names(self) -> list[str]:
        return [parse_event(e)[1] for e in self.events]


@pytest.fixture
def venue(private_emulator: Emulator) -> Venue:
    key, secret = private_emulator.new_account()
    client = binance_client(private_emulator, key, secret)
    private_emulator.set_price(SYMBOL, "1.2000")
    hooks, events = RecordingHooks(), []
    manager = BracketManager(ManagerSettings(), LegGateway(client), hooks,
                             EventSink(events.append))
    return Venue(private_emulator, key, client, manager, hooks, events)


def filled_long(venue: Venue, trade_id: int = 1) -> StandInTrade:
    venue.client.create_order(PAIR, "market", "buy", 100)
    return StandInTrade(trade_id)


def test_entry_fill_gets_both_legs_and_every_attempt_is_recorded_first(venue: Venue) -> None:
    trade = filled_long(venue)
    bracket = venue.manager.open_bracket(trade, OPENED_AT, stop_price=1.14, take_profit_price=1.29)
    assert bracket.stop.status is LegStatus.RESTING
    assert bracket.take_profit.status is LegStatus.RESTING
    rows = {r["orderType"]: r for r in venue.algo_orders()}
    assert rows["STOP_MARKET"]["triggerPrice"] == "1.1400"
    assert rows["TAKE_PROFIT_MARKET"]["triggerPrice"] == "1.2900"
    assert all(r["reduceOnly"] and r["quantity"] == "100.0" and r["side"] == "SELL"
               for r in rows.values())
    # The record said "placing" under the leg's client id before each leg reached the venue.
    placing = [Bracket.from_dict(w) for w in trade.writes]
    stop_sent = next(b for b in placing if b.stop.status is LegStatus.PLACING)
    assert stop_sent.stop.client_id == rows["STOP_MARKET"]["clientAlgoId"]
    tp_sent = next(b for b in placing if b.take_profit.status is LegStatus.PLACING)
    assert tp_sent.take_profit.client_id == rows["TAKE_PROFIT_MARKET"]["clientAlgoId"]
    assert venue.event_names() == ["bracket_placed"]
    # A second report of the same fill places nothing.
    venue.manager.open_bracket(trade, OPENED_AT, stop_price=1.14, take_profit_price=1.29)
    assert len(venue.algo_orders()) == 2
    assert venue.manager.adopt_stop(trade)
    assert venue.hooks.adopted == [(1, rows["STOP_MARKET"]["algoId"].__str__(), 1.14)]


def test_take_profit_fill_is_shown_to_freqtrade(venue: Venue) -> None:
    trade = filled_long(venue)
    venue.manager.open_bracket(trade, OPENED_AT, stop_price=1.14, take_profit_price=1.29)
    venue.emulator.set_price(SYMBOL, "1.3000")
    venue.manager.watch([trade], lambda t: OPENED_AT)
    [(trade_id, fill, reason)] = venue.hooks.exits
    assert (trade_id, reason) == (1, EXIT_TAKE_PROFIT)
    assert fill["status"] == "closed" and fill["filled"] == 100 and fill["average"] == 1.3
    assert venue.manager.load(trade).take_profit.status is LegStatus.FILLED
    assert "take_profit_filled" in venue.event_names()


def test_a_leg_cancelled_behind_our_back_is_replaced(venue: Venue) -> None:
    trade = filled_long(venue)
    bracket = venue.manager.open_bracket(trade, OPENED_AT, 1.14, 1.29)
    venue.client.cancel_order(bracket.take_profit.order_id, PAIR, {"trigger": True})
    venue.manager.watch([trade], lambda t: OPENED_AT)
    after = venue.manager.load(trade)
    assert after.take_profit.status is LegStatus.RESTING and after.take_profit.attempt == 2
    open_tp = [r for r in venue.algo_orders()
               if r["orderType"] == "TAKE_PROFIT_MARKET" and r["algoStatus"] == "NEW"]
    assert [r["clientAlgoId"] for r in open_tp] == [after.take_profit.client_id]
    assert "leg_replaced" in venue.event_names()


def test_watching_costs_one_call_plus_one_per_changed_leg(venue: Venue) -> None:
    trades = []
    for trade_id in (1, 2, 3):
        trade = filled_long(venue, trade_id)
        venue.manager.open_bracket(trade, OPENED_AT, 1.14, 1.29)
        trades.append(trade)
    before = venue.emulator.control("GET", "requests")
    venue.manager.watch(trades, lambda t: OPENED_AT)
    after = venue.emulator.control("GET", "requests")
    calls = sum(after.values()) - sum(before.values())
    assert calls == 1  # nothing changed: one openAlgoOrders for three brackets


def test_orphan_legs_of_our_prefix_are_cancelled_foreign_ones_kept(venue: Venue) -> None:
    trade = filled_long(venue)
    venue.manager.open_bracket(trade, OPENED_AT, 1.14, 1.29)
    venue.client.create_order(PAIR, "market", "sell", 10, None,
                              {"takeProfitPrice": 1.3, "reduceOnly": True,
                               "clientAlgoId": "ftb-99-abc-tp1"})
    venue.client.create_order(PAIR, "market", "sell", 10, None,
                              {"takeProfitPrice": 1.31, "reduceOnly": True,
                               "clientAlgoId": "manual-by-user"})
    venue.manager.watch([trade], lambda t: OPENED_AT)
    status = {r["clientAlgoId"]: r["algoStatus"] for r in venue.algo_orders()}
    assert status["ftb-99-abc-tp1"] == "CANCELED"
    assert status["manual-by-user"] == "NEW"
    assert "orphan_cancelled" in venue.event_names()


def test_closing_the_trade_cancels_the_take_profit_and_leaves_adopted_stops(venue: Venue) -> None:
    trade = filled_long(venue)
    bracket = venue.manager.open_bracket(trade, OPENED_AT, 1.14, 1.29)
    venue.client.create_order(PAIR, "market", "sell", 100, None, {"reduceOnly": True})
    trade.is_open = False
    venue.manager.close_bracket(trade, adopted_stop_ids={bracket.stop.order_id})
    status = {r["orderType"]: r["algoStatus"] for r in venue.algo_orders()}
    assert status == {"STOP_MARKET": "NEW", "TAKE_PROFIT_MARKET": "CANCELED"}
    after = venue.manager.load(trade)
    assert not any(leg.is_open for leg in after.legs)


def test_a_stop_out_records_the_adopted_stop_as_filled_and_cancels_the_take_profit(
    venue: Venue,
) -> None:
    trade = filled_long(venue)
    bracket = venue.manager.open_bracket(trade, OPENED_AT, 1.14, 1.29)
    venue.emulator.set_price(SYMBOL, "1.1300")  # through the stop: it closes the position
    trade.is_open, trade.exit_reason = False, "stoploss_on_exchange"
    venue.manager.close_bracket(trade, adopted_stop_ids={bracket.stop.order_id})
    status = {r["orderType"]: r["algoStatus"] for r in venue.algo_orders()}
    assert status == {"STOP_MARKET": "FINISHED", "TAKE_PROFIT_MARKET": "CANCELED"}
    after = venue.manager.load(trade)
    assert (after.stop.status, after.take_profit.status) == (
        LegStatus.FILLED, LegStatus.CANCELLED)
    assert parse_event(venue.events[-1])[1:] == (
        "legs_cancelled", {"trade": "1", "pair": PAIR, "legs": "take_profit"})


def test_take_profit_beyond_the_price_requests_an_exit(venue: Venue) -> None:
    trade = filled_long(venue)
    bracket = venue.manager.open_bracket(trade, OPENED_AT, 1.14, 1.15)  # TP already crossed
    assert bracket.take_profit.status is LegStatus.FAILED
    assert venue.manager.exit_requests == {1: EXIT_TAKE_PROFIT}
    assert "leg_failed" in venue.event_names()


def test_dry_run_simulates_both_legs_without_any_order(private_emulator: Emulator) -> None:
    events: list[str] = []
    manager = BracketManager(ManagerSettings(), None, None, EventSink(events.append))
    bracket = manager.open_bracket(StandInTrade(5), OPENED_AT, 1.14, 1.29)
    assert bracket.stop.status is LegStatus.RESTING and bracket.stop.order_id is None
    assert parse_event(events[0])[2]["simulated"] == "yes"
    manager.close_bracket(StandInTrade(5, is_open=False), set())


def test_reconcile_reports_and_returns_a_position_no_trade_owns(venue: Venue) -> None:
    trade = filled_long(venue)
    venue.manager.open_bracket(trade, OPENED_AT, 1.14, 1.29)
    venue.emulator.set_price("DOGEUSDT", "0.160000")
    venue.client.create_order("DOGE/USDT:USDT", "market", "buy", 100)  # nobody's trade
    untracked = venue.manager.reconcile([trade], lambda t: OPENED_AT)
    assert untracked == ["DOGE/USDT:USDT"]
    [event] = [e for e in venue.events if parse_event(e)[1] == "untracked_position"]
    assert parse_event(event)[0] == "ERROR" and "locked" in parse_event(event)[2]["action"]
