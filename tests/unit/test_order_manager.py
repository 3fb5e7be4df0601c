"""The executor without a venue: dry-run's simulated gateway, and a gateway that fails on cue.

The wire itself is tested against the emulator (tests/emulator/test_order_manager.py)."""

from __future__ import annotations

from dataclasses import replace

import ccxt

from ft_bracket.core.events import EventSink, parse_event
from ft_bracket.core.legs import LegStatus
from ft_bracket.core.plan import TradeView
from ft_bracket.core.venue import VenueLeg, VenueStatus
from ft_bracket.order_manager import ManagerSettings, OrderManager
from ft_bracket.simulated import SimulatedGateway
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


def manager(gateway: SimulatedGateway, events: list[str], *, simulated: bool) -> OrderManager:
    return OrderManager(ManagerSettings(), gateway, StandInFreqtrade(), EventSink(events.append),
                        simulated=simulated)


def test_dry_run_rests_simulated_legs_and_ends_them_with_the_trade() -> None:
    events: list[str] = []
    orders = manager(SimulatedGateway(), events, simulated=True)
    bracket = orders.open_bracket(TRADE, "5-x", 1.14, 1.29)
    assert (bracket.stop.status, bracket.stop.order_id) == (LegStatus.RESTING,
                                                            "dry-run-ftb-5-x-sl1")
    assert parse_event(events[0])[2]["simulated"] == "yes"
    orders.close_bracket(replace(TRADE, is_open=False, exit_reason="take_profit",
                                 close_rate=1.2901))
    after = orders.load(5)
    assert after is not None
    assert (after.stop.status, after.take_profit.status) == (LegStatus.CANCELLED,
                                                             LegStatus.FILLED)
    assert after.take_profit.fill_price == 1.2901
    assert parse_event(events[-1])[1:] == ("legs_cancelled",
                                           {"trade": "5", "pair": PAIR, "legs": "stop"})


def test_a_failing_cancel_is_recorded_and_sent_again_once_per_loop_until_it_lands() -> None:
    events: list[str] = []
    gateway = FlakyCancels()
    orders = manager(gateway, events, simulated=False)
    orders.open_bracket(TRADE, "5-x", 1.14, 1.29)
    orders.watch([TRADE])  # position gone: both legs must go; the venue refuses
    bracket = orders.load(5)
    assert bracket is not None and bracket.stop.status is LegStatus.CANCELLING
    assert gateway.cancels == 1  # the first failure ends this loop's work on the bracket
    assert parse_event(events[-1])[1] == "watch_failed"
    orders.watch([TRADE])
    assert gateway.cancels == 2  # again, once
    gateway.failing = False
    orders.watch([TRADE])
    bracket = orders.load(5)
    assert bracket is not None
    assert [leg.status for leg in bracket.legs] == [LegStatus.CANCELLED, LegStatus.CANCELLED]
    assert [leg.status for leg in gateway._legs.values()] == [VenueStatus.CANCELLED] * 2
    assert orders.freqtrade.imported == [(5, "sold_on_exchange")]  # type: ignore[attr-defined]
    assert [parse_event(e)[1] for e in events[-2:]] == ["position_gone", "legs_cancelled"]
