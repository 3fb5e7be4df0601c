"""The user-data stream in process: events made from the journal's rows as they are recorded,
and a stream that fails never failing the venue call that wrote the row."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from binance_emulator.api import user_stream
from binance_emulator.api.user_stream import UserStreams
from tests.emulator.helpers import D, make_exchange, market


def _drain(queue: asyncio.Queue[str]) -> list[dict]:
    events = []
    while not queue.empty():
        events.append(json.loads(queue.get_nowait()))
    return events


def test_a_fill_is_pushed_as_order_trade_updates() -> None:
    exchange = make_exchange()
    account = exchange.add_account("key", "secret", D(10_000))
    queue = UserStreams(exchange).subscribe("key")
    order = exchange.new_order(account, market("BUY", "100", client_id="entry"))
    events = _drain(queue)
    assert [(e["e"], e["o"]["x"], e["o"]["X"]) for e in events] == [
        ("ORDER_TRADE_UPDATE", "NEW", "NEW"), ("ORDER_TRADE_UPDATE", "TRADE", "FILLED")]
    assert {e["o"]["i"] for e in events} == {order.order_id}


def test_an_event_that_cannot_be_made_is_logged_and_the_order_still_goes_through(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    exchange = make_exchange()
    account = exchange.add_account("key", "secret", D(10_000))
    queue = UserStreams(exchange).subscribe("key")

    def broken(*args: object) -> list[dict[str, object]]:
        raise KeyError("a field the event builder expected")

    monkeypatch.setattr(user_stream, "_events", broken)
    with caplog.at_level(logging.ERROR, logger=user_stream.__name__):
        order = exchange.new_order(account, market("BUY", "100"))
    assert order.status == "FILLED"
    assert account.position("XRPUSDT").amount == D(100)
    assert [r["event"] for r in exchange.journal.of("key")] == ["order_created", "order_filled"]
    assert queue.empty()
    assert caplog.text.count("user stream: no event for journal row") == 2


class _FlakySocket:
    """Refuses its first message with an error that is not a lost connection."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_str(self, text: str) -> None:
        if not self.sent and text == "first":
            self.sent.append("refused")
            raise RuntimeError("cannot encode this frame")
        self.sent.append(text)


def test_an_event_that_cannot_be_sent_is_logged_and_the_next_one_still_goes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> list[str]:
        socket = _FlakySocket()
        queue: asyncio.Queue[str] = asyncio.Queue()
        sender = asyncio.create_task(user_stream._send(socket, queue))  # type: ignore[arg-type]
        for text in ("first", "second"):
            queue.put_nowait(text)

        async def both_handled() -> None:
            while len(socket.sent) < 2 and not sender.done():
                await asyncio.sleep(0)

        await asyncio.wait_for(both_handled(), timeout=5)
        sender.cancel()
        return socket.sent

    with caplog.at_level(logging.ERROR, logger=user_stream.__name__):
        assert asyncio.run(scenario()) == ["refused", "second"]
    assert "user stream: sending an event failed" in caplog.text
