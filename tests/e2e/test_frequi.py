"""FreqUI 3.1.1 in headless chromium against a bot trading the emulator: what a user can read.

The user's path: log in through FreqUI's form, open the bracket trade from "Open Trades" and read
its stop in the trade detail, open the pair's chart, load the strategy's plot configuration and
read a strategy column at the newest candle from the chart's tooltip (the chart itself is a
canvas). Skipped where chromium, chromedriver, selenium or the FreqUI build is missing.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.emulator import Emulator
from tests.support.freqtrade import FreqtradeBot, live_config
from tests.support.frequi import FreqUI, chromium, frequi_api_server, frequi_site, missing

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(missing() is not None, reason=str(missing()))]
PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
STOP, TAKE_PROFIT = 1.17, 1.26


def last_candle_time(bot: FreqtradeBot) -> str:
    """The newest analysed candle's open time, as FreqUI prints it (UTC)."""
    candles = bot.api("GET", f"pair_candles?pair={PAIR}&timeframe=1m")
    column = candles["columns"].index("__date_ts")
    stamp = candles["data"][-1][column] / 1000
    return datetime.datetime.fromtimestamp(stamp, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def test_frequi_shows_the_open_brackets_stop_and_the_strategy_columns_at_the_last_candle(
    private_emulator: Emulator, start_bot: Callable[..., FreqtradeBot], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    private_emulator.set_price(SYMBOL, "1.2000")
    api_key, api_secret = private_emulator.new_account()
    signal_file = tmp_path / "signals.json"
    signal_file.write_text(json.dumps({PAIR: {"side": "long", "stop_price": STOP,
                                              "take_profit_price": TAKE_PROFIT}}))
    with frequi_site(tmp_path) as origin, chromium(tmp_path) as browser:
        bot = start_bot(live_config(
            private_emulator, api_key, api_secret, stake_amount="unlimited",
            signal_file=str(signal_file), **frequi_api_server(origin),
            bracket={"risk_per_trade": 0.01, "min_reward_risk": 1.5}), strategy="BracketChart")
        [trade] = bot.wait_for(
            lambda: [t for t in bot.status() if t["stop_loss_abs"] == pytest.approx(STOP)], 60,
            "an open trade whose stop is the bracket's")
        signal_file.write_text("{}")
        ui = FreqUI(browser, origin)
        ui.login(bot.api_url.removesuffix("/api/v1"), bot.username, bot.password)

        [row] = ui.open_trades()
        assert (row["ID"], row["Pair"]) == (f"{trade['trade_id']} | Long", PAIR)
        detail = ui.trade_detail(trade["trade_id"])
        assert detail["Pair"] == PAIR
        assert detail["Stoploss"].split("|")[-1].strip() == f"{STOP}"

        ui.open_chart(PAIR)
        ui.plot_config_from_strategy()
        before = last_candle_time(bot)
        tooltip = ui.tooltip_at_last_candle()
        after = last_candle_time(bot)
        assert tooltip.timestamp in {before, after}, (tooltip, before, after)
        assert tooltip.number("signal_stop") == pytest.approx(STOP)
        assert tooltip.number("signal_take_profit") == pytest.approx(TAKE_PROFIT)
        assert ui.column_at_last_candle("signal_stop") == f"{STOP}"
        shot = ui.screenshot(tmp_path / "frequi-chart.png")
        with capsys.disabled():  # shown even when the test passes
            print(f"\nFreqUI screenshot: {shot}")
