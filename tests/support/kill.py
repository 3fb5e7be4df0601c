"""The kill matrix's harness: one account on a private emulator, a BracketFromFile bot on one
database that the test starts, SIGKILLs and starts again, and the signal file it reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.emulator import Emulator
from harness.freqtrade_bot import E2E_STRATEGIES, FreqtradeBot, database_errors
from harness.freqtrade_config import live_config

PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
STOP, TAKE_PROFIT = 1.17, 1.26
HANG_S = 25  # longer than the test needs: the hung request dies with the killed bot


class Harness:
    def __init__(self, emulator: Emulator, workdir: Path) -> None:
        self.emulator = emulator
        self.api_key, api_secret = emulator.new_account()
        self.workdir = workdir
        self.signal_file = workdir / "signals.json"
        self.signal_file.write_text("{}")
        self.config = live_config(
            emulator, self.api_key, api_secret, stake_amount="unlimited",
            signal_file=str(self.signal_file),
            bracket={"risk_per_trade": 0.01, "max_total_open_risk": 0.05},
        )
        (workdir / "bot").mkdir()
        self.bots: list[FreqtradeBot] = []

    def start(self) -> FreqtradeBot:
        bot = FreqtradeBot(self.workdir / "bot", self.config, "BracketFromFile", E2E_STRATEGIES)
        self.bots.append(bot)
        return bot.start()

    def kill(self, bot: FreqtradeBot) -> None:
        assert bot.process is not None
        bot.process.kill()
        bot.process.wait(timeout=10)

    def signal_long(self) -> None:
        self.signal_file.write_text(json.dumps(
            {PAIR: {"side": "long", "stop_price": STOP, "take_profit_price": TAKE_PROFIT}}))

    def state(self) -> dict[str, Any]:
        return self.emulator.state(self.api_key)

    def resting(self) -> list[dict[str, Any]]:
        return [a for a in self.state()["algo_orders"] if a["algoStatus"] == "NEW"]

    def posts(self) -> int:
        return self.emulator.control("GET", "requests").get("POST /fapi/v1/algoOrder", 0)

    def cleanup(self) -> None:
        for bot in self.bots:
            bot.stop()


def adopted(bot: FreqtradeBot) -> bool:
    """freqtrade holds the plugin's stop as its own stop order."""
    trades = bot.trades_from_db()
    return bool(trades) and any(o["ft_order_side"] == "stoploss" for o in trades[0]["orders"])


def assert_clean_restart(bot: FreqtradeBot) -> None:
    """Once the venue and the records agree, the restarted bot completes one more loop (after
    the plugin's reconciliation and freqtrade's start-up order update, which reads every open
    order row) and this launch's log has no database error."""
    def last_loop() -> int:
        return int(bot.api("GET", "health").get("last_process_ts") or 0)

    agreed = last_loop()
    bot.wait_for(lambda: last_loop() > agreed, 60, "a whole loop after the restart settled")
    errors = database_errors(bot.launch_log())
    assert errors == [], "freqtrade's database refused a write after the restart:\n" + (
        "\n".join(errors))
