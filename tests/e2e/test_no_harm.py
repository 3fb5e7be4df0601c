"""No harm under faults, end to end: real freqtrade, real ccxt, the emulator's faults. Each test
asserts what happened on the venue (its own journal, audited for damage) and in freqtrade's
database — never how long anything took."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.ccxt_client import binance_client
from harness.emulator import Emulator
from harness.freqtrade_bot import FreqtradeBot
from harness.freqtrade_config import live_config
from tests.support.scene import PAIR, RISK, SYMBOL, Scene, short_timeout
from tests.support.webhook import WebhookListener, webhook_config

pytestmark = pytest.mark.e2e

CANCEL_LEG = "DELETE /fapi/v1/algoOrder"
POSITIONS = "GET /fapi/v3/positionRisk"
ORPHAN = "ftb-99-abc-tp1"  # ours by its prefix, no trade's


def locks(bot: FreqtradeBot) -> list[str]:
    return [lock["pair"] for lock in bot.api("GET", "locks")["locks"] if lock["active"]]


def resting(scene: Scene, order_type: str | None = None) -> list[dict[str, Any]]:
    return [a for a in scene.state()["algo_orders"] if a["algoStatus"] == "NEW"
            and (order_type is None or a["orderType"] == order_type)]


def test_a_sibling_whose_cancel_keeps_failing_blocks_the_pair_until_it_is_gone(
    scene: Scene,
) -> None:
    """The take-profit fills; the venue refuses the stop's cancel for several loops while the
    strategy keeps signalling the same pair. No new position may live beside the old stop."""
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    first = scene.open_trade()
    scene.fault(CANCEL_LEG, kind="http", http_status=503, count=100_000)
    scene.emulator.set_price(SYMBOL, "1.2700")  # the take-profit fills; the signal stays
    closed = scene.closed_trade(first["id"])
    assert closed["exit_reason"] == "take_profit"
    scene.emulator.set_price(SYMBOL, "1.2000")  # back where the signal is valid
    # freqtrade itself locks the pair until the next candle; then the plugin's gate refuses.
    scene.wait_refusal("LegMayStillRest")
    assert [a["algoStatus"] for a in resting(scene, "STOP_MARKET")] == ["NEW"]
    assert scene.state()["positions"] == []  # the old stop still rests: nothing beside it
    failed_cancels = scene.requests()[CANCEL_LEG]
    scene.bot.wait_for(lambda: scene.requests()[CANCEL_LEG] >= failed_cancels + 3, 60,
                       "the cancel sent again, loop after loop")
    scene.emulator.control("DELETE", "faults")
    # Once the venue lets the cancel through, the pair is clean and the signal is taken.
    second = scene.bot.wait_for(
        lambda: next((t for t in scene.bot.trades_from_db() if t["id"] != first["id"]), None),
        90, "a new trade once the old stop is gone")
    [old_stop] = [a for a in scene.state()["algo_orders"]
                  if a["clientAlgoId"].endswith("-sl1") and a["symbol"] == SYMBOL
                  and str(a["algoId"]) == scene.bracket_legs(first["id"])["stop"]["order_id"]]
    assert old_stop["algoStatus"] == "CANCELED"
    entry = next(o for o in scene.state()["orders"]
                 if o["side"] == "BUY" and o["updateTime"] > old_stop["updateTime"])
    assert entry["status"] == "FILLED"
    scene.clear_signals()
    scene.bot.force_exit(second["id"])
    scene.closed_trade(second["id"])
    scene.assert_no_leg_outlives_the_position()
    scene.assert_no_damage()
    scene.assert_each_client_id_accepted_once()


def test_a_leg_no_record_follows_keeps_entries_off_its_pair_until_its_cancel_lands(
    scene: Scene,
) -> None:
    """After the start-up look, a take-profit of ours that no trade owns comes to rest on a pair
    with no trade (a late send, a closed position's leftover), and the venue refuses its cancel
    for several loops while the strategy signals that pair. No look of a record reads the pair:
    the gate must read it, and the leg must be followed until it is gone."""
    scene.bot.wait_for(lambda: scene.requests()["GET /fapi/v1/openAlgoOrders"] >= 1, 60,
                       "the start-up look (the whole account)")
    looks = scene.requests()[POSITIONS]
    scene.bot.wait_for(lambda: scene.requests()[POSITIONS] > looks, 60,
                       "a loop's look (positions, and the legs of no pair)")
    scene.fault(CANCEL_LEG, kind="http", http_status=503, count=100_000)
    hand = binance_client(scene.emulator, scene.api_key, scene.api_secret)
    hand.create_order(PAIR, "market", "buy", 100)  # the venue takes a reduce-only leg only
    hand.create_order(PAIR, "market", "sell", 100, None,  # beside a position
                      {"takeProfitPrice": 1.26, "reduceOnly": True, "clientAlgoId": ORPHAN})
    hand.create_order(PAIR, "market", "sell", 100, None, {"reduceOnly": True})
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    refusal = scene.wait_refusal("LegMayStillRest")
    assert ORPHAN in refusal[1]["reason"]
    failed_cancels = scene.requests()[CANCEL_LEG]
    scene.bot.wait_for(lambda: scene.requests()[CANCEL_LEG] >= failed_cancels + 2, 60,
                       "the orphan read and its cancel sent again, loop after loop")
    assert scene.state()["positions"] == []  # nothing beside the leg that could close it
    scene.emulator.control("DELETE", "faults")
    trade = scene.open_trade(timeout=90)
    [orphan] = [a for a in scene.state()["algo_orders"] if a["clientAlgoId"] == ORPHAN]
    assert orphan["algoStatus"] == "CANCELED"
    entry = next(o for o in scene.state()["orders"] if o["side"] == "BUY"
                 and o["updateTime"] > orphan["updateTime"])
    assert entry["status"] == "FILLED"
    scene.clear_signals()
    scene.bot.force_exit(trade["id"])
    scene.closed_trade(trade["id"])
    scene.assert_no_damage()


def test_a_gap_through_both_legs_in_one_move_opens_nothing(scene: Scene) -> None:
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    # One move through the take-profit and on through the stop, before any loop can react.
    scene.emulator.control("POST", "path", symbol=SYMBOL, prices=["1.2700", "1.1500"])
    closed = scene.closed_trade(trade["id"])
    assert closed["exit_reason"] == "take_profit"
    assert closed["close_rate"] == pytest.approx(1.27)
    state = scene.state()
    assert state["positions"] == []  # the stop fired into nothing: no reversed position
    [stop] = [a for a in state["algo_orders"] if a["orderType"] == "STOP_MARKET"]
    actual = next(o for o in state["orders"] if str(o["orderId"]) == stop["actualOrderId"])
    assert (actual["status"], actual["executedQty"]) == ("EXPIRED", "0.0")
    legs = scene.bracket_legs(trade["id"])
    assert (legs["take_profit"]["status"], legs["stop"]["status"]) == ("filled", "cancelled")
    scene.assert_no_leg_outlives_the_position()
    scene.assert_no_damage()


def test_a_position_opened_by_hand_is_guarded_and_released_once_closed(scene: Scene) -> None:
    hand = binance_client(scene.emulator, scene.api_key, scene.api_secret)
    hand.create_order(PAIR, "market", "buy", 1000)
    [guard] = scene.bot.wait_for(lambda: resting(scene, "STOP_MARKET"), 60,
                                 "a protective stop for the untracked position")
    assert (guard["closePosition"], guard["side"]) == (True, "SELL")
    assert guard["clientAlgoId"].startswith("ftb-u")
    assert float(guard["triggerPrice"]) == pytest.approx(1.2 * 0.95, abs=0.001)
    severity, event = scene.wait_event("untracked_position", pair=PAIR)
    assert severity == "ERROR" and float(event["amount"]) == 1000
    assert locks(scene.bot) == [PAIR]
    # A signal on the locked pair is not taken.
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    hand.create_order(PAIR, "market", "sell", 1000, None, {"reduceOnly": True})
    scene.wait_event("guard_released", pair=PAIR, timeout=60)
    assert resting(scene) != [guard]
    assert [a["algoStatus"] for a in scene.state()["algo_orders"]
            if a["algoId"] == guard["algoId"]] == ["CANCELED"]
    assert locks(scene.bot) == []
    trade = scene.open_trade(timeout=90)  # now the signal is taken
    assert trade["pair"] == PAIR
    scene.clear_signals()
    scene.bot.force_exit(trade["id"])
    scene.closed_trade(trade["id"])
    scene.assert_no_damage()


def test_a_position_no_trade_owns_is_closed_at_market_when_so_set(
    make_scene: Callable[..., Scene],
) -> None:
    scene = make_scene(bracket={"untracked_position_action": "close"})
    binance_client(scene.emulator, scene.api_key, scene.api_secret).create_order(
        PAIR, "market", "sell", 700)
    severity, event = scene.wait_event("untracked_position", pair=PAIR, timeout=60)
    assert severity == "ERROR" and "closed at market" in event["action"]
    scene.bot.wait_for(lambda: scene.state()["positions"] == [], 30, "the position closed")
    [close] = [o for o in scene.state()["orders"] if o["side"] == "BUY"]
    assert (close["reduceOnly"], close["status"], close["clientOrderId"][:5]) == (
        True, "FILLED", "ftb-u")
    scene.wait_event("guard_released", pair=PAIR, timeout=60)
    assert locks(scene.bot) == [] and resting(scene) == []


def test_a_lost_entry_answer_that_filled_is_protected(make_scene: Callable[..., Scene]) -> None:
    scene = make_scene(**short_timeout())
    scene.fault("POST /fapi/v1/order", kind="delay", seconds=4.0, count=1)
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    scene.wait_event("entry_failed", pair=PAIR)
    [guard] = scene.bot.wait_for(lambda: resting(scene, "STOP_MARKET"), 60,
                                 "a protective stop for the entry that filled")
    assert guard["closePosition"] is True
    [entry] = [o for o in scene.state()["orders"] if o["side"] == "BUY"]
    assert entry["status"] == "FILLED"
    severity, event = scene.wait_event("untracked_position", pair=PAIR, timeout=60)
    assert severity == "ERROR"
    assert float(event["amount"]) == pytest.approx(float(entry["executedQty"]))
    assert scene.bot.trades_from_db() == []  # freqtrade never knew: no trade, just protection
    assert locks(scene.bot) == [PAIR]
    scene.clear_signals()
    scene.assert_no_damage()


def test_two_bots_on_one_account_leave_each_others_legs_and_positions_alone(
    private_emulator: Emulator, start_bot: Callable[..., FreqtradeBot], tmp_path: Any,
) -> None:
    private_emulator.set_price(SYMBOL, "1.2000")
    private_emulator.set_price("DOGEUSDT", "0.160000")
    key, secret = private_emulator.new_account()
    bots, signals, hooks = {}, {}, {}
    with WebhookListener() as hook_a, WebhookListener() as hook_b:
        for name, pair, hook in (("a", PAIR, hook_a), ("b", "DOGE/USDT:USDT", hook_b)):
            signals[name] = tmp_path / f"signals-{name}.json"
            signals[name].write_text("{}")
            hooks[name] = hook
            config = live_config(private_emulator, key, secret, pairs=[pair],
                                 stake_amount="unlimited", signal_file=str(signals[name]),
                                 webhook=webhook_config(hook.url),
                                 bracket={**RISK, "client_id_prefix": name})
            bots[name] = start_bot(config, strategy="BracketFromFile")
        signals["a"].write_text('{"XRP/USDT:USDT": {"side": "long", "stop_price": 1.17, '
                                '"take_profit_price": 1.26}}')
        signals["b"].write_text('{"DOGE/USDT:USDT": {"side": "short", "stop_price": 0.1650, '
                                '"take_profit_price": 0.1520}}')

        def both_protected() -> bool:
            legs = [a for a in private_emulator.state(key)["algo_orders"]
                    if a["algoStatus"] == "NEW"]
            return sorted(a["clientAlgoId"][:2] + a["symbol"] for a in legs) == [
                "a-XRPUSDT", "a-XRPUSDT", "b-DOGEUSDT", "b-DOGEUSDT"]

        bots["a"].wait_for(both_protected, 60, "both bots' brackets resting")
        for signal in signals.values():
            signal.write_text("{}")
        # Loops of both bots go by (each bot's own venue calls say so): nobody cancels, guards
        # or closes the other's.
        loops = private_emulator.state(key)["requests"].get("GET /fapi/v1/openAlgoOrders", 0)
        bots["a"].wait_for(lambda: private_emulator.state(key)["requests"].get(
            "GET /fapi/v1/openAlgoOrders", 0) >= loops + 6, 60, "a few loops of both bots")
        assert both_protected()
        [trade_a] = bots["a"].status()
        bots["a"].force_exit(trade_a["trade_id"])
        bots["a"].wait_for(lambda: not bots["a"].status(), 30, "bot a flat")
        state = private_emulator.state(key)
        assert [p["symbol"] for p in state["positions"]] == ["DOGEUSDT"]
        assert sorted(a["clientAlgoId"][:2] for a in state["algo_orders"]
                      if a["algoStatus"] == "NEW") == ["b-", "b-"]
        assert not [a for a in state["algo_orders"] if a["clientAlgoId"].startswith(("ftb",))]
        for name, hook in hooks.items():
            names = [payload["event"] for payload in hook.bracket_events()]
            assert "untracked_position" not in names and "orphan_cancelled" not in names, name
        assert bots["b"].status()[0]["pair"] == "DOGE/USDT:USDT"
