"""freqtrade's real Telegram module (python-telegram-bot over httpx) against the local Bot API
stand-in, while the bot trades a bracket on the emulator: what a Telegram user reads.

The bot reaches "api.telegram.org" through HTTPS_PROXY and trusts the test's CA through
SSL_CERT_FILE; its exchange traffic keeps going through ccxt's own proxy to the emulator. Token
and chat id are made up; the stand-in refuses any other.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.emulator import Emulator
from tests.support.freqtrade import FreqtradeBot, live_config
from tests.support.telegram import TelegramStandIn

pytestmark = pytest.mark.e2e
PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
NOTIFY = {"notification_settings": {"entry_fill": "on", "exit_fill": "on", "startup": "on",
                                    "strategy_msg": "on", "status": "on"}}


def test_startup_fills_and_the_plugins_messages_reach_telegram_as_a_user_reads_them(
    private_emulator: Emulator, start_bot: Callable[..., FreqtradeBot], tmp_path: Path,
) -> None:
    private_emulator.set_price(SYMBOL, "1.2000")
    api_key, api_secret = private_emulator.new_account()
    signal_file = tmp_path / "signals.json"
    signal_file.write_text(json.dumps({PAIR: {"side": "long", "stop_price": 1.17,
                                              "take_profit_price": 1.26}}))
    with TelegramStandIn(tmp_path) as telegram:
        bot = start_bot(live_config(
            private_emulator, api_key, api_secret, stake_amount="unlimited",
            signal_file=str(signal_file), telegram=telegram.telegram_config(**NOTIFY),
            bracket={"risk_per_trade": 0.01, "min_reward_risk": 1.5}),
            strategy="BracketFromFile", env=telegram.bot_env())

        # Start-up, as python-telegram-bot drives it: who am I, no webhook, then long polls.
        startup = telegram.wait_text("Exchange:", "Strategy:")
        assert startup.fields()["Exchange"] == "binance"
        assert startup.fields()["Strategy"] == "BracketFromFile"
        assert startup.parse_mode == "Markdown" and startup.chat_id == str(telegram.chat_id)
        assert "*Exchange:*" in startup.raw_text  # the markers were parsed away, not sent raw
        # The bot introduced itself first; the start-up message and the poller's webhook reset
        # run on different threads, so their order is the machine's business.
        assert telegram.calls[0] == "getMe"
        telegram.wait_for(lambda: {"deleteWebhook", "getUpdates"} <= set(telegram.calls),
                          what="the webhook reset and the first long poll")
        assert telegram.wait_text("Status:").fields()["Status"] == "running"
        # freqtrade's reply keyboard travels with every message.
        assert {"keyboard", "resize_keyboard"} <= set(startup.reply_markup)

        entry = telegram.wait_text("New Trade filled")
        signal_file.write_text("{}")
        [trade] = bot.status()
        assert entry.text.splitlines()[0] == (
            f"\N{CHECK MARK} Binance: New Trade filled (#{trade['trade_id']})")
        assert entry.fields()["Pair"] == PAIR
        assert entry.fields()["Direction"] == "Long (2x)"
        assert entry.fields()["Open Rate"] == f"{trade['open_rate']} USDT"
        assert entry.fields()["Amount"] == f"{trade['amount']}"

        # A command typed in the chat comes back through getUpdates: /status shows the stop.
        bot.wait_for(lambda: bot.status()[0]["stop_loss_abs"] == pytest.approx(1.17), 30,
                     "the bracket's stop adopted")
        telegram.user_sends("/status")
        status = telegram.wait_text("Stoploss:", PAIR)
        assert status.fields()["Stoploss"].startswith("1.17")

        # freqtrade's own reply with a lone underscore: Telegram refuses it, freqtrade tries once
        # more and drops it; the user only ever sees the next message.
        telegram.user_sends("/bl_delete SHIB_USDT")
        telegram.wait_text("Blacklist contains 0 pairs")
        error = "Error: Pair SHIB_USDT is not in the current blacklist."
        assert [m.error for m in telegram.refused() if m.raw_text == error] == [
            "Bad Request: can't parse entities: Can't find end of the entity starting at byte "
            "offset 16"] * 2
        assert error not in [m.raw_text for m in telegram.delivered()]

        private_emulator.set_price(SYMBOL, "1.2700")
        exit_fill = telegram.wait_text("Exited")
        assert exit_fill.text.splitlines()[0].endswith(
            f"Binance: Exited {PAIR} (#{trade['trade_id']})")
        assert exit_fill.fields()["Exit Reason"] == "take_profit"
        assert exit_fill.fields()["Exit Rate"] == "1.27 USDT"
        assert exit_fill.fields()["Direction"] == "Long (2x)"

        # The plugin's own events travel as freqtrade strategy messages (wording: not here).
        plugin = telegram.wait_for(lambda: [m for m in telegram.messages
                                            if m.raw_text.startswith("[bracket] ")],
                                   what="a plugin event at the Bot API")
        assert all(m.parse_mode == "Markdown" for m in plugin)
        # Whatever Telegram refused was sent exactly twice, then dropped.
        refused = Counter(m.raw_text for m in telegram.refused())
        assert all(count == 2 for count in refused.values()), refused
        assert all(m.error.startswith("Bad Request: can't parse entities: ")
                   for m in telegram.refused())
