"""The OrderManager inside a real ``freqtrade trade``, against the emulator, through real ccxt.

Each test gets its own emulator (prices are global per symbol), a fresh account, a real webhook
listener, and a BracketFromFile bot whose entry signals the test writes to a file. Every test
checks three witnesses: what reached the emulator (orders, legs, positions, accepted client ids),
freqtrade's sqlite database, and what the webhook received (fills and the plugin's events).

Here: brackets that fill, exits and interference from outside, dry-run. Entries refused are in
test_bracket_refusals.py; timeouts and refused legs in test_bracket_faults.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.ccxt_client import binance_client
from tests.support.scene import PAIR, SYMBOL, Scene

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
