"""Bracket events: typed fields, one greppable log line each, handed to the transport."""

from __future__ import annotations

import logging

import pytest

from ft_bracket.reporting.events import Event, EventName, EventSink, Severity, format_event


def test_the_log_line_quotes_values_with_spaces_and_leaves_out_none() -> None:
    line = format_event(
        Severity.ERROR,
        EventName.LEG_FAILED,
        {"trade": 3, "pair": "XRP/USDT:USDT", "price": 1.2255, "reason": 'a "b" = c', "x": None},
    )
    assert line == ("[bracket] ERROR leg_failed trade=3 pair=XRP/USDT:USDT price=1.2255 "
                    "reason=\"a 'b' = c\"")


def test_the_sink_hands_on_the_event_with_its_values_as_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[Event] = []
    with caplog.at_level(logging.INFO, logger="ft_bracket.core.events"):
        event = EventSink(sent.append).emit(Severity.INFO, EventName.BRACKET_PLACED, trade=1,
                                           pair="XRP/USDT:USDT", stop=1.17, unprotected_ms=None)
    assert sent == [event]
    assert (event.severity, event.name, event.fields) == (
        Severity.INFO, EventName.BRACKET_PLACED, {"trade": 1, "pair": "XRP/USDT:USDT",
                                                  "stop": 1.17})
    assert (event.trade_id, event.pair) == (1, "XRP/USDT:USDT")
    assert event.time.tzinfo is not None
    assert caplog.messages == ["[bracket] INFO bracket_placed trade=1 pair=XRP/USDT:USDT stop=1.17"]


def test_a_broken_transport_is_logged_and_does_not_reach_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(event: Event) -> None:
        raise RuntimeError("queue gone")

    event = EventSink(broken).emit(Severity.WARNING, EventName.WATCH_FAILED, error="x")
    assert event.name is EventName.WATCH_FAILED and event.trade_id is None
    assert "could not send bracket event watch_failed" in caplog.text
