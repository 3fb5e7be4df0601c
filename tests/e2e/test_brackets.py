"""The OrderManager inside a real ``freqtrade trade``, against the emulator, through real ccxt.

Each test gets its own emulator (prices are global per symbol), a fresh account, a real webhook
listener, and a BracketFromFile bot whose entry signals the test writes to a file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.emulator import Emulator
from tests.support.freqtrade import FreqtradeBot, live_config
from tests.support.webhook import WebhookListener, webhook_config

pytestmark = pytest.mark.e2e

PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
ENTRY_PRICE = "1.2000"


@dataclass
class Scene:
    emulator: Emulator
    api_key: str
    bot: FreqtradeBot
    webhook: WebhookListener
    signal_file: Path

    def signal(self, side: str, stop_price: float, take_profit_price: float,
               pair: str = PAIR) -> None:
        self.signal_file.write_text(json.dumps(
            {pair: {"side": side, "stop_price": stop_price,
                    "take_profit_price": take_profit_price}}))

    def clear_signals(self) -> None:
        self.signal_file.write_text("{}")

    def state(self) -> dict[str, Any]:
        return self.emulator.state(self.api_key)

    def algo(self, order_type: str) -> list[dict[str, Any]]:
        return [a for a in self.state()["algo_orders"] if a["orderType"] == order_type]

    def open_trade(self, timeout: float = 30) -> dict[str, Any]:
        """Wait for the bot's first trade to be open with both legs resting; return it."""
        def ready() -> dict[str, Any] | None:
            trades = self.bot.trades_from_db()
            if not trades or not trades[0]["is_open"]:
                return None
            trade = trades[0]
            adopted = any(o["ft_order_side"] == "stoploss" for o in trade["orders"])
            resting = [a for a in self.state()["algo_orders"] if a["algoStatus"] == "NEW"]
            return trade if adopted and len(resting) == 2 else None

        return self.bot.wait_for(ready, timeout, "an open trade, both legs resting, stop adopted")

    def closed_trade(self, trade_id: int, timeout: float = 30) -> dict[str, Any]:
        return self.bot.wait_for(
            lambda: (t := self.bot.trade_from_db(trade_id)) and not t["is_open"] and t,
            timeout, f"trade {trade_id} closed")


@pytest.fixture
def scene(private_emulator: Emulator, start_bot: Callable[..., FreqtradeBot],
          tmp_path: Path) -> Iterator[Scene]:
    api_key, api_secret = private_emulator.new_account()
    private_emulator.set_price(SYMBOL, ENTRY_PRICE)
    signal_file = tmp_path / "signals.json"
    signal_file.write_text("{}")
    with WebhookListener() as webhook:
        config = live_config(
            private_emulator, api_key, api_secret,
            stake_amount="unlimited",
            signal_file=str(signal_file),
            webhook=webhook_config(webhook.url),
            bracket={"risk_per_trade": 0.01, "min_reward_risk": 1.5,
                     "max_total_open_risk": 0.05},
        )
        bot = start_bot(config, strategy="BracketFromFile")
        yield Scene(private_emulator, api_key, bot, webhook, signal_file)


def test_long_gets_both_legs_and_take_profit_fill_closes_the_trade(scene: Scene) -> None:
    scene.signal("long", stop_price=1.17, take_profit_price=1.26)
    trade = scene.open_trade()
    scene.clear_signals()
    [stop] = scene.algo("STOP_MARKET")
    [take_profit] = scene.algo("TAKE_PROFIT_MARKET")
    amount = f"{trade['amount']:.1f}"
    assert (stop["side"], stop["triggerPrice"], stop["quantity"], stop["reduceOnly"]) == (
        "SELL", "1.1700", amount, True)
    assert (take_profit["side"], take_profit["triggerPrice"], take_profit["quantity"],
            take_profit["reduceOnly"]) == ("SELL", "1.2600", amount, True)
    # freqtrade owns the stop: it is the trade's stoploss order and its stop_loss.
    assert trade["stop_loss"] == pytest.approx(1.17)
    stop_rows = [o for o in trade["orders"] if o["ft_order_side"] == "stoploss"]
    assert [o["order_id"] for o in stop_rows] == [str(stop["algoId"])]

    scene.emulator.set_price(SYMBOL, "1.2700")
    closed = scene.closed_trade(trade["id"])
    assert closed["exit_reason"] == "take_profit"
    assert closed["close_rate"] == pytest.approx(1.27)
    # freqtrade cancels the stop it owns right after it records the close.
    scene.bot.wait_for(lambda: scene.algo("STOP_MARKET")[0]["algoStatus"] == "CANCELED", 10,
                       "the stop cancelled")
    assert scene.state()["positions"] == []
    fills = scene.webhook.wait_for(lambda: scene.webhook.of_type("exit_fill"))
    assert fills[0]["exit_reason"] == "take_profit"
    names = [name for _, name, _ in scene.webhook.bracket_events()]
    assert "bracket_placed" in names and "take_profit_filled" in names
