"""Kill matrix for steered brackets: SIGKILL a real bot between the steps of a stop move and of a
scale-out, restart it on the same database, and check that the venue and freqtrade agree again:
one stop resting for what is open, at the moved price; the open levels resting; a level that
filled while the bot was down booked as a partial exit; no client id accepted twice; no damage
in the venue's record; no database error in the restarted bot's log."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.damage import audit, trades_from_database
from harness.freqtrade_bot import FreqtradeBot
from tests.support.kill import HANG_S, PAIR, SYMBOL, Harness, adopted, assert_clean_restart

pytestmark = pytest.mark.e2e

CANCEL_LEG, PLACE_LEG = "DELETE /fapi/v1/algoOrder", "POST /fapi/v1/algoOrder"
LEVELS = [(1.23, 0.5), (1.27, 0.5)]


def start(harness: Harness, **policy: Any) -> FreqtradeBot:
    harness.config["test_stop_policy"] = policy
    return harness.start()


def signal(harness: Harness, levels: list[tuple[float, float]] | None = None) -> None:
    harness.signal_file.write_text(json.dumps({PAIR: {
        "side": "long", "stop_price": 1.17, "take_profit_price": 1.23 if levels else 1.26,
        "levels": levels or []}}))


def stops(harness: Harness) -> list[tuple[float, float]]:
    return sorted((float(a["triggerPrice"]), float(a["quantity"])) for a in harness.resting()
                  if a["orderType"] == "STOP_MARKET")


def levels(harness: Harness) -> list[tuple[float, float]]:
    return sorted((float(a["triggerPrice"]), float(a["quantity"])) for a in harness.resting()
                  if a["orderType"] == "TAKE_PROFIT_MARKET")


def agreed(harness: Harness, bot: FreqtradeBot, stop: float, quantity: float
           ) -> dict[str, Any]:
    """The venue and freqtrade agree again: one stop of ``quantity`` at ``stop``, freqtrade's
    open stop row that very order, no client id twice, no damage, a clean restart."""
    def settled() -> dict[str, Any] | None:
        [trade] = bot.trades_from_db()
        [resting] = stops(harness) or [(0.0, 0.0)]
        open_rows = [o["order_id"] for o in trade["orders"]
                     if o["ft_order_side"] == "stoploss" and o["ft_is_open"]]
        [order] = [a for a in harness.resting() if a["orderType"] == "STOP_MARKET"] or [{}]
        ok = (resting == (pytest.approx(stop, abs=1e-4), pytest.approx(quantity))
              and open_rows == [str(order.get("algoId"))])
        return trade if ok and len(stops(harness)) == 1 else None

    trade = bot.wait_for(settled, 60, f"one stop of {quantity} at {stop}, freqtrade's own")
    ids = harness.state()["accepted_client_ids"]
    assert len(ids) == len(set(ids)), f"a client id was accepted twice: {ids}"
    damage = audit(harness.emulator.journal(harness.api_key), trades_from_database(bot.db_path),
                   "ftb")
    assert damage.harmless, damage.describe()
    assert_clean_restart(bot)
    return trade


def test_killed_between_the_moved_stop_resting_and_the_old_one_cancelled(
    harness: Harness,
) -> None:
    harness.emulator.fault(CANCEL_LEG, kind="hang", seconds=HANG_S)
    bot = start(harness, trail_distance=0.03)
    signal(harness)
    bot.wait_for(lambda: len(harness.resting()) == 2 and adopted(bot), 40, "the bracket")
    harness.signal_file.write_text("{}")
    [(_, whole)] = stops(harness)
    harness.emulator.set_price(SYMBOL, "1.2300")  # the trail asks for 1.1931
    bot.wait_for(lambda: [price for price, _ in stops(harness)] == [1.17, 1.1931], 60,
                 "the moved stop resting beside the old one")
    harness.kill(bot)
    harness.emulator.control("DELETE", "faults")
    trade = agreed(harness, start(harness, trail_distance=0.03), 1.1931, whole)
    assert trade["is_open"] and trade["stop_loss"] == pytest.approx(1.1931)


def test_a_level_fills_while_the_bot_is_down(harness: Harness) -> None:
    bot = start(harness)
    signal(harness, LEVELS)
    bot.wait_for(lambda: len(harness.resting()) == 3 and adopted(bot), 40, "the bracket")
    harness.signal_file.write_text("{}")
    harness.kill(bot)
    [(_, whole)] = stops(harness)
    harness.emulator.set_price(SYMBOL, "1.2350")  # through level 1 while down
    again = start(harness)
    agreed(harness, again, 1.17, whole / 2)
    # freqtrade books the level's fill (shown to it as an exit order) on its next order check.
    trade = again.wait_for(lambda: (t := again.trades_from_db()[0])["amount"] < whole and t,
                           60, "the level booked as a partial exit")
    assert trade["is_open"] and trade["amount"] == pytest.approx(whole / 2)
    assert levels(harness) == [(1.27, whole / 2)]


def test_killed_between_a_levels_fill_and_the_stops_resize(harness: Harness) -> None:
    bot = start(harness)
    signal(harness, LEVELS)
    bot.wait_for(lambda: len(harness.resting()) == 3 and adopted(bot), 40, "the bracket")
    harness.signal_file.write_text("{}")
    [(_, whole)] = stops(harness)
    harness.emulator.fault(PLACE_LEG, kind="hang", seconds=HANG_S,
                           match={"type": "STOP_MARKET"})
    posts = harness.posts()
    harness.emulator.set_price(SYMBOL, "1.2350")  # through level 1: the stop's resize hangs
    bot.wait_for(lambda: harness.posts() > posts, 60, "the stop's resize sent")
    harness.kill(bot)
    harness.emulator.control("DELETE", "faults")
    trade = agreed(harness, start(harness), 1.17, whole / 2)
    assert trade["is_open"] and levels(harness) == [(1.27, whole / 2)]


def test_the_venues_trailing_stop_goes_on_trailing_while_the_bot_is_down(
    harness: Harness,
) -> None:
    bot = start(harness, trail_distance=0.03, trail_on_exchange=True)
    signal(harness)
    bot.wait_for(lambda: len(harness.resting()) == 2 and adopted(bot), 40, "the bracket")
    harness.signal_file.write_text("{}")
    harness.emulator.set_price(SYMBOL, "1.2200")  # trailing from here (1.1834) is no looser

    def trailing() -> bool:
        kinds = sorted(a["orderType"] for a in harness.resting())
        return kinds == ["TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"]

    bot.wait_for(trailing, 60, "the stop handed to the venue to trail, the fixed one gone")
    harness.kill(bot)
    harness.emulator.set_price(SYMBOL, "1.2500")  # the venue trails up to 1.2125, bot down
    harness.emulator.set_price(SYMBOL, "1.2100")  # and fires there
    assert harness.state()["positions"] == []
    again = start(harness, trail_distance=0.03, trail_on_exchange=True)
    closed = again.wait_for(lambda: (t := again.trades_from_db()[0])["is_open"] == 0 and t, 60,
                            "the trade closed from the trailing stop's fill")
    assert closed["exit_reason"] == "stoploss_on_exchange"
    assert closed["close_rate"] == pytest.approx(1.21, abs=1e-4)
    again.wait_for(lambda: harness.resting() == [], 30, "no leg left resting")
    damage = audit(harness.emulator.journal(harness.api_key),
                   trades_from_database(again.db_path), "ftb")
    assert damage.harmless, damage.describe()
    assert_clean_restart(again)
