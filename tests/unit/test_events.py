"""Bracket events: one parseable line per event, sent through freqtrade's message queue."""

from __future__ import annotations

import logging

import pytest

from ft_bracket.core.events import EventName, EventSink, Severity, format_event, parse_event


def test_event_line_round_trips_with_quoted_values() -> None:
    line = format_event(
        Severity.ERROR,
        EventName.LEG_FAILED,
        {"trade": 3, "pair": "XRP/USDT:USDT", "price": 1.2255, "reason": 'a "b" = c', "x": None},
    )
    assert line.startswith("[bracket] ERROR leg_failed trade=3 pair=XRP/USDT:USDT price=1.2255 ")
    severity, name, fields = parse_event(line)
    assert (severity, name) == ("ERROR", "leg_failed")
    assert fields == {"trade": "3", "pair": "XRP/USDT:USDT", "price": "1.2255",
                      "reason": "a 'b' = c"}


def test_sink_sends_and_survives_a_broken_transport(caplog: pytest.LogCaptureFixture) -> None:
    sent: list[str] = []
    EventSink(sent.append).emit(Severity.INFO, EventName.BRACKET_PLACED, trade=1)
    assert sent == ["[bracket] INFO bracket_placed trade=1"]

    def broken(message: str) -> None:
        raise RuntimeError("queue gone")

    with caplog.at_level(logging.INFO):
        line = EventSink(broken).emit(Severity.ERROR, EventName.LEG_FAILED, trade=2)
    assert line == "[bracket] ERROR leg_failed trade=2"
    # The event is still logged, and the broken transport is reported, not raised.
    assert [r.getMessage() for r in caplog.records] == [line, "could not send bracket event"]
    assert parse_event("not ours") is None
