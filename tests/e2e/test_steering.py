"""Brackets a trader steers, end to end (real freqtrade, real ccxt, the emulator): a trailing stop
moves on the venue with no moment unprotected, and the time limit closes the trade at market
with every leg cancelled. The venue's journal and freqtrade's database are the witnesses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.scene import SYMBOL, Scene

pytestmark = pytest.mark.e2e


def resting_stops(scene: Scene) -> list[float]:
    return sorted(float(a["triggerPrice"]) for a in scene.algo("STOP_MARKET")
                  if a["algoStatus"] == "NEW")


def stops_resting_over_time(rows: list[dict[str, Any]]) -> list[int]:
    """How many of the trade's stops rested after each stop row of the venue's journal."""
    resting: set[str] = set()
    counts = []
    for row in rows:
        client_id = str(row.get("client_id") or "")
        if not row["event"].startswith("algo_") or "-sl" not in client_id:
            continue
        if row["event"] == "algo_created":
            resting.add(client_id)
        else:
            resting.discard(client_id)
        counts.append(len(resting))
    return counts


def test_a_trailing_stop_moves_on_the_venue_with_no_moment_unprotected(
    make_scene: Callable[..., Scene],
) -> None:
    # 3 % below the best price: at the entry (1.20) looser than the bracket's stop.
    scene = make_scene(test_stop_policy={"trail_distance": 0.03})
    scene.signal("long", stop_price=1.17, take_profit_price=1.30)
    trade = scene.open_trade()
    scene.clear_signals()
    scene.emulator.set_price(SYMBOL, "1.2300")  # the best price: the trail asks for 1.1931
    scene.bot.wait_for(lambda: resting_stops(scene) == [1.1931], 60, "the stop at 1.1931")
    _, moved = scene.wait_event("stop_moved", trade=trade["id"])
    assert (moved["old"], moved["new"]) == (1.17, 1.1931) and "trailing" in moved["reason"]
    # freqtrade took the new stop over: its stop row is the venue's new order, at its price.
    def adopted() -> dict[str, Any] | None:
        row = scene.bot.trade_from_db(trade["id"])
        stops = [o for o in row["orders"] if o["ft_order_side"] == "stoploss"
                 and o["status"] == "open"]
        return row if [o["order_id"] for o in stops] == [moved["stop_id"]] else None

    row = scene.bot.wait_for(adopted, 30, "freqtrade's open stop row is the moved stop")
    assert row["stop_loss"] == pytest.approx(1.1931)
    # Never a moment without a stop: from the first stop's rest to the close, one or two rest.
    scene.emulator.set_price(SYMBOL, "1.1900")  # through the moved stop
    closed = scene.closed_trade(trade["id"], 60)
    assert closed["exit_reason"] == "stoploss_on_exchange"
    counts = stops_resting_over_time(scene.emulator.journal(scene.api_key))
    assert counts[-1] == 0 and 0 not in counts[:-1], counts
    scene.assert_no_leg_outlives_the_position()
    scene.assert_no_damage()


def test_the_time_limit_closes_the_trade_at_market_and_cancels_every_leg(
    make_scene: Callable[..., Scene],
) -> None:
    scene = make_scene(bracket={"time_limit_minutes": 1})
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    closed = scene.closed_trade(trade["id"], 150)
    assert closed["exit_reason"] == "time_limit"
    scene.assert_no_leg_outlives_the_position()
    scene.assert_no_damage()


def test_a_scaled_out_trade_exits_in_parts_and_the_stop_goes_to_break_even(
    make_scene: Callable[..., Scene],
) -> None:
    """Two take-profit levels of half the position each and break-even after the first: the
    first level's fill is a partial exit in freqtrade's database, the stop then covers what is
    left at the entry price (resized, then moved, each new stop resting first), and the second
    level's fill closes the trade."""
    scene = make_scene(test_stop_policy={"break_even_after_level": 1})
    scene.signal("long", stop_price=1.17, take_profit_price=1.23,
                 levels=[(1.23, 0.5), (1.27, 0.5)])
    trade = scene.open_trade(legs=3)
    scene.clear_signals()
    amount = trade["amount"]
    scene.emulator.set_price(SYMBOL, "1.2350")  # through level 1

    def partly_exited() -> dict[str, Any] | None:
        row = scene.bot.trade_from_db(trade["id"])
        return row if row["is_open"] and row["amount"] < amount else None

    row = scene.bot.wait_for(partly_exited, 60, "the first level booked as a partial exit")
    assert row["amount"] == pytest.approx(amount / 2, rel=1e-6)
    assert row["realized_profit"] > 0
    [exited] = [o for o in row["orders"] if o["ft_order_side"] == "sell"]
    assert (exited["status"], exited["ft_order_tag"]) == ("closed", "take_profit_1")
    _, filled = scene.wait_event("take_profit_filled", trade=trade["id"], level=1)
    assert filled["levels"] == 2
    entry = row["open_rate"]
    scene.bot.wait_for(lambda: resting_stops(scene) == [pytest.approx(entry, abs=1e-4)], 60,
                       "the stop at break-even")
    [stop] = [a for a in scene.algo("STOP_MARKET") if a["algoStatus"] == "NEW"]
    assert float(stop["quantity"]) == pytest.approx(amount / 2)
    _, moved = scene.wait_event("stop_moved", trade=trade["id"])
    assert "break-even after take-profit 1" in moved["reason"]
    scene.emulator.set_price(SYMBOL, "1.2750")  # through level 2
    closed = scene.closed_trade(trade["id"], 60)
    assert closed["exit_reason"] == "take_profit"
    counts = stops_resting_over_time(scene.emulator.journal(scene.api_key))
    assert counts[-1] == 0 and 0 not in counts[:-1], counts
    scene.assert_no_leg_outlives_the_position()
    scene.assert_no_damage()
