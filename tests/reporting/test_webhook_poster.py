"""The plugin's webhook posts, against a real HTTP listener: off the caller's thread, in order,
retried with freqtrade's settings under the same event id, given up loudly."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from ft_bracket.reporting.events import Event, EventName, Severity
from ft_bracket.reporting.facts import BracketFacts
from ft_bracket.reporting.notifier import BracketNotifier, venue_label
from ft_bracket.reporting.webhook_poster import WebhookPoster, WebhookTarget, shared_poster
from tests.support.webhook import WebhookListener

DEADLINE_S = 30.0  # generous: nothing here is timed, only waited for


@pytest.fixture
def listener() -> Iterator[WebhookListener]:
    with WebhookListener() as running:
        yield running


def payloads(count: int) -> list[dict]:
    return [{"type": "bracket_event", "event_id": f"run-{n}", "event": "leg_placed"}
            for n in range(count)]


def test_submit_returns_while_the_endpoint_still_holds_the_first_post(
    listener: WebhookListener,
) -> None:
    poster = WebhookPoster(WebhookTarget(listener.url, timeout=DEADLINE_S))
    listener.hold()
    submitted = [poster.submit(p) for p in payloads(5)]
    # All five were accepted although the endpoint has not answered the first one yet.
    listener.wait_for(lambda: listener.attempts, DEADLINE_S)
    assert submitted == [True] * 5 and listener.messages == []
    listener.release()
    assert poster.drain(DEADLINE_S)
    assert [m["event_id"] for m in listener.messages] == [f"run-{n}" for n in range(5)]
    assert (poster.delivered, poster.failed) == (5, 0)


def test_a_refused_post_is_retried_with_the_same_event_id(listener: WebhookListener) -> None:
    listener.fail_next(2, status=503)
    poster = WebhookPoster(WebhookTarget(listener.url, retries=2, retry_delay=0.01))
    poster.submit(payloads(1)[0])
    assert poster.drain(DEADLINE_S)
    assert [a["event_id"] for a in listener.attempts] == ["run-0"] * 3
    assert [m["event_id"] for m in listener.messages] == ["run-0"]


def test_after_the_last_retry_the_event_is_given_up_and_said_so(
    listener: WebhookListener, caplog: pytest.LogCaptureFixture,
) -> None:
    listener.fail_next(2, status=500)
    poster = WebhookPoster(WebhookTarget(listener.url, retries=1, retry_delay=0.0))
    poster.submit(payloads(2)[0])
    poster.submit(payloads(2)[1])
    assert poster.drain(DEADLINE_S)
    assert [a["event_id"] for a in listener.attempts] == ["run-0", "run-0", "run-1"]
    assert [m["event_id"] for m in listener.messages] == ["run-1"]
    assert (poster.delivered, poster.failed) == (1, 1)
    assert "gave up posting bracket event run-0" in caplog.text


def test_a_full_queue_drops_the_newest_instead_of_waiting(listener: WebhookListener) -> None:
    poster = WebhookPoster(WebhookTarget(listener.url, timeout=DEADLINE_S), max_queued=2)
    listener.hold()
    first, *rest = payloads(5)
    poster.submit(first)
    listener.wait_for(lambda: listener.attempts, DEADLINE_S)  # in flight, out of the queue
    assert [poster.submit(p) for p in rest] == [True, True, False, False]
    assert poster.dropped == 2
    listener.release()
    assert poster.drain(DEADLINE_S)
    assert [m["event_id"] for m in listener.messages] == ["run-0", "run-1", "run-2"]


def test_the_target_is_freqtrades_webhook_section_with_its_defaults() -> None:
    assert WebhookTarget.from_config({"webhook": {"enabled": True, "url": "http://x/h"}}) == (
        WebhookTarget("http://x/h", retries=0, retry_delay=0.1, timeout=10.0))
    assert WebhookTarget.from_config({"webhook": {
        "enabled": True, "url": "http://x/h", "retries": 2, "retry_delay": 0.5,
        "timeout": 3}}) == WebhookTarget("http://x/h", 2, 0.5, 3.0)
    assert WebhookTarget.from_config({"webhook": {"enabled": False, "url": "http://x"}}) is None
    assert WebhookTarget.from_config({"webhook": {"enabled": True, "url": ""}}) is None
    assert WebhookTarget.from_config({}) is None


def test_one_poster_per_process_for_one_target() -> None:
    target = WebhookTarget("http://127.0.0.1:9/a")
    assert shared_poster(target) is shared_poster(WebhookTarget("http://127.0.0.1:9/a"))
    assert shared_poster(WebhookTarget("http://127.0.0.1:9/b")) is not shared_poster(target)


def test_the_notifier_sends_markdown_to_telegram_and_json_to_the_webhook(
    listener: WebhookListener, caplog: pytest.LogCaptureFixture,
) -> None:
    texts: list[str] = []
    facts = BracketFacts(3, "XRP/USDT:USDT", False, 2.0, 1.2, 10.0, "USDT", stop_price=1.17)
    poster = WebhookPoster(WebhookTarget(listener.url))
    config = {"bot_name": "b1", "dry_run": False, "exchange": {"name": "binance"}}
    notifier = BracketNotifier(config, texts.append, {3: facts}.get, poster)
    with caplog.at_level(logging.ERROR):
        for trade in (3, 4):  # 4: no such trade, the message goes without its context
            notifier(Event(Severity.INFO, EventName.LEG_PLACED,
                           {"trade": trade, "pair": "XRP/USDT:USDT", "leg": "stop",
                            "price": 1.17}))
    assert poster.drain(DEADLINE_S)
    assert texts[0].startswith("\N{SHIELD} *Binance:* Stop placed (#3)\n")
    assert "*Entry:* `1.2 USDT`" in texts[0] and "Entry" not in texts[1]
    first, second = listener.bracket_events()
    assert (first["bot_name"], first["dry_run"], first["trade"]["entry_price"]) == (
        "b1", False, 1.2)
    assert second["trade"] is None
    assert first["event_id"] != second["event_id"]
    assert first["message"].startswith("\N{SHIELD} Binance: Stop placed (#3)\nPair: ")
    assert venue_label({"dry_run": True, "exchange": {"name": "binance"}}) == "Binance (dry)"


def test_a_broken_telegram_path_still_posts_the_event(listener: WebhookListener) -> None:
    def broken(text: str) -> None:
        raise RuntimeError("no message queue")

    poster = WebhookPoster(WebhookTarget(listener.url))
    BracketNotifier({}, broken, lambda trade_id: None, poster)(
        Event(Severity.ERROR, EventName.ENTRY_FAILED, {"pair": "XRP/USDT:USDT"}))
    assert poster.drain(DEADLINE_S)
    assert [e["event"] for e in listener.bracket_events()] == ["entry_failed"]
