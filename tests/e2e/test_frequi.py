"""FreqUI 3.1.1 in headless chromium against a bot trading the emulator: what a user can read.

The user's path: log in through FreqUI's form, open the bracket trade from "Open Trades" and read
its stop and its *initial* stop in the trade detail, open the pair's chart, load the strategy's
plot configuration ("From strategy") and read the bracket's take-profit and stop at the newest
candle from the chart's tooltip (the chart itself is a canvas) — never opening the raw
custom-data dialog. Skipped where chromium, chromedriver, selenium or the FreqUI build is
missing.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import Emulator
from harness.freqtrade_bot import FreqtradeBot
from harness.freqtrade_config import live_config
from tests.support.frequi import FreqUI, chromium, frequi_api_server, frequi_site, missing

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(missing() is not None, reason=str(missing()))]
PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
STOP, TAKE_PROFIT = 1.17, 1.26
LEVERAGE = 2
# The bracket's columns fill in on the candle the entry filled in, once that candle closed and
# was analysed: up to one 1-minute candle and a loop, with room for a slow machine.
NEXT_CANDLE_S = 180


def last_candle(bot: FreqtradeBot) -> dict[str, Any]:
    """The newest analysed candle as /pair_candles serves it, by column."""
    candles = bot.api("GET", f"pair_candles?pair={PAIR}&timeframe=1m")
    return dict(zip(candles["columns"], candles["data"][-1], strict=True))


def candle_time(row: dict[str, Any]) -> str:
    """A candle's open time as FreqUI prints it (UTC)."""
    stamp = row["__date_ts"] / 1000
    return datetime.datetime.fromtimestamp(stamp, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def test_frequi_shows_the_open_brackets_take_profit_and_stop_without_the_custom_data_dialog(
    private_emulator: Emulator, start_bot: Callable[..., FreqtradeBot], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    private_emulator.set_price(SYMBOL, "1.2000")
    api_key, api_secret = private_emulator.new_account()
    signal_file = tmp_path / "signals.json"
    signal_file.write_text(json.dumps({PAIR: {"side": "long", "stop_price": STOP,
                                              "take_profit_price": TAKE_PROFIT}}))
    shots: list[Path] = []
    with frequi_site(tmp_path) as origin, chromium(tmp_path) as browser:
        bot = start_bot(live_config(
            private_emulator, api_key, api_secret, stake_amount="unlimited",
            signal_file=str(signal_file), test_leverage=LEVERAGE, **frequi_api_server(origin),
            bracket={"risk_per_trade": 0.01, "min_reward_risk": 1.5}), strategy="BracketChart")
        [trade] = bot.wait_for(
            lambda: [t for t in bot.status() if t["stop_loss_abs"] == pytest.approx(STOP)
                     and t["initial_stop_loss_abs"] == pytest.approx(STOP)], 60,
            "an open trade whose stop and initial stop are the bracket's")
        signal_file.write_text("{}")
        # The strategy's plot configuration, as FreqUI's "From strategy" loads it: its own
        # line and the bracket's series.
        plot = bot.api("GET", "plot_config")
        assert {"close_mean", "bracket_stop", "bracket_take_profit", "stop_price",
                "take_profit_price"} <= set(plot["main_plot"])
        assert plot["main_plot"]["close_mean"] == {"color": "blue"}
        row = bot.wait_for(lambda: (r := last_candle(bot)) and r.get("bracket_stop") and r,
                           NEXT_CANDLE_S, "the bracket's columns on the newest candle")
        assert (row["bracket_stop"], row["bracket_take_profit"]) == (STOP, TAKE_PROFIT)

        ui = FreqUI(browser, origin)
        try:
            ui.login(bot.api_url.removesuffix("/api/v1"), bot.username, bot.password)
            [open_row] = ui.open_trades()
            assert (open_row["ID"], open_row["Pair"]) == (f"{trade['trade_id']} | Long", PAIR)
            detail = ui.trade_detail(trade["trade_id"])
            assert detail["Pair"] == PAIR
            assert detail["Stoploss"].split("|")[-1].strip() == f"{STOP}"
            # The initial stop is the bracket's, not the -99 % hard cap.
            entry = trade["open_rate"]
            initial = -(entry - STOP) / entry * LEVERAGE * 100
            assert detail["Initial Stoploss"] == f"{initial:.3f}% | {STOP}"
            ui.scroll_to("Trade Detail")
            shots.append(ui.screenshot(tmp_path / "frequi-trade-detail.png"))

            ui.open_chart(PAIR)
            ui.plot_config_from_strategy()
            before = candle_time(last_candle(bot))
            tooltip = ui.tooltip_at_last_candle("bracket_stop", "bracket_take_profit")
            after = candle_time(last_candle(bot))
            shots.append(ui.screenshot(tmp_path / "frequi-chart-tooltip.png"))
            assert tooltip.timestamp in {before, after}, (tooltip, before, after)
            assert tooltip.number("bracket_take_profit") == pytest.approx(TAKE_PROFIT)
            assert tooltip.number("bracket_stop") == pytest.approx(STOP)
            assert ui.column_at_last_candle("bracket_take_profit") == f"{TAKE_PROFIT}"
            assert "close_mean" in tooltip.values  # the strategy's own line stayed
        finally:
            with capsys.disabled():  # shown even when the test passes
                for shot in shots:
                    print(f"\nFreqUI screenshot: {shot}")
