"""The OrderManager inside a real ``freqtrade trade``, against the emulator, through real ccxt.

Each test gets its own emulator (prices are global per symbol), a fresh account, a real webhook
listener, and a BracketFromFile bot whose entry signals the test writes to a file. Every test
checks three witnesses: what reached the emulator (orders, legs, positions, accepted client ids),
freqtrade's sqlite database, and what the webhook received (fills and the plugin's events).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from harness.ccxt_client import binance_client
from tests.support.scene import (
    ALGO_ORDER,
    NEW_ORDER,
    PAIR,
    SHORT_TIMEOUT_MS,
    SYMBOL,
    Scene,
    short_timeout,
)

pytestmark = pytest.mark.e2e

# 1. A long, its legs, and the take-profit fill ----------------------------------------------


def test_long_gets_both_legs_and_take_profit_fill_closes_the_trade(scene: Scene) -> None:
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    [stop] = scene.algo("STOP_MARKET")
    [take_profit] = scene.algo("TAKE_PROFIT_MARKET")
    amount = f"{trade['amount']:.1f}"
    assert (stop["side"], stop["triggerPrice"], stop["quantity"], stop["reduceOnly"]) == (
        "SELL", "1.1700", amount, True)
    assert (take_profit["side"], take_profit["triggerPrice"], take_profit["quantity"],
            take_profit["reduceOnly"]) == ("SELL", "1.2600", amount, True)
    # freqtrade owns the stop: it is the trade's stoploss order and its stop_loss.
    assert trade["stop_loss"] == pytest.approx(1.17)
    stop_rows = [o for o in trade["orders"] if o["ft_order_side"] == "stoploss"]
    assert [o["order_id"] for o in stop_rows] == [str(stop["algoId"])]

    # The REST API shows the legs (custom data) and freqtrade's stop.
    legs = scene.bracket_legs(trade["id"])
    assert legs["trade_id"] == trade["id"] and legs["is_short"] is False
    for leg, row, price in ((legs["stop"], stop, 1.17), (legs["take_profit"], take_profit, 1.26)):
        assert (leg["status"], leg["order_id"], leg["client_id"], leg["trigger_price"],
                leg["quantity"], leg["attempt"]) == (
            "resting", str(row["algoId"]), row["clientAlgoId"], price, trade["amount"], 1)
    assert stop["clientAlgoId"].endswith("-sl1") and take_profit["clientAlgoId"].endswith("-tp1")
    [status] = scene.bot.status()
    assert (status["trade_id"], status["stop_loss_abs"]) == (trade["id"], pytest.approx(1.17))
    # The entry and both legs each reached the venue exactly once.
    accepted = scene.assert_each_client_id_accepted_once()
    assert {stop["clientAlgoId"], take_profit["clientAlgoId"]} <= set(accepted)
    assert len(accepted) == 3

    scene.emulator.set_price(SYMBOL, "1.2700")
    closed = scene.closed_trade(trade["id"])
    assert closed["exit_reason"] == "take_profit"
    assert closed["close_rate"] == pytest.approx(1.27)
    # freqtrade cancels the stop it owns right after it records the close.
    scene.bot.wait_for(lambda: scene.algo("STOP_MARKET")[0]["algoStatus"] == "CANCELED", 10,
                       "the stop cancelled")
    assert scene.algo("TAKE_PROFIT_MARKET")[0]["algoStatus"] == "FINISHED"
    scene.assert_no_leg_outlives_the_position()
    entry_fill = scene.wait_fill("entry_fill")
    assert (entry_fill["trade_id"], entry_fill["direction"]) == (str(trade["id"]), "Long")
    assert scene.wait_fill("exit_fill")["exit_reason"] == "take_profit"
    _, placed = scene.wait_event("bracket_placed", trade=trade["id"])
    assert (placed["side"], placed["stop"], placed["take_profit"]) == ("long", 1.17, 1.26)
    assert placed["stop_id"] == str(stop["algoId"])
    assert placed["take_profit_id"] == str(take_profit["algoId"])
    assert "simulated" not in placed
    scene.wait_event("take_profit_filled", trade=trade["id"], price=1.27)
    scene.assert_no_damage()


# 2. A short stopped out ---------------------------------------------------------------------


def test_short_stop_fill_closes_the_trade_and_cancels_the_take_profit(scene: Scene) -> None:
    scene.signal("short", stop_price=1.23, take_profit_price=1.14)
    trade = scene.open_trade()
    scene.clear_signals()
    assert trade["is_short"] and trade["stop_loss"] == pytest.approx(1.23)
    amount = f"{trade['amount']:.1f}"
    [stop] = scene.algo("STOP_MARKET")
    [take_profit] = scene.algo("TAKE_PROFIT_MARKET")
    assert (stop["side"], stop["triggerPrice"], stop["quantity"], stop["reduceOnly"]) == (
        "BUY", "1.2300", amount, True)
    assert (take_profit["side"], take_profit["triggerPrice"], take_profit["quantity"],
            take_profit["reduceOnly"]) == ("BUY", "1.1400", amount, True)
    assert scene.state()["positions"][0]["positionAmt"] == f"-{amount}"

    scene.emulator.set_price(SYMBOL, "1.2400")
    closed = scene.closed_trade(trade["id"])
    assert closed["exit_reason"] == "stoploss_on_exchange"
    assert closed["close_rate"] == pytest.approx(1.24, abs=0.00015)  # the ask: 1 tick up
    assert closed["close_profit_abs"] < 0
    scene.bot.wait_for(
        lambda: scene.algo("TAKE_PROFIT_MARKET")[0]["algoStatus"] == "CANCELED", 10,
        "the take-profit cancelled")
    assert scene.algo("STOP_MARKET")[0]["algoStatus"] == "FINISHED"
    scene.assert_no_leg_outlives_the_position()
    scene.assert_each_client_id_accepted_once()
    assert scene.wait_fill("entry_fill")["direction"] == "Short"
    assert scene.wait_fill("exit_fill")["exit_reason"] == "stoploss_on_exchange"
    scene.wait_event("legs_cancelled", trade=trade["id"], legs="take_profit")
    legs = scene.bracket_legs(trade["id"])
    assert (legs["stop"]["status"], legs["take_profit"]["status"]) == ("filled", "cancelled")
    scene.assert_no_damage()


# 3. The risk gate says no -------------------------------------------------------------------


def test_take_profit_too_close_is_refused_before_anything_is_sent(scene: Scene) -> None:
    # Reward 0.01 for a risk of 0.03: 0.33 < min_reward_risk 1.5.
    scene.signal("long", stop_price=1.17, take_profit_price=1.21)
    # (wait_refusal: a signal written just before a candle closes may first be refused as
    # stale when freqtrade gets to it late; the rule under test must still hold it back.)
    severity, _ = scene.wait_refusal("RewardRiskBelowMinimum")
    assert severity == "INFO"
    scene.clear_signals()
    assert_nothing_traded(scene)


def assert_nothing_traded(scene: Scene) -> None:
    state = scene.state()
    assert (state["orders"], state["algo_orders"], state["positions"]) == ([], [], [])
    assert state["accepted_client_ids"] == []
    assert scene.bot.trades_from_db() == []
    assert scene.webhook.of_type("entry_fill") == []
    assert "bracket_placed" not in scene.event_names()


# 4. / 5b. The venue refuses the entry ---------------------------------------------------------


@pytest.mark.parametrize(("code", "message", "reload_first"), [
    (-2019, "Margin is insufficient.", True),
    (-1111, "Precision is over the maximum defined for this asset.", False),
])
def test_entry_refused_by_the_venue_is_an_error_event_and_no_trade(
    scene: Scene, code: int, message: str, reload_first: bool
) -> None:
    if reload_first:
        # /reload_config re-runs freqtrade's logging set-up (which drops the handlers of every
        # freqtrade.* logger) and builds a new strategy: its bot_start must install the watch
        # again, once.
        scene.bot.api("POST", "reload_config")
        scene.bot.wait_for(lambda: scene.bot.log_text().count("Bracket settings:") == 2, 30,
                           "the reloaded strategy started")
    scene.fault(NEW_ORDER, kind="error", code=code, msg=message, count=1000)
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    severity, failed = scene.wait_event("entry_failed", pair=PAIR)
    scene.clear_signals()
    assert severity == "ERROR"
    assert message in failed["reason"] and str(code) in failed["reason"]
    assert scene.requests()[NEW_ORDER] >= 1  # it was sent, and refused
    # One event per failed entry, however often the strategy was (re)loaded: the watch emits
    # (and logs) it synchronously, just before freqtrade's own line reaches the log.
    def one_event_per_failure() -> bool:
        log = scene.bot.log_text()
        failures = log.count(f"Unable to create trade for {PAIR}")
        events = log.count("ft_bracket.core.events - ERROR - [bracket] ERROR entry_failed")
        return failures >= 1 and events == failures

    scene.bot.wait_for(one_event_per_failure, 10, "one entry_failed event per failed entry")
    assert_nothing_traded(scene)


# 5a. Too small to trade ---------------------------------------------------------------------


def test_risk_too_small_for_the_minimum_notional_is_refused_by_the_plugin(
    make_scene: Callable[..., Scene],
) -> None:
    # 0.001 % of ~10,000 USDT is 0.1 USDT at risk: about 3 XRP, 3.7 USDT, below Binance's 5.
    scene = make_scene(bracket={"risk_per_trade": 0.00001})
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    severity, refused = scene.wait_refusal("NotionalBelowMinimum")
    scene.clear_signals()
    assert severity == "INFO"
    assert refused["reason"].startswith("NotionalBelowMinimum: notional 3.")
    assert refused["reason"].endswith("< minimum 5")
    assert NEW_ORDER not in scene.requests()
    assert_nothing_traded(scene)


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


# 8. / 9. Exits and interference from outside --------------------------------------------------


def test_force_exit_cancels_both_legs(scene: Scene) -> None:
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    scene.bot.force_exit(trade["id"])
    closed = scene.closed_trade(trade["id"])
    assert closed["exit_reason"] == "force_exit"
    assert closed["close_rate"] == pytest.approx(1.2, abs=0.001)
    scene.assert_no_leg_outlives_the_position()
    assert [a["algoStatus"] for a in scene.state()["algo_orders"]] == ["CANCELED", "CANCELED"]
    scene.assert_each_client_id_accepted_once()
    assert scene.wait_fill("exit_fill")["exit_reason"] == "force_exit"
    scene.wait_event("legs_cancelled", trade=trade["id"], legs="stop,take_profit")
    legs = scene.bracket_legs(trade["id"])
    assert (legs["stop"]["status"], legs["take_profit"]["status"]) == ("cancelled", "cancelled")


def test_take_profit_cancelled_behind_the_bots_back_is_placed_again(scene: Scene) -> None:
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    [first] = scene.algo("TAKE_PROFIT_MARKET")
    assert first["clientAlgoId"].endswith("-tp1")
    meddler = binance_client(scene.emulator, scene.api_key, scene.api_secret)
    meddler.cancel_order(str(first["algoId"]), PAIR, {"trigger": True})

    def replaced() -> dict[str, Any] | None:
        resting = [a for a in scene.algo("TAKE_PROFIT_MARKET") if a["algoStatus"] == "NEW"]
        return resting[0] if resting else None

    second = scene.bot.wait_for(replaced, 10, "a new take-profit")
    assert second["clientAlgoId"] == first["clientAlgoId"][:-1] + "2"
    assert (second["triggerPrice"], second["quantity"], second["side"], second["reduceOnly"]) == (
        "1.2600", first["quantity"], "SELL", True)
    assert [a["algoStatus"] for a in scene.algo("TAKE_PROFIT_MARKET")] == ["CANCELED", "NEW"]
    _, was = scene.wait_event("leg_replaced", trade=trade["id"], leg="take_profit")
    assert was["previous"] == first["clientAlgoId"]
    scene.wait_event("leg_placed", trade=trade["id"], leg="take_profit",
                     client_id=second["clientAlgoId"], order_id=str(second["algoId"]))
    legs = scene.bracket_legs(trade["id"])
    assert (legs["take_profit"]["attempt"], legs["take_profit"]["order_id"]) == (
        2, str(second["algoId"]))
    # The stop was left alone and still is freqtrade's.
    [stop] = scene.algo("STOP_MARKET")
    assert stop["algoStatus"] == "NEW"
    scene.assert_each_client_id_accepted_once()

    scene.bot.force_exit(trade["id"])
    scene.closed_trade(trade["id"])
    scene.assert_no_leg_outlives_the_position()


# 10. Dry-run ---------------------------------------------------------------------------------


def test_dry_run_simulates_the_legs_and_takes_profit_when_the_book_crosses(
    make_scene: Callable[..., Scene],
) -> None:
    scene = make_scene(dry_run=True)
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.first_trade()
    scene.clear_signals()
    _, placed = scene.wait_event("bracket_placed", trade=trade["id"])
    assert (placed["simulated"], placed["stop"], placed["take_profit"]) == ("yes", 1.17, 1.26)
    legs = scene.bracket_legs(trade["id"])
    assert (legs["stop"]["status"], legs["take_profit"]["status"]) == ("resting", "resting")
    # Simulated legs carry simulated ids, never a venue's.
    assert (legs["stop"]["order_id"], legs["take_profit"]["order_id"]) == (
        "dry-run-" + legs["stop"]["client_id"], "dry-run-" + legs["take_profit"]["client_id"])

    scene.emulator.set_price(SYMBOL, "1.2700")
    closed = scene.closed_trade(trade["id"])
    assert closed["exit_reason"] == "take_profit"
    assert closed["close_rate"] >= 1.26
    assert scene.wait_fill("exit_fill")["exit_reason"] == "take_profit"
    scene.wait_event("legs_cancelled", trade=trade["id"], legs="stop")
    # Nothing signed ever reached the venue: no order, no leg, no account call.
    state = scene.state()
    assert (state["orders"], state["algo_orders"], state["positions"]) == ([], [], [])
    requests = scene.requests()
    assert {"GET /fapi/v1/depth", "GET /fapi/v1/klines"} <= set(requests)  # it did watch
    private = ("order", "Order", "account", "position", "balance", "leverage", "marginType")
    assert [r for r in requests
            if not r.startswith("GET ") or any(word in r for word in private)] == []
