"""freqtrade's real Telegram module (python-telegram-bot over httpx) against the local Bot API
stand-in, while the bot trades brackets on the emulator: what a Telegram user reads.

The bot reaches "api.telegram.org" through HTTPS_PROXY and trusts the test's CA through
SSL_CERT_FILE; its exchange traffic keeps going through ccxt's own proxy to the emulator. Token
and chat id are made up; the stand-in refuses any other. The same bot posts the plugin's JSON
events to a real webhook listener: the text a user reads and the payload a program reads come
from the same event.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import Emulator
from harness.freqtrade_bot import FreqtradeBot
from harness.freqtrade_config import dry_run_config, live_config
from tests.support.event_samples import samples
from tests.support.telegram import SentMessage, TelegramStandIn
from tests.support.webhook import WebhookListener, webhook_config

pytestmark = pytest.mark.e2e
PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
NOTIFY = {"notification_settings": {"entry_fill": "on", "exit_fill": "on", "startup": "on",
                                    "strategy_msg": "on", "status": "on"}}
ALGO_ORDER = "POST /fapi/v1/algoOrder"
# freqtrade locks a pair until the next candle after every exit ("Auto lock"), so the pair's
# next entry can be a whole 1m candle away, plus a loop on a busy machine.
NEXT_ENTRY_S = 150


def pct(price: float, entry: float) -> str:
    return f"{(price - entry) / entry * 100:+.2f} %"


def body(message: SentMessage) -> dict[str, str]:
    """The ``Label: value`` lines under a message's title line."""
    return dict(line.split(": ", 1) for line in (message.text or "").splitlines()[1:])


def custom_data(bot: FreqtradeBot, trade_id: int) -> dict[str, Any]:
    [entry] = bot.api("GET", f"trades/{trade_id}/custom-data")
    return {row["key"]: row["value"] for row in entry["custom_data"]}


def algo_ids(emulator: Emulator, api_key: str, order_type: str) -> list[str]:
    return [str(a["algoId"]) for a in emulator.state(api_key)["algo_orders"]
            if a["orderType"] == order_type]


def same_event_for_programs(webhook: WebhookListener, message: SentMessage, event: str,
                            trade_id: int | None) -> dict[str, Any]:
    """The webhook payload of the event ``message`` shows: same event, same trade, same text."""
    def found() -> dict[str, Any] | None:
        return next((p for p in webhook.bracket_events(event) if p["trade_id"] == trade_id
                     and p["message"].replace("`", "'") == message.text), None)

    return webhook.wait_for(found)


def show(capsys: pytest.CaptureFixture[str], title: str, message: SentMessage,
         payload: dict[str, Any]) -> None:
    with capsys.disabled():  # quoted in reports: what a person and a program each get
        print(f"\n--- {title}: Telegram, as the user sees it ---\n{message.text}\n"
              f"--- {title}: webhook JSON ---\n{json.dumps(payload, indent=2, ensure_ascii=False)}")


