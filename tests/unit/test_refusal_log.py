"""Refusals are logged and sent once per pair, signal candle and reason (freqtrade re-asks
every loop, with a live price that changes the detail)."""

from __future__ import annotations

from datetime import UTC, datetime

from ft_bracket.core.events import EventSink, parse_event
from ft_bracket.core.risk import Decision, Denial
from ft_bracket.refusals import RefusalLog


def test_once_per_candle_and_reason() -> None:
    sent: list[str] = []
    log = RefusalLog()
    log.events = EventSink(sent.append)
    candle = datetime(2026, 11, 28, 20, 55, tzinfo=UTC)
    for ratio in ("1.22", "1.18", "1.37"):
        log.refuse("BTC/USDT:USDT", candle, Decision(Denial.REWARD_RISK_BELOW_MINIMUM,
                                                     f"reward/risk {ratio} < 1.5"))
    assert len(sent) == 1
    assert parse_event(sent[0])[1] == "entry_refused"
    log.refuse("BTC/USDT:USDT", candle, Decision(Denial.MAX_OPEN_POSITIONS, "3 open"))
    log.refuse("ETH/USDT:USDT", candle, Decision(Denial.MAX_OPEN_POSITIONS, "3 open"))
    next_candle = datetime(2026, 11, 28, 20, 56, tzinfo=UTC)
    log.refuse("BTC/USDT:USDT", next_candle, Decision(Denial.MAX_OPEN_POSITIONS, "3 open"))
    assert len(sent) == 4
