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


def level(number: int, price: float, quantity: float, order_id: str, **fields: Any
          ) -> dict[str, Any]:
    return {"level": number, "trigger_price": price, "quantity": quantity, "order_id": order_id,
            "status": "resting", **fields}


SCALED_LEGS = {"stop": {"trigger_price": 1.17, "quantity": 100.0, "order_id": "8000000004",
                        "status": "resting", "replacing": None},
               "take_profit": level(1, 1.23, 50.0, "8000000005"),
               "scale_out": [level(2, 1.275, 50.0, "8000000006")]}
ENTRY = {"order_id": "8000000003", "ft_order_side": "buy", "filled": 100.0, "is_open": False,
         "safe_price": 1.2001, "ft_order_tag": None}


def exit_order(order_id: str, tag: str, filled: float, price: float, side: str = "sell"
               ) -> dict[str, Any]:
    return {"order_id": order_id, "ft_order_side": side, "filled": filled, "is_open": False,
            "safe_price": price, "ft_order_tag": tag}


def moved_stop(price: float, quantity: float, order_id: str, status: str = "resting"
               ) -> dict[str, Any]:
    return {**SCALED_LEGS, "stop": {"trigger_price": price, "quantity": quantity,
                                    "order_id": order_id, "status": status, "replacing": None},
            "take_profit": level(1, 1.23, 50.0, "8000000005", status="filled")}


def test_a_scaled_out_bracket_shows_its_levels_a_partial_exit_the_stop_moved_and_the_end() -> None:
    bot, printed = FakeBot(), []
    feed = demo.TradeFeed(bot.get, printed.append)
    bot.open = [trade(amount=100.0, orders=[ENTRY], realized_profit=0.0,
                      price_precision=0.0001, precision_mode=4)]
    bot.custom[3] = {"bracket_legs": SCALED_LEGS, "bracket": {"risk_amount": 3.2}}
    feed.poll()
    assert printed == [
        "  #3 XRP/USDT:USDT long opened at 1.2001  stop 1.17 (order 8000000004, resting)  "
        "take-profit 1: 1.23 for 50 (order 8000000005, resting)  "
        "take-profit 2: 1.275 for 50 (order 8000000006, resting)  risk 3.20 USDT"]
    # Level 1 filled: freqtrade booked half as a partial exit; the stop is being resized.
    bot.open = [{**bot.open[0], "amount": 50.0, "realized_profit": 1.44,
                 "orders": [ENTRY, exit_order("8000000009", "take_profit_1", 50.0, 1.2301)]}]
    bot.custom[3]["bracket_legs"] = moved_stop(1.17, 50.0, "8000000010", status="placing")
    feed.poll()
    assert printed[1:] == ["  #3 XRP/USDT:USDT long partial exit at take-profit 1: 50 at "
                           "1.2301, 50 left  realised so far +0.45 R  (+1.44 USDT)"]
    bot.custom[3]["bracket_legs"] = moved_stop(1.17, 50.0, "8000000010")  # resized, not moved
    feed.poll()
    bot.custom[3]["bracket_legs"] = moved_stop(1.2001, 50.0, "8000000011")
    feed.poll()
    feed.poll()
    assert printed[2:] == ["  #3 XRP/USDT:USDT long stop moved to break-even 1.17 → 1.2001 "
                           "for 50 (order 8000000011)"]
    # Level 2 closes the trade: that exit is the end, not a partial one.
    bot.open = []
    bot.closed = [{**trade(amount=50.0, is_open=False, exit_reason="take_profit",
                           close_rate=1.2752, profit_abs=4.12),
                   "orders": [ENTRY, exit_order("8000000009", "take_profit_1", 50.0, 1.2301),
                              exit_order("8000000012", "take_profit", 50.0, 1.2752)]}]
    feed.poll()
    assert printed[3:] == ["  #3 XRP/USDT:USDT long closed by take_profit at 1.2752  +1.29 R  "
                           "(+4.12 USDT)"]


def test_a_level_fill_and_a_stop_move_between_polls_are_printed_before_the_close() -> None:
    bot, printed = FakeBot(), []
    feed = demo.TradeFeed(bot.get, printed.append)
    bot.open = [trade(amount=100.0, orders=[ENTRY], realized_profit=0.0)]
    bot.custom[3] = {"bracket_legs": SCALED_LEGS, "bracket": {"risk_amount": 3.2}}
    feed.poll()
    bot.open = []
    bot.custom[3]["bracket_legs"] = moved_stop(1.2001, 50.0, "8000000011", status="filled")
    bot.closed = [{**trade(amount=50.0, is_open=False, exit_reason="stoploss_on_exchange",
                           close_rate=1.2, profit_abs=1.38),
                   "orders": [ENTRY, exit_order("8000000009", "take_profit_1", 50.0, 1.2301),
                              exit_order("8000000011", "stoploss", 50.0, 1.2, "stoploss")]}]
    feed.poll()
    assert [line.split("long ")[1] for line in printed[1:]] == [
        "partial exit at take-profit 1: 50 at 1.2301, 50 left",
        "stop moved to break-even 1.17 → 1.2001 for 50 (order 8000000011)",
        "closed by stoploss_on_exchange at 1.2  +0.43 R  (+1.38 USDT)"]
