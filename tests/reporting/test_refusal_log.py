"""Refusals are logged and sent once per pair, signal candle and reason (freqtrade re-asks
every loop, with a live price that changes the detail)."""

from __future__ import annotations

from datetime import UTC, datetime

from ft_bracket.core.risk import Decision, Denial, Signal
from ft_bracket.reporting.events import Event, EventName, EventSink
from ft_bracket.reporting.refusal_log import RefusalLog


def test_once_per_candle_and_reason() -> None:
    sent: list[Event] = []
    log = RefusalLog()
    log.events = EventSink(sent.append)
    candle = datetime(2026, 11, 28, 20, 55, tzinfo=UTC)
    for ratio in ("1.22", "1.18", "1.37"):
        log.refuse("BTC/USDT:USDT", candle, Decision(Denial.REWARD_RISK_BELOW_MINIMUM,
                                                     f"reward/risk {ratio} < 1.5"))
    assert len(sent) == 1
    assert (sent[0].name, sent[0].fields) == (EventName.ENTRY_REFUSED, {
        "pair": "BTC/USDT:USDT", "candle": "2026-11-28T20:55:00+00:00",
        "reason": "RewardRiskBelowMinimum: reward/risk 1.22 < 1.5"})
    log.refuse("BTC/USDT:USDT", candle, Decision(Denial.MAX_OPEN_POSITIONS, "3 open"))
    log.refuse("ETH/USDT:USDT", candle, Decision(Denial.MAX_OPEN_POSITIONS, "3 open"))
    next_candle = datetime(2026, 11, 28, 20, 56, tzinfo=UTC)
    log.refuse("BTC/USDT:USDT", next_candle, Decision(Denial.MAX_OPEN_POSITIONS, "3 open"))
    assert len(sent) == 4


def test_side_and_the_signals_prices_travel_with_the_event() -> None:
    sent: list[Event] = []
    log = RefusalLog()
    log.events = EventSink(sent.append)
    log.refuse("XRP/USDT:USDT", None, Decision(Denial.OPEN_RISK_CAP_REACHED, "5 % at risk"),
               side="short", signal=Signal(True, 1.2, 1.23, 1.14))
    assert sent[0].fields == {"pair": "XRP/USDT:USDT", "side": "short", "entry": 1.2,
                              "stop": 1.23, "take_profit": 1.14,
                              "reason": "OpenRiskCapReached: 5 % at risk"}
