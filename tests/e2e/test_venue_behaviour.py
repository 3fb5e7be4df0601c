"""The plugin copes when the venue bites like Binance: liquidation, funding, mark vs last, a
thin book, a missing endpoint. Real freqtrade, real ccxt, the emulator's behaviour."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ft_bracket.core.risk import loss_at_stop
from tests.support.scene import NEW_ORDER, SYMBOL, Scene

pytestmark = pytest.mark.e2e

LOOP_CALL = "GET /fapi/v1/openAlgoOrders"  # the plugin's snapshot, once per loop
FEE = 0.0005


def loops(scene: Scene) -> int:
    return int(scene.state()["requests"].get(LOOP_CALL, 0))


def wait_loops(scene: Scene, count: int) -> None:
    start = loops(scene)
    scene.bot.wait_for(lambda: loops(scene) >= start + count, 60, f"{count} more loops")


def recorded_bracket(scene: Scene, trade_id: int) -> dict:
    [entry] = scene.bot.api("GET", f"trades/{trade_id}/custom-data")
    return {row["key"]: row["value"] for row in entry["custom_data"]}["bracket"]


@pytest.mark.parametrize("cancels", ["all", "plain"])
def test_a_liquidation_closes_the_trade_as_liquidation_and_counts_as_a_stop_out(
    scene: Scene, cancels: str,
) -> None:
    """On mark: the last price never reaches the stop, the mark goes through the liquidation
    price. Binance's protocol cancels open orders; whether conditional orders count is a
    switch of the emulator, so both ways."""
    scene.emulator.control("POST", "config", liquidation_cancels=cancels)
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    scene.emulator.set_price(SYMBOL, "1.2000", mark="0.5500")  # isolated 2x: gone near 0.61
    assert scene.state()["force_orders"], "the venue liquidated the position"
    closed = scene.closed_trade(trade["id"])
    assert closed["exit_reason"] == "liquidation"
    severity, event = scene.wait_event("liquidated", trade=trade["id"])
    assert severity == "ERROR" and event["order_id"] == str(scene.state()["force_orders"][0][
        "orderId"])
    scene.assert_no_leg_outlives_the_position()
    legs = scene.bracket_legs(trade["id"])
    assert legs["stop"]["status"] == legs["take_profit"]["status"] == "cancelled"
    # The gate counts it as a stop-out: the pair cools down.
    scene.emulator.set_price(SYMBOL, "1.2000")
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    scene.wait_refusal("CooldownAfterStopOut")
    scene.clear_signals()
    scene.assert_no_damage()


def test_funding_paid_before_a_venue_exit_is_in_the_trades_profit(scene: Scene) -> None:
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    charged = scene.emulator.control("POST", "funding", symbol=SYMBOL, rate="0.001")["charged"]
    paid = float(charged[scene.api_key][SYMBOL])
    assert paid < 0  # a long pays a positive rate
    scene.emulator.set_price(SYMBOL, "1.2700")  # the take-profit fills on the venue
    closed = scene.closed_trade(trade["id"])
    assert closed["exit_reason"] == "take_profit"
    assert closed["funding_fees"] == pytest.approx(paid, abs=1e-6)
    gross = closed["amount"] * (closed["close_rate"] - closed["open_rate"])
    fees = closed["amount"] * FEE * (closed["open_rate"] + closed["close_rate"])
    assert closed["close_profit_abs"] == pytest.approx(gross - fees + paid, abs=1e-4)


@pytest.mark.parametrize("price_type", ["last", "mark"])
def test_the_stop_fires_on_the_price_type_freqtrade_is_told(
    make_scene: Callable[..., Scene], price_type: str,
) -> None:
    scene = make_scene(order_types={"stoploss_price_type": price_type})
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    working = {"last": "CONTRACT_PRICE", "mark": "MARK_PRICE"}[price_type]
    assert {a["workingType"] for a in scene.state()["algo_orders"]} == {working}
    scene.emulator.set_price(SYMBOL, "1.1600", mark="1.1900")  # last through, mark not
    if price_type == "last":
        assert scene.closed_trade(trade["id"])["exit_reason"] == "stoploss_on_exchange"
    else:
        wait_loops(scene, 3)
        assert scene.bot.trade_from_db(trade["id"])["is_open"]
        scene.emulator.set_price(SYMBOL, "1.1900", mark="1.1600")  # now the mark crosses
        assert scene.closed_trade(trade["id"])["exit_reason"] == "stoploss_on_exchange"
    scene.assert_no_leg_outlives_the_position()


def test_a_thin_book_sizes_the_entry_on_the_price_it_really_gets(scene: Scene) -> None:
    scene.emulator.control("POST", "book", symbol=SYMBOL, level_notional="700", levels=40)
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    [entry] = [o for o in scene.state()["orders"] if o["side"] == "BUY"]
    average, touch = float(entry["avgPrice"]), 1.2001
    assert average > touch  # it walked the book
    budget = 0.01 * 10_000 * 0.99  # risk_per_trade x equity (tradable_balance_ratio 0.99)
    at_touch = budget / loss_at_stop(1.0, touch, 1.17, FEE, is_short=False)
    assert trade["amount"] < at_touch  # sized on the walk, not the touch
    assert loss_at_stop(trade["amount"], average, 1.17, FEE, is_short=False) <= budget
    assert recorded_bracket(scene, trade["id"])["risk_amount"] <= budget
    scene.bot.force_exit(trade["id"])
    scene.closed_trade(trade["id"])


def test_a_book_too_thin_for_the_entry_is_refused(scene: Scene) -> None:
    scene.emulator.control("POST", "book", symbol=SYMBOL, level_notional="300", levels=3)
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    scene.wait_refusal("BookTooThin")
    scene.clear_signals()
    assert scene.state()["orders"] == []


def test_an_entry_that_fills_in_part_is_protected_for_what_filled(scene: Scene) -> None:
    """The book thins while the entry is on its way: the market order fills what is there."""
    scene.fault(NEW_ORDER, kind="delay", seconds=3.0, count=1)
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    scene.bot.wait_for(lambda: scene.requests()[NEW_ORDER] >= 1, 60, "the entry sent")
    scene.emulator.control("POST", "book", symbol=SYMBOL, level_notional="500", levels=3)
    trade = scene.open_trade(timeout=60)
    scene.clear_signals()
    [entry] = [o for o in scene.state()["orders"] if o["side"] == "BUY"]
    filled = float(entry["executedQty"])
    assert entry["status"] == "EXPIRED" and 0 < filled < float(entry["origQty"])
    assert trade["amount"] == pytest.approx(filled)
    assert {float(a["quantity"]) for a in scene.state()["algo_orders"]
            if a["algoStatus"] == "NEW"} == {filled}
    scene.emulator.control("POST", "book", symbol=SYMBOL)  # deep again
    scene.bot.force_exit(trade["id"])
    scene.closed_trade(trade["id"])
    scene.assert_no_damage()


def test_a_stop_that_slips_in_a_thin_book_says_how_far(scene: Scene) -> None:
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    scene.emulator.control("POST", "book", symbol=SYMBOL, level_notional="600", levels=200)
    scene.emulator.set_price(SYMBOL, "1.1650")
    closed = scene.closed_trade(trade["id"])
    assert closed["exit_reason"] == "stoploss_on_exchange"
    severity, slipped = scene.wait_event("stop_slipped", trade=trade["id"])
    assert severity == "WARNING"
    fill = float(slipped["price"])
    # Event fields carry six significant digits.
    assert fill < 1.165 and float(slipped["slippage"]) == pytest.approx(1.17 - fill, abs=2e-5)
    assert float(slipped["extra_loss"]) == pytest.approx((1.17 - fill) * trade["amount"],
                                                         rel=1e-3)


@pytest.mark.parametrize(("leg", "price", "reason"), [
    ("stop", "1.1650", "stoploss_on_exchange"), ("take_profit", "1.2650", "take_profit")])
def test_a_leg_whose_order_fills_in_part_has_the_rest_closed_at_market(
    scene: Scene, leg: str, price: str, reason: str,
) -> None:
    """A thin book: the fired leg's market order takes what is there and the rest expires. The
    rest of the position is past the leg's price: the plugin closes it at market, reduce-only
    (the stop guards it until then), and freqtrade closes the trade from both fills."""
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    leg_id = scene.bracket_legs(trade["id"])[leg]["client_id"]
    scene.emulator.control("POST", "book", symbol=SYMBOL, level_notional="500", levels=3)
    scene.emulator.set_price(SYMBOL, price)
    [fired] = [o for o in scene.state()["orders"] if o["clientOrderId"] == leg_id]
    filled = float(fired["executedQty"])
    assert fired["status"] == "EXPIRED" and 0 < filled < trade["amount"]
    scene.emulator.control("POST", "book", symbol=SYMBOL)  # deep again
    closed = scene.closed_trade(trade["id"], timeout=60)
    assert closed["exit_reason"] == reason
    severity, event = scene.wait_event("leg_filled_in_part", trade=trade["id"])
    assert severity == "WARNING" and event["leg"] == leg
    assert float(event["filled"]) == pytest.approx(filled)
    assert float(event["left"]) == pytest.approx(trade["amount"] - filled)
    closes = [o for o in scene.state()["orders"]
              if o["clientOrderId"].startswith(leg_id.rpartition("-")[0] + "-x")]
    assert closes and all(o["reduceOnly"] and o["side"] == "SELL" for o in closes)
    assert sum(float(o["executedQty"]) for o in closes) == pytest.approx(
        trade["amount"] - filled)
    assert scene.state()["positions"] == []
    scene.assert_no_damage()


def test_a_missing_endpoint_is_one_error_and_trading_goes_on(scene: Scene) -> None:
    scene.fault(LOOP_CALL, kind="http", http_status=404, count=12)
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    severity, missing = scene.wait_event("venue_endpoint_missing")
    assert severity == "ERROR" and "404" in missing["error"]
    trade = scene.first_trade()  # entries and their legs do not need the snapshot
    scene.bot.wait_for(lambda: len([a for a in scene.state()["algo_orders"]
                                    if a["algoStatus"] == "NEW"]) == 2, 30, "both legs")
    scene.clear_signals()
    scene.bot.wait_for(lambda: not scene.state()["faults"]["armed"], 60, "the faults used up")
    assert len(scene.events("venue_endpoint_missing")) == 1  # said once, not every loop
    scene.bot.force_exit(trade["id"])
    scene.closed_trade(trade["id"])
    scene.assert_no_leg_outlives_the_position()
