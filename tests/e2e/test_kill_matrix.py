"""Kill matrix: SIGKILL a real bot at each step of a bracket's life, restart it on the same
database, and check that the venue and freqtrade agree again.

Every open trade's position must have exactly one reduce-only stop and one reduce-only
take-profit of the trade's quantity at the bracket's prices; every closed trade must have no
open leg; a position freqtrade never recorded (the bot killed while the legs went out from the
entry's answer, before freqtrade's trade row) must be protected by exactly one stop, its pair
locked; no client id may ever have been accepted twice; the venue's record shows no damage.
The restarted bot then runs a whole loop (freqtrade's start-up order update included) and its
log shows no database error: no order row written twice, none freqtrade cannot write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.damage import audit, trades_from_database
from harness.freqtrade_bot import FreqtradeBot
from tests.support.kill import (
    HANG_S,
    PAIR,
    STOP,
    SYMBOL,
    TAKE_PROFIT,
    Harness,
    adopted,
    assert_clean_restart,
)

pytestmark = pytest.mark.e2e

def enter_and_kill(harness: Harness, until: Callable[[FreqtradeBot], bool]) -> FreqtradeBot:
    bot = harness.start()
    harness.signal_long()
    bot.wait_for(lambda: until(bot), 40, "the step to kill at")
    harness.signal_file.write_text("{}")
    harness.kill(bot)
    return bot


def position_open(harness: Harness) -> bool:
    return bool(harness.state()["positions"])


def assert_consistent(harness: Harness, bot: FreqtradeBot) -> dict[str, Any]:
    """Venue and database agree: the invariant of the whole matrix. Returns the trade."""
    [trade] = bot.trades_from_db()
    state = harness.state()
    resting = [a for a in state["algo_orders"] if a["algoStatus"] == "NEW"]
    ids = state["accepted_client_ids"]
    assert len(ids) == len(set(ids)), f"a client id was accepted twice: {ids}"
    if not trade["is_open"]:
        assert resting == [], f"legs outlived the closed trade: {resting}"
        assert state["positions"] == []
        return trade
    amount = f"{trade['amount']:.1f}"
    by_type = {a["orderType"]: a for a in resting}
    assert sorted(a["orderType"] for a in resting) == ["STOP_MARKET", "TAKE_PROFIT_MARKET"]
    assert by_type["STOP_MARKET"]["triggerPrice"] == f"{STOP:.4f}"
    assert by_type["TAKE_PROFIT_MARKET"]["triggerPrice"] == f"{TAKE_PROFIT:.4f}"
    assert all(a["reduceOnly"] and a["quantity"] == amount for a in resting)
    assert trade["stop_loss"] == pytest.approx(STOP)
    open_stops = [o["order_id"] for o in trade["orders"]
                  if o["ft_order_side"] == "stoploss" and o["ft_is_open"]]
    assert str(by_type["STOP_MARKET"]["algoId"]) in open_stops
    return trade


def settle(harness: Harness, bot: FreqtradeBot, timeout: float = 30) -> dict[str, Any]:
    """Wait (a few loops after start-up) until the invariant holds, then return the trade."""
    def holds() -> dict[str, Any] | None:
        try:
            return assert_consistent(harness, bot)
        except (AssertionError, ValueError):
            return None

    trade = bot.wait_for(holds, timeout, "venue and database consistent after the restart")
    damage = audit(harness.emulator.journal(harness.api_key), trades_from_database(bot.db_path),
                   "ftb")
    assert damage.harmless, damage.describe()
    assert_clean_restart(bot)
    return assert_consistent(harness, bot) or trade


def guarded(harness: Harness, bot: FreqtradeBot) -> dict[str, Any]:
    """The bot was killed while its legs went out from the entry's answer, before freqtrade
    recorded the trade: freqtrade has no trade, so the position is one no trade owns. It must
    be protected by exactly one stop, its pair locked. Returns that stop."""
    def protected() -> dict[str, Any] | None:
        stops = [a for a in harness.resting() if a["orderType"] == "STOP_MARKET"]
        takes = [a for a in harness.resting() if a["orderType"] != "STOP_MARKET"]
        locked = [lock["pair"] for lock in bot.api("GET", "locks")["locks"] if lock["active"]]
        return stops[0] if len(stops) == 1 and not takes and locked == [PAIR] else None

    stop = bot.wait_for(protected, 60, "one stop protecting the untracked position, pair locked")
    assert bot.trades_from_db() == []
    [position] = harness.state()["positions"]
    if not stop["closePosition"]:
        assert stop["quantity"] == position["positionAmt"].lstrip("-")
    assert "untracked_position" in bot.log_text()
    ids = harness.state()["accepted_client_ids"]
    assert len(ids) == len(set(ids)), f"a client id was accepted twice: {ids}"
    damage = audit(harness.emulator.journal(harness.api_key), [], "ftb")
    assert damage.harmless, damage.describe()
    assert_clean_restart(bot)
    return stop


def test_killed_while_the_stop_goes_out_from_the_entrys_answer(harness: Harness) -> None:
    harness.emulator.fault("POST /fapi/v1/algoOrder", kind="hang", seconds=HANG_S,
                           match={"type": "STOP_MARKET"})
    enter_and_kill(harness, lambda bot: position_open(harness) and harness.posts() >= 1)
    assert harness.resting() == []  # the crash left the position naked
    harness.emulator.control("DELETE", "faults")
    stop = guarded(harness, harness.start())
    assert stop["closePosition"] and stop["clientAlgoId"].startswith("ftb-u")


def test_killed_after_the_stop_before_the_take_profit(harness: Harness) -> None:
    harness.emulator.fault("POST /fapi/v1/algoOrder", kind="hang", seconds=HANG_S,
                           match={"type": "TAKE_PROFIT_MARKET"})
    enter_and_kill(harness, lambda bot: harness.posts() >= 2
                   and [a["orderType"] for a in harness.resting()] == ["STOP_MARKET"])
    [first] = harness.resting()
    harness.emulator.control("DELETE", "faults")
    stop = guarded(harness, harness.start())
    assert stop["algoId"] == first["algoId"]  # the bracket's own stop still protects it


def test_killed_between_the_legs_and_the_record(harness: Harness) -> None:
    """freqtrade has its trade row; the plugin had not written the bracket to it yet (the bot
    hung in freqtrade's fee lookup after the fill). The legs sent from the entry's answer are
    found by the entry's order id and become the trade's."""
    harness.emulator.fault("GET /fapi/v1/userTrades", kind="hang", seconds=HANG_S)
    enter_and_kill(harness, lambda bot: len(harness.resting()) == 2 and bot.trades_from_db()
                   and harness.emulator.control("GET", "requests").get(
                       "GET /fapi/v1/userTrades", 0) >= 1)
    harness.emulator.control("DELETE", "faults")
    trade = settle(harness, harness.start())
    assert trade["is_open"]


def test_killed_with_both_legs_resting(harness: Harness) -> None:
    enter_and_kill(harness, lambda bot: len(harness.resting()) == 2 and adopted(bot))
    trade = settle(harness, harness.start())
    assert trade["is_open"]


def test_killed_mid_placement_whose_answer_is_dropped(harness: Harness) -> None:
    harness.emulator.fault("POST /fapi/v1/algoOrder", kind="drop", seconds=HANG_S,
                           match={"type": "STOP_MARKET"})
    enter_and_kill(harness, lambda bot: [a["orderType"] for a in harness.resting()]
                   == ["STOP_MARKET"])
    [first] = harness.resting()
    harness.emulator.control("DELETE", "faults")
    stop = guarded(harness, harness.start())
    assert stop["algoId"] == first["algoId"]  # the venue placed it: found, never sent twice


def test_take_profit_fills_while_the_bot_is_down(harness: Harness) -> None:
    enter_and_kill(harness, lambda bot: len(harness.resting()) == 2 and adopted(bot))
    harness.emulator.set_price(SYMBOL, "1.2700")
    trade = settle(harness, harness.start())
    assert (trade["is_open"], trade["exit_reason"]) == (0, "take_profit")
    assert trade["close_rate"] == pytest.approx(1.27)


def test_stop_fills_while_the_bot_is_down(harness: Harness) -> None:
    enter_and_kill(harness, lambda bot: len(harness.resting()) == 2 and adopted(bot))
    harness.emulator.set_price(SYMBOL, "1.1600")
    trade = settle(harness, harness.start())
    assert (trade["is_open"], trade["exit_reason"]) == (0, "stoploss_on_exchange")
    assert trade["close_rate"] == pytest.approx(1.16)


def test_killed_while_an_entry_outcome_is_unknown_the_lock_is_judged_again(
    harness: Harness,
) -> None:
    """The entry's answer is lost (a 503 the venue never acted on): the pair is locked until
    the venue's position says. Killed then, freqtrade keeps the lock in its database but the
    plugin's memory of it is gone; the restarted bot judges the pair again and lets it trade."""
    harness.emulator.fault("POST /fapi/v1/order", kind="http", count=1)
    bot = harness.start()
    harness.signal_long()
    bot.wait_for(lambda: [lock for lock in bot.api("GET", "locks")["locks"]
                          if lock["active"]], 40, "the pair locked")
    harness.signal_file.write_text("{}")
    harness.kill(bot)
    assert harness.state()["positions"] == []  # nothing filled
    again = harness.start()
    again.wait_for(lambda: not [lock for lock in again.api("GET", "locks")["locks"]
                                if lock["active"]], 60, "the lock released after the restart")
    harness.signal_long()
    trade = again.wait_for(lambda: (t := again.trades_from_db()) and t[0], 60,
                           "a new entry on the pair")
    harness.signal_file.write_text("{}")
    assert trade["pair"] == PAIR
    assert_clean_restart(again)
