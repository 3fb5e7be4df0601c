"""The bracket in freqtrade's own trade view (REST API, what FreqUI shows): the initial stop is
the bracket's, not the -99 % hard cap, also after a restart, whose stoploss_reinitialization
resets it; custom data holds a readable summary beside the machine record."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import DEFAULT_KEY, Emulator
from harness.freqtrade_bot import FreqtradeBot
from harness.freqtrade_config import dry_run_config, live_config

pytestmark = pytest.mark.e2e
PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
STOP, TAKE_PROFIT = 1.17, 1.26
LEVERAGE = 2
RESET = "needs adjustment"  # freqtrade's log line when it resets an open trade's stop


def custom_data(bot: FreqtradeBot, trade_id: int) -> dict[str, Any]:
    [entry] = bot.api("GET", f"trades/{trade_id}/custom-data")
    return {row["key"]: row["value"] for row in entry["custom_data"]}


def shows_the_bracket(bot: FreqtradeBot) -> dict[str, Any] | None:
    trades = bot.status()
    if len(trades) != 1:
        return None
    trade = trades[0]
    ok = (trade["stop_loss_abs"] == pytest.approx(STOP)
          and trade["initial_stop_loss_abs"] == pytest.approx(STOP))
    return trade if ok else None


def stop_orders(bot: FreqtradeBot, trade_id: int) -> list[dict[str, Any]]:
    return [o for o in bot.trade_from_db(trade_id)["orders"] if o["ft_order_side"] == "stoploss"]


@pytest.mark.parametrize("mode", ["live", "dry-run"])
def test_the_initial_stop_is_the_brackets_and_survives_a_restart(
    private_emulator: Emulator, start_bot: Callable[..., FreqtradeBot], tmp_path: Path,
    mode: str,
) -> None:
    private_emulator.set_price(SYMBOL, "1.2000")
    signal_file = tmp_path / "signals.json"
    signal_file.write_text(json.dumps({PAIR: {"side": "long", "stop_price": STOP,
                                              "take_profit_price": TAKE_PROFIT}}))
    settings = dict(stake_amount="unlimited", signal_file=str(signal_file),
                    test_leverage=LEVERAGE, bracket={"risk_per_trade": 0.01})
    if mode == "live":
        api_key, api_secret = private_emulator.new_account()
        config = live_config(private_emulator, api_key, api_secret, **settings)
    else:
        api_key, config = DEFAULT_KEY, dry_run_config(private_emulator, **settings)
    bot = start_bot(config, strategy="BracketFromFile")
    trade = bot.wait_for(lambda: shows_the_bracket(bot), 60,
                         "the bracket's stop as stop and initial stop")
    signal_file.write_text("{}")
    trade_id, entry = trade["trade_id"], trade["open_rate"]
    expected_ratio = -(entry - STOP) / entry * LEVERAGE
    assert trade["initial_stop_loss_ratio"] == pytest.approx(expected_ratio)
    assert trade["initial_stop_loss_pct"] == pytest.approx(expected_ratio * 100)

    # Custom data: the machine records and, beside them, the line a person reads.
    def summarised() -> dict[str, Any] | None:
        data = custom_data(bot, trade_id)
        legs = data.get("bracket_legs")
        done = legs and all(legs[k]["status"] == "resting" for k in ("stop", "take_profit"))
        return data if done and "resting" in data.get("bracket_summary", "") else None

    data = bot.wait_for(summarised, 30, "both legs resting and summarised")
    legs, risk = data["bracket_legs"], data["bracket"]["risk_amount"]
    assert data["bracket_summary"] == (
        f"take-profit 1.26 (+{(TAKE_PROFIT - entry) / entry * 100:.2f} %), resting, order "
        f"{legs['take_profit']['order_id']} | stop 1.17 (-{(entry - STOP) / entry * 100:.2f} "
        f"%), resting, order {legs['stop']['order_id']} | long from {entry}, "
        f"risk {risk:.2f} USDT")
    state_before = private_emulator.state(api_key)
    stops_before = stop_orders(bot, trade_id)

    bot.stop()
    resets_before = bot.log_text().count(RESET)
    bot.start()
    started = time.time()
    # freqtrade reset the stop at start-up (its own log says so) ...
    bot.wait_for(lambda: bot.log_text().count(RESET) > resets_before, 60,
                 "freqtrade's stoploss_reinitialization after the restart")
    # ... and committed what its first loop made of it (the API answers from the database,
    # and it answers before freqtrade's start-up: the old rows would pass for the new) ...
    bot.wait_for(lambda: (bot.api("GET", "health").get("last_process_ts") or 0) > started, 60,
                 "the first loop after the restart")
    # ... and the trade view shows the bracket again: stop and initial stop.
    after = bot.wait_for(lambda: shows_the_bracket(bot), 60, "the bracket's stop after restart")
    assert after["initial_stop_loss_ratio"] == pytest.approx(expected_ratio)
    assert bot.trade_from_db(trade_id)["stop_loss"] == pytest.approx(STOP)
    if mode == "live":
        # The venue never saw a new stop: the one resting before the restart is still it.
        bot.wait_for(lambda: "Bracket settings" in bot.log_text(), 30, "the strategy started")
        state = private_emulator.state(api_key)
        resting = [a for a in state["algo_orders"] if a["algoStatus"] == "NEW"]
        assert sorted(a["orderType"] for a in resting) == ["STOP_MARKET",
                                                           "TAKE_PROFIT_MARKET"]
        assert state["accepted_client_ids"] == state_before["accepted_client_ids"]
        assert [o["order_id"] for o in stop_orders(bot, trade_id) if o["ft_is_open"]] == [
            legs["stop"]["order_id"]]
    else:
        # freqtrade's simulated stop does not outlive the process: the one it places anew
        # after the restart sits at the bracket's stop, not at the hard cap.
        def new_stop() -> dict[str, Any] | None:
            rows = [o for o in stop_orders(bot, trade_id) if o not in stops_before]
            return rows[-1] if rows else None

        row = bot.wait_for(new_stop, 30, "freqtrade's new simulated stop")
        assert row["stop_price"] == pytest.approx(STOP)
