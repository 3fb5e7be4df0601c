"""Entries that never become trades: refused by the plugin's risk gate or by the venue.

The scene is test_brackets.py's (tests/support/scene.py): a real ``freqtrade trade`` with a
BracketFromFile bot, its own emulator and account, and a webhook listener. Each refusal is an
event with its reason, and nothing is traded: no order, leg or position at the venue, no trade in
freqtrade's database, no fill at the webhook.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.scene import NEW_ORDER, PAIR, Scene

pytestmark = pytest.mark.e2e

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
