"""The venue's faults while a bracket is placed: answers that time out, legs it refuses.

The scene is test_brackets.py's (tests/support/scene.py): a real ``freqtrade trade`` with a
BracketFromFile bot, its own emulator and account, and a webhook listener; the emulator's fault
injection times out or refuses one call, and the test checks the venue, freqtrade's database and
the plugin's events.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.support.scene import ALGO_ORDER, NEW_ORDER, PAIR, SHORT_TIMEOUT_MS, Scene, short_timeout

pytestmark = pytest.mark.e2e

# 6. Timeouts ---------------------------------------------------------------------------------


def test_entry_timeout_locks_the_pair_and_reports_a_late_fill(
    make_scene: Callable[..., Scene],
) -> None:
    """The venue fills an entry whose answer timed out. freqtrade logs a failed entry and would
    enter again on the same signal; the plugin locks the pair instead, looks at the venue's
    position once the order can no longer be in flight, and raises an ERROR for the fill that no
    trade owns."""
    scene = make_scene(**short_timeout())
    scene.fault(NEW_ORDER, kind="delay", seconds=SHORT_TIMEOUT_MS / 1000 + 1, count=1)
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    severity, failed = scene.wait_event("entry_failed", pair=PAIR)
    assert severity == "ERROR" and "RequestTimeout" in failed["reason"]
    assert "pair locked" in failed["action"]
    severity, untracked = scene.wait_event("untracked_position", pair=PAIR, timeout=40)
    assert severity == "ERROR"
    [entry] = [o for o in scene.state()["orders"] if o["side"] == "BUY"]
    assert entry["status"] == "FILLED"
    assert float(untracked["amount"]) == pytest.approx(float(entry["executedQty"]))
    # The signal is still there, but the locked pair was not entered a second time.
    time.sleep(3)
    assert len([o for o in scene.state()["orders"] if o["side"] == "BUY"]) == 1
    assert scene.bot.trades_from_db() == []
    locks = scene.bot.api("GET", "locks")["locks"]
    assert [lock["pair"] for lock in locks if lock["active"]] == [PAIR]


@pytest.mark.parametrize(("order_type", "kind"), [
    # The venue places the stop, the answer never arrives: a query finds it, nothing is resent.
    ("STOP_MARKET", "drop"),
    # The venue holds the take-profit past the timeout: the query finds nothing, the same client
    # id is sent again and rests; the held original then arrives as a duplicate and is refused.
    ("TAKE_PROFIT_MARKET", "delay"),
])
def test_leg_placement_timeout_is_resolved_by_its_client_id(
    make_scene: Callable[..., Scene], order_type: str, kind: str
) -> None:
    scene = make_scene(**short_timeout())
    scene.fault(ALGO_ORDER, kind=kind, seconds=SHORT_TIMEOUT_MS / 1000 + 1.5, count=1,
                match={"type": order_type})
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    assert scene.state()["faults"]["injected"] == 1
    [leg] = scene.algo(order_type)
    assert leg["algoStatus"] == "NEW" and leg["reduceOnly"] is True
    assert float(leg["quantity"]) == pytest.approx(trade["amount"])
    code = "sl" if order_type == "STOP_MARKET" else "tp"
    assert leg["clientAlgoId"].endswith(f"-{code}1")  # the first attempt's id, not a new one
    if kind == "delay":
        # Let the held original reach the engine (about 1.5 s after the resend rested): it must
        # be refused, not rest a second leg.
        scene.bot.wait_for(
            lambda: scene.state()["server_time"] > leg["createTime"] + 2500, 10,
            "the held original processed")
    accepted = scene.assert_each_client_id_accepted_once()
    assert accepted.count(leg["clientAlgoId"]) == 1
    assert len(scene.algo(order_type)) == 1
    # Sends: stop, take-profit, plus one resend only when the first send never arrived.
    assert scene.requests()[ALGO_ORDER] == (3 if kind == "delay" else 2)
    # Protected: freqtrade adopted the stop, the record says both legs rest.
    legs = scene.bracket_legs(trade["id"])
    assert (legs["stop"]["status"], legs["take_profit"]["status"]) == ("resting", "resting")
    assert legs[{"sl": "stop", "tp": "take_profit"}[code]]["order_id"] == str(leg["algoId"])
    assert scene.bot.status()[0]["stop_loss_abs"] == pytest.approx(1.17)
    scene.wait_event("bracket_placed", trade=trade["id"])
    assert "leg_failed" not in scene.event_names()

    scene.bot.force_exit(trade["id"])
    scene.closed_trade(trade["id"])
    scene.assert_no_leg_outlives_the_position()


# 7. Leg placement refused -------------------------------------------------------------------


def test_a_stop_refused_because_the_price_is_past_it_closes_the_position_at_once(
    scene: Scene,
) -> None:
    """The stop sent from the entry's answer is refused with -2021: the price is already past
    it. The plugin closes the position at market itself, reduce-only, then and there — not a
    freqtrade loop later — sends no take-profit, and freqtrade imports the close."""
    scene.fault(ALGO_ORDER, kind="error", code=-2021, msg="Order would immediately trigger.",
                count=1, match={"type": "STOP_MARKET"})
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.first_trade()
    scene.clear_signals()
    severity, failed = scene.wait_event("leg_failed", trade=trade["id"], leg="stop")
    assert severity == "ERROR" and "-2021" in failed["reason"]
    assert "closed at market" in failed["action"]
    severity, past = scene.wait_event("closed_past_stop", trade=trade["id"])
    assert severity == "ERROR" and float(past["closed"]) == pytest.approx(trade["amount"])
    closed = scene.closed_trade(trade["id"])
    assert closed["exit_reason"] == "stop_loss"
    _entry, close = scene.state()["orders"]
    assert (close["side"], close["type"], close["reduceOnly"], close["status"]) == (
        "SELL", "MARKET", True, "FILLED")
    assert close["clientOrderId"] == failed["client_id"].rpartition("-")[0] + "-x1"
    assert close["orderId"] == int(past["order_id"])
    assert scene.state()["algo_orders"] == []  # no take-profit ever went out
    assert scene.requests()[ALGO_ORDER] == 1  # the refused stop; freqtrade's own is held back
    assert scene.wait_fill("exit_fill")["exit_reason"] == "stop_loss"
    scene.assert_each_client_id_accepted_once()
    scene.assert_no_leg_outlives_the_position()


def test_take_profit_refused_every_time_is_closed_at_market(scene: Scene) -> None:
    scene.fault(ALGO_ORDER, kind="error", code=-2022, msg="ReduceOnly Order is rejected.",
                count=3, match={"type": "TAKE_PROFIT_MARKET"})
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.first_trade()
    scene.clear_signals()
    closed = scene.closed_trade(trade["id"])
    assert closed["exit_reason"] == "take_profit_unplaceable"
    scene.assert_no_leg_outlives_the_position()
    assert scene.algo("TAKE_PROFIT_MARKET") == []  # never accepted
    [stop] = scene.algo("STOP_MARKET")
    assert stop["algoStatus"] == "CANCELED"
    scene.wait_event("legs_cancelled", trade=trade["id"], legs="stop")
    failures = scene.events("leg_failed")
    assert [(s, f["leg"], f["client_id"][-3:]) for s, f in failures] == [
        ("ERROR", "take_profit", "tp1"), ("ERROR", "take_profit", "tp2"),
        ("ERROR", "take_profit", "tp3")]
    assert all("-2022" in f["reason"] for _, f in failures)
    assert "retrying" in failures[0][1]["action"]
    assert "closing at market" in failures[2][1]["action"]
    assert [f["previous"][-3:] for _, f in scene.events("leg_replaced")] == ["tp1", "tp2"]
    _, requested = scene.wait_event("exit_requested", trade=trade["id"])
    assert requested["reason"] == "take_profit_unplaceable"
    # Cause before effect. (Other events may interleave: the signal stays until the test
    # clears it, and the gate refuses the pair while the venue still shows the position.)
    story = [n for n in scene.event_names()
             if n in ("leg_failed", "exit_requested", "legs_cancelled")]
    assert story[:4] == ["leg_failed", "leg_failed", "leg_failed", "exit_requested"]
    assert "legs_cancelled" in story[4:]
    assert scene.wait_fill("exit_fill")["exit_reason"] == "take_profit_unplaceable"
    assert scene.requests()[ALGO_ORDER] == 4  # stop once, take-profit three times
    scene.assert_each_client_id_accepted_once()
