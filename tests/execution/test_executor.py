"""The executor without a venue: dry-run's simulated venue, and gateways that fail on cue.

The wire itself is tested against the emulator (tests/execution/test_executor_on_emulator.py)."""

from __future__ import annotations

from dataclasses import replace

import ccxt
import pytest

from ft_bracket.core.actions import TradeView
from ft_bracket.core.legs import LegStatus
from ft_bracket.core.venue import VenueLeg, VenueStatus
from ft_bracket.execution.context import ManagerSettings
from ft_bracket.execution.order_manager import OrderManager
from ft_bracket.reporting.events import Event, EventSink
from ft_bracket.venues.simulated import SimulatedGateway, TradeExit
from tests.support.freqtrade_standin import StandInFreqtrade

PAIR = "XRP/USDT:USDT"
TRADE = TradeView(5, PAIR, is_short=False, amount=100.0, is_open=True)


class FlakyCancels(SimulatedGateway):
    """Rests every leg; its cancels fail while ``failing`` is set, and are counted."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = True
        self.cancels = 0

    def cancel(self, pair: str, order_id: str) -> VenueLeg | None:
        self.cancels += 1
        if self.failing:
            raise ccxt.ExchangeNotAvailable("503 Service Unavailable")
        return super().cancel(pair, order_id)

    def snapshot(self, pairs: object = None, positions: bool = True):  # type: ignore[override]
        found = super().snapshot(pairs, positions)
        found.positions = {}  # the position is gone on the venue
        return found


def manager(gateway: SimulatedGateway, events: list[Event], *, dry_run: bool = False
            ) -> OrderManager:
    return OrderManager(ManagerSettings(), gateway, StandInFreqtrade(), EventSink(events.append),
                        dry_run=dry_run)


def close(orders: OrderManager, venue: SimulatedGateway, reason: str, rate: float) -> None:
    """freqtrade closed the trade: dry-run's venue hears how, then the executor ends the legs
    (the supervisor's ``trade_closed``)."""
    venue.trade_closed(PAIR, TradeExit(reason, rate, TRADE.amount))
    orders.close_bracket(replace(TRADE, is_open=False, exit_reason=reason, close_rate=rate))


def test_dry_run_rests_simulated_legs_and_ends_them_with_the_trade() -> None:
    events: list[Event] = []
    venue = SimulatedGateway()
    orders = manager(venue, events, dry_run=True)
    bracket = orders.open_bracket(TRADE, "5-x", 1.14, 1.29)
    assert (bracket.stop.status, bracket.stop.order_id) == (LegStatus.RESTING,
                                                            "dry-run-ftb-5-x-sl1")
    assert events[0].fields["simulated"] == "yes"
    close(orders, venue, "take_profit", 1.2901)
    after = orders.load(5)
    assert after is not None
    assert (after.stop.status, after.take_profit.status) == (LegStatus.CANCELLED,
                                                             LegStatus.FILLED)
    assert after.take_profit.fill_price == 1.2901
    assert (events[-1].name, events[-1].fields) == (
        "legs_cancelled", {"trade": 5, "pair": PAIR, "legs": "stop"})


@pytest.mark.parametrize("reason", ["stop_loss", "stoploss_on_exchange", "trailing_stop_loss",
                                    "liquidation"])
def test_dry_run_close_by_any_stop_out_fills_the_stop(reason: str) -> None:
    venue = SimulatedGateway()
    orders = manager(venue, [], dry_run=True)
    orders.open_bracket(TRADE, "5-x", 1.14, 1.29)
    close(orders, venue, reason, 1.1399)
    after = orders.load(5)
    assert after is not None
    assert (after.stop.status, after.stop.filled_quantity, after.stop.fill_price) == (
        LegStatus.FILLED, TRADE.amount, 1.1399)
    assert after.take_profit.status is LegStatus.CANCELLED


def test_dry_run_close_by_anything_else_cancels_both_legs() -> None:
    venue = SimulatedGateway()
    orders = manager(venue, [], dry_run=True)
    orders.open_bracket(TRADE, "5-x", 1.14, 1.29)
    close(orders, venue, "force_exit", 1.2)
    after = orders.load(5)
    assert after is not None
    assert [leg.status for leg in after.legs] == [LegStatus.CANCELLED] * 2


def test_dry_run_never_hands_its_stop_to_freqtrade() -> None:
    """freqtrade simulates its own stop in dry-run; a simulated leg has no order of the venue's
    that freqtrade could take over."""
    freqtrade = StandInFreqtrade()
    orders = OrderManager(ManagerSettings(), SimulatedGateway(), freqtrade, EventSink(print),
                          dry_run=True)
    orders.open_bracket(TRADE, "5-x", 1.14, 1.29)
    assert not orders.adopt_stop(TRADE)
    orders.every_loop([replace(TRADE, freqtrade_stop_ids=frozenset())])
    assert freqtrade.stops == {}


def test_a_failing_cancel_is_recorded_and_sent_again_once_per_loop_until_it_lands() -> None:
    events: list[Event] = []
    gateway = FlakyCancels()
    orders = manager(gateway, events)
    orders.open_bracket(TRADE, "5-x", 1.14, 1.29)
    orders.every_loop([TRADE])  # position gone: both legs must go; the venue refuses
    bracket = orders.load(5)
    assert bracket is not None and bracket.stop.status is LegStatus.CANCELLING
    assert gateway.cancels == 1  # the first failure ends this loop's work on the bracket
    assert events[-1].name == "watch_failed"
    orders.every_loop([TRADE])
    assert gateway.cancels == 2  # again, once
    gateway.failing = False
    orders.every_loop([TRADE])
    bracket = orders.load(5)
    assert bracket is not None
    assert [leg.status for leg in bracket.legs] == [LegStatus.CANCELLED, LegStatus.CANCELLED]
    assert [leg.status for leg in gateway._legs.values()] == [VenueStatus.CANCELLED] * 2
    assert orders.context.freqtrade.imported == [(5, "sold_on_exchange")]  # type: ignore[attr-defined]
    assert [e.name for e in events[-2:]] == ["position_gone", "legs_cancelled"]


def test_a_position_closed_by_freqtrades_own_exit_on_its_way_is_not_imported() -> None:
    """freqtrade's force exit runs on the REST thread: its order fills before its row is
    written. A look in between must leave that fill to freqtrade (one order, one row)."""
    events: list[Event] = []
    gateway = FlakyCancels()
    gateway.failing = False
    orders = manager(gateway, events)
    orders.open_bracket(TRADE, "5-x", 1.14, 1.29)
    orders.freqtrade_exits.sending(PAIR)
    orders.every_loop([TRADE])
    assert orders.context.freqtrade.imported == []  # type: ignore[attr-defined]
    assert "position_gone" not in [e.name for e in events]
    bracket = orders.load(5)
    assert bracket is not None  # the legs still go: nothing may outlive the position
    assert [leg.status for leg in bracket.legs] == [LegStatus.CANCELLED, LegStatus.CANCELLED]
    orders.freqtrade_exits.sent(PAIR, "8000000006")
    assert not orders.freqtrade_exits.on_the_way(PAIR)
    assert orders.freqtrade_exits.order_ids() == {"8000000006"}


class LiquidatedBetweenReads(SimulatedGateway):
    """The venue liquidates between the look's two reads: the positions (read first) still
    show the position, the legs (read next) are already gone, cancelled by the liquidation."""

    def __init__(self) -> None:
        super().__init__()
        self.liquidated = False
        self.position_reads = 0

    def snapshot(self, pairs: object = None, positions: bool = True):  # type: ignore[override]
        found = super().snapshot(pairs, positions)
        found.positions = {PAIR: TRADE.amount}
        if self.liquidated:
            for order_id in list(self._legs):
                super().cancel(PAIR, order_id)
            found.legs = {}
        return found

    def positions(self) -> dict[str, float]:
        self.position_reads += 1
        return {} if self.liquidated else {PAIR: TRADE.amount}


def test_legs_a_liquidation_cancelled_between_the_reads_are_not_placed_again() -> None:
    """The leg gone behind our back makes the position be read again: it is gone too, so the
    trade is closed from the venue's fills instead of its legs being sent again (refused)."""
    events: list[Event] = []
    gateway = LiquidatedBetweenReads()
    orders = manager(gateway, events)
    orders.open_bracket(TRADE, "5-x", 1.14, 1.29)
    gateway.liquidated = True
    orders.every_loop([TRADE])
    bracket = orders.load(5)
    assert bracket is not None
    assert [(leg.status, leg.attempt) for leg in bracket.legs] == [(LegStatus.CANCELLED, 1)] * 2
    assert orders.context.freqtrade.imported == [(5, "sold_on_exchange")]  # type: ignore[attr-defined]
    assert gateway.position_reads == 1  # once per look, however many legs it ended


def test_freqtrades_order_recovery_is_told_which_orders_are_another_brackets() -> None:
    """An earlier trade's stop fired (its real order freqtrade knows only by the stop's algo
    id): the next trade on the pair must not take that order, or any leg or close of the
    earlier bracket or an entry no trade holds, for its own; its own filled orders and
    freqtrade's stay, its own that filled nothing go (freqtrade cannot write their rows)."""
    orders = manager(SimulatedGateway(), [])
    earlier = orders.open_bracket(replace(TRADE, trade_id=5), "5-a", 1.14, 1.29)
    earlier.stop.fill_order_id = "905"
    orders.context.store.store(earlier)
    orders.open_bracket(replace(TRADE, trade_id=6), "6-b", 1.14, 1.29)
    seen = [{"id": "905", "clientOrderId": "x-anything"},  # the earlier stop's real order
            {"id": "906", "clientOrderId": "ftb-5-a-tp1"},
            {"id": "907", "clientOrderId": "ftb-5-a-x1"},
            {"id": "908", "clientOrderId": "ftb-6-b-sl1", "filled": 100.0},  # the open trade's
            {"id": "909", "clientOrderId": "ftb-mx1abc-en1"},  # its entry, known by id
            {"id": "910", "clientOrderId": "x-freqtrades-own-exit"},
            {"id": "911", "clientOrderId": "ftb-mx2def-en1"},  # an entry whose answer was lost
            # Its take-profit fired after the stop had closed the position: expired, unfilled.
            {"id": "912", "clientOrderId": "ftb-6-b-tp1", "filled": 0.0}]
    assert orders.other_brackets_orders(PAIR, 6, {"909"}, [5], seen) == {
        "905", "906", "907", "911", "912"}


def test_dry_run_levels_of_a_scaled_out_bracket_fill_their_own_sizes() -> None:
    venue = SimulatedGateway()
    orders = manager(venue, [], dry_run=True)
    orders.open_bracket(TRADE, "5-x", 1.14, 1.26, take_profits=[(1.26, 60.0), (1.30, 40.0)])
    close(orders, venue, "take_profit", 1.28)
    after = orders.load(5)
    assert after is not None
    assert [(leg.status, leg.filled_quantity) for leg in after.take_profits] == [
        (LegStatus.FILLED, 60.0), (LegStatus.FILLED, 40.0)]
    assert after.stop.status is LegStatus.CANCELLED