def test_fills_and_every_plugin_message_reach_telegram_as_a_user_reads_them(
    private_emulator: Emulator, start_bot: Callable[..., FreqtradeBot], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    private_emulator.set_price(SYMBOL, "1.2000")
    api_key, api_secret = private_emulator.new_account()
    signal_file = tmp_path / "signals.json"

    def signal(take_profit: float) -> None:
        signal_file.write_text(json.dumps({PAIR: {"side": "long", "stop_price": 1.17,
                                                  "take_profit_price": take_profit}}))

    signal(1.21)  # reward 0.01 for a risk of 0.03: the risk gate refuses it
    with TelegramStandIn(tmp_path) as telegram, WebhookListener() as webhook:
        bot = start_bot(live_config(
            private_emulator, api_key, api_secret, stake_amount="unlimited",
            signal_file=str(signal_file), telegram=telegram.telegram_config(**NOTIFY),
            webhook=webhook_config(webhook.url),
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

        # The refusal (its event name has an odd number of underscores: as a key=value line
        # Telegram refused it) reads as a message. On a slow machine a refusal of the signal
        # candle as stale may come first; the one under test is the risk gate's.
        refused = telegram.wait_text("Entry refused", "Rule: reward risk below minimum",
                                    timeout=120)
        assert refused.text.splitlines()[0] == "\N{NO ENTRY SIGN} Binance: Entry refused"
        fields = refused.fields()
        assert (fields["Pair"], fields["Direction"], fields["Signal stop"],
                fields["Signal take-profit"]) == (PAIR, "Long", "1.17 USDT", "1.21 USDT")
        assert fields["Rule"] == "reward risk below minimum"
        assert re.fullmatch(r"reward/risk 0\.3\d* < 1\.5", fields["Detail"]), fields
        assert fields["Action taken"] == "no order sent (said once per pair and signal candle)"

        signal(1.26)
        entry = telegram.wait_text("New Trade filled", timeout=NEXT_ENTRY_S)
        signal_file.write_text("{}")
        [trade] = bot.status()
        trade_id, open_rate, amount = trade["trade_id"], trade["open_rate"], trade["amount"]
        assert entry.text.splitlines()[0] == (
            f"\N{CHECK MARK} Binance: New Trade filled (#{trade_id})")
        assert entry.fields()["Pair"] == PAIR
        assert entry.fields()["Direction"] == "Long (2x)"
        assert entry.fields()["Open Rate"] == f"{open_rate} USDT"

        # Bracket placed: both legs with price, distance and order id, and the risk in R.
        placed = telegram.wait_text("Bracket placed")
        [stop_id] = algo_ids(private_emulator, api_key, "STOP_MARKET")
        [take_profit_id] = algo_ids(private_emulator, api_key, "TAKE_PROFIT_MARKET")
        risk = custom_data(bot, trade_id)["bracket"]["risk_amount"]
        fee = (risk - amount * (open_rate - 1.17)) / (amount * (open_rate + 1.17))
        target = (amount * (1.26 - open_rate) - fee * amount * (open_rate + 1.26)) / risk
        fields = body(placed)
        assert placed.text.splitlines()[0] == f"\N{SHIELD} Binance: Bracket placed (#{trade_id})"
        assert {k: v for k, v in fields.items() if k != "Protected"} == {
            "Pair": PAIR, "Direction": "Long (2x)", "Entry": f"{open_rate} USDT",
            "Amount": f"{amount:g}", "Stop": f"1.17 USDT ({pct(1.17, open_rate)})",
            "Stop order": f"{stop_id} (resting)",
            "Take-profit": f"1.26 USDT ({pct(1.26, open_rate)})",
            "Take-profit order": f"{take_profit_id} (resting)",
            "Risk": f"{risk:.2f} USDT = 1 R (fees included)",
            "Target": f"{target:+.2f} R at the take-profit"}
        assert re.fullmatch(r"\d+ ms after the entry filled", fields["Protected"]), fields
        show(capsys, "bracket placed", placed,
             same_event_for_programs(webhook, placed, "bracket_placed", trade_id))

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
        assert exit_fill.text.splitlines()[0].endswith(f"Binance: Exited {PAIR} (#{trade_id})")
        assert exit_fill.fields()["Exit Reason"] == "take_profit"
        assert exit_fill.fields()["Exit Rate"] == "1.27 USDT"

        # Take-profit filled: where, which order, the result in R; then the stop goes.
        filled = telegram.wait_text("Take-profit filled")
        closed = bot.wait_for(lambda: (t := bot.trade_from_db(trade_id)) and not t["is_open"]
                              and t, 30, "the trade closed")
        [exit_order] = [o for o in closed["orders"] if o["ft_order_side"] == "sell"]
        fields = filled.fields()
        assert (fields["Fill"], fields["Order"], fields["Amount"]) == (
            f"1.27 USDT ({pct(1.27, open_rate)})", exit_order["order_id"], f"{amount:g}")
        result = re.fullmatch(r"([+-]\d+\.\d\d) R = ([+-]\d+\.\d\d) USDT "
                              r"\(fees included, estimated\)", fields["Result"])
        assert result, fields
        # The estimate is what freqtrade then books (no funding in between).
        assert float(result[2]) == pytest.approx(closed["close_profit_abs"], abs=0.05)
        assert float(result[1]) == pytest.approx(closed["close_profit_abs"] / risk, abs=0.01)
        assert fields["Action taken"] == (f"cancelling the stop (order {stop_id}); freqtrade "
                                          "closes the trade with exit reason take_profit")
        show(capsys, "take-profit filled", filled,
             same_event_for_programs(webhook, filled, "take_profit_filled", trade_id))
        cancelled = telegram.wait_text("Stop cancelled")
        assert cancelled.fields()["Stop cancelled"] == stop_id

        # A leg failure: the venue refuses the next trade's take-profit once.
        private_emulator.set_price(SYMBOL, "1.2000")
        private_emulator.fault(ALGO_ORDER, api_key=api_key, kind="error", code=-2022,
                               msg="ReduceOnly Order is rejected.", count=1,
                               match={"type": "TAKE_PROFIT_MARKET"})
        signal(1.26)  # the pair is locked until the next candle: trade #1 just exited
        failed = telegram.wait_text("Take-profit could not be placed", timeout=NEXT_ENTRY_S)
        signal_file.write_text("{}")
        second = int(re.search(r"\(#(\d+)\)", failed.text.splitlines()[0])[1])
        assert second != trade_id
        fields = failed.fields()
        assert fields["Trigger"].startswith("1.26 USDT (+")
        assert fields["Client id"].endswith("-tp1")
        assert "-2022" in fields["Reason"] and "ReduceOnly Order is rejected." in fields["Reason"]
        assert fields["Action taken"] == ("retrying on the next loop; the stop still protects "
                                          "the position")
        show(capsys, "leg failure", failed,
             same_event_for_programs(webhook, failed, "leg_failed", second))
        again = telegram.wait_text(f"Placing the take-profit again (#{second})")
        assert again.fields()["Previous attempt"] == fields["Client id"]
        placed_again = telegram.wait_text(f"Take-profit placed (#{second})")
        resting = [a for a in private_emulator.state(api_key)["algo_orders"]
                   if a["orderType"] == "TAKE_PROFIT_MARKET" and a["algoStatus"] == "NEW"]
        assert [placed_again.fields()["Order"]] == [str(a["algoId"]) for a in resting]
        assert placed_again.fields()["Client id"].endswith("-tp2")
        bot.force_exit(second)
        telegram.wait_text(f"Bracket legs cancelled (#{second})")

        # Whatever Telegram refused was sent exactly twice, then dropped; none was the plugin's.
        refused_texts = Counter(m.raw_text for m in telegram.refused())
        assert all(count == 2 for count in refused_texts.values()), refused_texts
        assert set(refused_texts) == {error}


def test_every_kind_of_plugin_event_is_delivered_as_written(
    private_emulator: Emulator, start_bot: Callable[..., FreqtradeBot], tmp_path: Path,
) -> None:
    """One event of each kind, emitted inside a running bot about its real trade, with values
    that bite in Markdown: each arrives, reads as the plugin wrote it (the webhook's plain text),
    and keeps the hostile values verbatim."""
    private_emulator.set_price(SYMBOL, "1.2000")
    signal_file, samples_file = tmp_path / "signals.json", tmp_path / "samples.json"
    signal_file.write_text(json.dumps({PAIR: {"side": "long", "stop_price": 1.17,
                                              "take_profit_price": 1.26}}))
    with TelegramStandIn(tmp_path) as telegram, WebhookListener() as webhook:
        start_bot(dry_run_config(
            private_emulator, stake_amount="unlimited", signal_file=str(signal_file),
            event_samples_file=str(samples_file), telegram=telegram.telegram_config(**NOTIFY),
            webhook=webhook_config(webhook.url)), strategy="BracketEventSamples",
            env=telegram.bot_env())
        placed = telegram.wait_text("Bracket placed")
        signal_file.write_text("{}")
        trade_id = int(re.search(r"\(#(\d+)\)", placed.text.splitlines()[0])[1])
        catalog = samples(trade_id, PAIR)
        before = len(webhook.bracket_events("bracket_placed"))
        already = len(webhook.bracket_events())
        assert before == 1
        samples_file.write_text(json.dumps(catalog))

        # The plugin posts in the order it emitted (one thread emits, one posts).
        posted = webhook.wait_for(
            lambda: (new := webhook.bracket_events()[already:]) and len(new) >= len(catalog)
            and new, 60)
        assert [p["event"] for p in posted] == [name for _, name, _ in catalog]
        seen = {p["event"]: telegram.wait_text(p["message"].replace("`", "'")) for p in posted}
        assert all(m.text == p["message"].replace("`", "'") for m, p in zip(
            seen.values(), posted, strict=True))
        assert all(p["trade"] is not None for p in posted if p["trade_id"] == trade_id)
        assert seen["leg_failed"].fields()["Reason"] == (
            'binance {"code":-2022,"msg":"ReduceOnly Order is rejected."} [see *docs*] '
            "'retry_later' _now")
        assert seen["entry_failed"].fields()["Pair"] == "1000SHIB_X/USDT:USDT"
        assert seen["bracket_placed"].text.splitlines()[0] == (
            f"\N{SHIELD} Binance (dry): Bracket placed (#{trade_id})")
        assert telegram.refused() == []
