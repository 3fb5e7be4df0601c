"""The demo's bracket feed against canned REST API answers: what it prints, and when."""

from __future__ import annotations

from typing import Any

from scripts.demo import feed as demo

LEGS = {"stop": {"trigger_price": 1.17, "order_id": "8000000004", "status": "resting"},
        "take_profit": {"trigger_price": 1.26, "order_id": "8000000005", "status": "resting"}}


def trade(trade_id: int = 3, **fields: Any) -> dict[str, Any]:
    return {"trade_id": trade_id, "pair": "XRP/USDT:USDT", "is_short": False,
            "open_rate": 1.2001, "is_open": True, **fields}


class FakeBot:
    """Answers the feed's GETs from dicts the test changes between polls."""

    def __init__(self) -> None:
        self.open: list[dict[str, Any]] = []
        self.closed: list[dict[str, Any]] = []
        self.custom: dict[int, dict[str, Any]] = {}

    def get(self, path: str) -> Any:
        if path == "status":
            return self.open
        if path.startswith("trades?"):
            return {"trades": self.closed}
        trade_id = int(path.split("/")[1])
        if trade_id not in self.custom:
            raise OSError("404")
        return [{"trade_id": trade_id, "custom_data": [
            {"key": key, "value": value} for key, value in self.custom[trade_id].items()]}]


def test_a_bracket_is_printed_when_its_legs_rest_and_again_when_it_closes() -> None:
    bot, printed = FakeBot(), []
    feed = demo.TradeFeed(bot.get, printed.append)
    bot.open = [trade()]
    feed.poll()  # filled, legs not yet recorded: wait for them
    assert printed == []
    bot.custom[3] = {"bracket_legs": LEGS, "bracket": {"risk_amount": 20.0}}
    feed.poll()
    assert printed == [
        "  #3 XRP/USDT:USDT long opened at 1.2001  stop 1.17 (order 8000000004, resting)  "
        "take-profit 1.26 (order 8000000005, resting)  risk 20.00 USDT"]
    feed.poll()
    assert len(printed) == 1  # once
    bot.open = []
    bot.closed = [trade(is_open=False, exit_reason="take_profit", close_rate=1.27,
                        profit_abs=41.0)]
    feed.poll()
    assert printed[1] == ("  #3 XRP/USDT:USDT long closed by take_profit at 1.27  +2.05 R  "
                          "(+41.00 USDT)")


def test_legs_that_never_show_up_are_printed_as_missing_after_a_few_polls() -> None:
    bot, printed = FakeBot(), []
    feed = demo.TradeFeed(bot.get, printed.append)
    bot.open = [trade(is_short=True)]
    for _ in range(demo.LEG_WAIT_POLLS):
        feed.poll()
    assert printed == ["  #3 XRP/USDT:USDT short opened at 1.2001  stop (not placed yet)  "
                       "take-profit (not placed yet)"]


def test_a_trade_that_opened_and_closed_between_polls_gets_both_lines() -> None:
    bot, printed = FakeBot(), []
    feed = demo.TradeFeed(bot.get, printed.append)
    feed.poll()
    bot.custom[4] = {"bracket_legs": LEGS, "bracket": {"risk_amount": 10.0}}
    bot.closed = [trade(4, is_open=False, exit_reason="stoploss_on_exchange", close_rate=1.17,
                        profit_abs=-10.3)]
    feed.poll()
    assert [line.split("  ")[1][:20] for line in printed] == [
        "#4 XRP/USDT:USDT lon", "#4 XRP/USDT:USDT lon"]
    assert printed[1].endswith("closed by stoploss_on_exchange at 1.17  -1.03 R  (-10.30 USDT)")


def test_trades_closed_before_the_demo_started_are_not_replayed() -> None:
    bot, printed = FakeBot(), []
    bot.closed = [trade(1, is_open=False, exit_reason="take_profit", close_rate=1.3,
                        profit_abs=5.0)]
    feed = demo.TradeFeed(bot.get, printed.append)
    feed.poll()
    feed.poll()
    assert printed == ["  (1 earlier closed trades in the database)"]
