"""What a user of the shipped configs sees: webhook payloads from the templates in config.json
(enabled through the environment), and each trade's legs through freqtrade's REST API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.emulator import REPO, Emulator
from harness.freqtrade_bot import E2E_STRATEGIES, FreqtradeBot
from harness.freqtrade_config import merged, tunnel_exchange
from tests.support.webhook import WebhookListener

pytestmark = pytest.mark.e2e
PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"


def test_shipped_templates_and_rest_api_show_the_bracket(
    private_emulator: Emulator, tmp_path: Path
) -> None:
    private_emulator.set_price(SYMBOL, "1.2000")
    api_key, api_secret = private_emulator.new_account()
    signal_file = tmp_path / "signals.json"
    signal_file.write_text(json.dumps(
        {PAIR: {"side": "long", "stop_price": 1.17, "take_profit_price": 1.26}}))
    config = json.loads((REPO / "config.json").read_text())
    config = merged(config, json.loads((REPO / "configs" / "emulator.json").read_text()))
    exchange = tunnel_exchange(private_emulator)  # no keys in the file: they come from env
    config = merged(config, {"bot_name": "product", "timeframe": "1m",
                             "signal_file": str(signal_file),
                             "internals": {"process_throttle_secs": 1},
                             "exchange": {**exchange, "pair_whitelist": [PAIR]}})
    (tmp_path / "bot").mkdir()
    with WebhookListener() as webhook:
        env = {"FREQTRADE__EXCHANGE__KEY": api_key, "FREQTRADE__EXCHANGE__SECRET": api_secret,
               "FREQTRADE__WEBHOOK__ENABLED": "true", "FREQTRADE__WEBHOOK__URL": webhook.url}
        bot = FreqtradeBot(tmp_path / "bot", config, "BracketFromFile", E2E_STRATEGIES, env=env)
        try:
            bot.start()
            [entry] = webhook.wait_for(lambda: webhook.of_type("entry_fill"))
            signal_file.write_text("{}")
            assert (entry["pair"], entry["direction"]) == (PAIR, "Long")
            assert float(entry["open_rate"]) == pytest.approx(1.2001)
            [placed] = webhook.wait_for(lambda: webhook.bracket_events("bracket_placed"))
            assert (placed["trade"]["stop_price"], placed["trade"]["take_profit_price"]) == (
                1.17, 1.26)
            assert placed["trade"]["risk_amount"] > 0
            trade_id = int(entry["trade_id"])
            [status] = bot.status()
            assert status["stop_loss_abs"] == pytest.approx(1.17)
            legs = bot.wait_for(
                lambda: (rows := bot.api("GET", f"trades/{trade_id}/custom-data",
                                         )) and {r["key"]: r["value"]
                                                 for r in rows[0]["custom_data"]}
                .get("bracket_legs"),
                20, "the legs in custom data")
            algos = {a["orderType"]: str(a["algoId"])
                     for a in private_emulator.state(api_key)["algo_orders"]}
            assert legs["stop"]["order_id"] == algos["STOP_MARKET"] == placed["details"]["stop_id"]
            assert legs["take_profit"]["order_id"] == algos["TAKE_PROFIT_MARKET"]
            assert legs["take_profit"]["status"] == "resting"

            bot.force_exit(trade_id)
            [exit_fill] = webhook.wait_for(lambda: webhook.of_type("exit_fill"))
            assert exit_fill["exit_reason"] == "force_exit"
            webhook.wait_for(lambda: webhook.bracket_events("legs_cancelled"))
        finally:
            bot.stop()
    # The plugin's events come as its own JSON posts; freqtrade posts no strategy_msg text.
    assert webhook.of_type("strategy_msg") == []
    assert {e["bot_name"] for e in webhook.bracket_events()} == {"product"}
