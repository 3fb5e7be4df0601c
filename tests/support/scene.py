"""A scene for the end-to-end tests: a private emulator, a fresh account, a real webhook
listener, and a BracketFromFile bot whose entry signals the test writes to a file. Each scene has
three witnesses: what reached the emulator (orders, legs, positions, accepted client ids),
freqtrade's sqlite database, and what the webhook received (fills and the plugin's events).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.damage import Damage, audit, trades_from_database
from harness.emulator import Emulator
from harness.freqtrade_bot import FreqtradeBot
from tests.support.webhook import WebhookListener

PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
ENTRY_PRICE = "1.2000"
RISK = {"risk_per_trade": 0.01, "min_reward_risk": 1.5, "max_total_open_risk": 0.05}
# A ccxt timeout short enough for a test, long enough for every healthy call to the emulator.
SHORT_TIMEOUT_MS = 3000
ALGO_ORDER = "POST /fapi/v1/algoOrder"
NEW_ORDER = "POST /fapi/v1/order"
HARD_STOPLOSS = -0.99  # BracketStrategy.stoploss: freqtrade's initial stop until the plugin's

Event = tuple[str, dict[str, Any]]


@dataclass
class Scene:
    emulator: Emulator
    api_key: str
    api_secret: str
    bot: FreqtradeBot
    webhook: WebhookListener
    signal_file: Path

    # Signals -----------------------------------------------------------------------------

    def signal(self, side: str, stop_price: float, take_profit_price: float,
               pair: str = PAIR, levels: list[tuple[float, float]] | None = None) -> None:
        """An entry signal; ``levels``: (price, share) of each take-profit level."""
        self.signal_file.write_text(json.dumps(
            {pair: {"side": side, "stop_price": stop_price,
                    "take_profit_price": take_profit_price, "levels": levels or []}}))

    def clear_signals(self) -> None:
        self.signal_file.write_text("{}")

    # The venue ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return self.emulator.state(self.api_key)

    def algo(self, order_type: str) -> list[dict[str, Any]]:
        return [a for a in self.state()["algo_orders"] if a["orderType"] == order_type]

    def requests(self) -> Counter[str]:
        return Counter(self.emulator.control("GET", "requests"))

    def fault(self, endpoint: str, **spec: Any) -> None:
        self.emulator.fault(endpoint, api_key=self.api_key, **spec)

    def damage(self, prefix: str = "ftb") -> Damage:
        """The damage audit of this scene's account, from the venue's journal."""
        return audit(self.emulator.journal(self.api_key),
                     trades_from_database(self.bot.db_path), prefix)

    def assert_no_damage(self) -> Damage:
        damage = self.damage()
        assert damage.harmless, damage.describe()
        return damage

    def assert_each_client_id_accepted_once(self) -> list[str]:
        accepted = self.state()["accepted_client_ids"]
        twice = [cid for cid, n in Counter(accepted).items() if n > 1]
        assert not twice, f"placed more than once: {twice} in {accepted}"
        return accepted

    def assert_no_leg_outlives_the_position(self) -> None:
        """Once the trade is closed: no position, and no leg resting (freqtrade cancels its stop
        right after the close is recorded, hence the short wait)."""
        def flat_and_bare() -> bool:
            state = self.state()
            return not state["positions"] and not [
                a for a in state["algo_orders"] if a["algoStatus"] == "NEW"]

        self.bot.wait_for(flat_and_bare, 10, "no position and no resting leg")

    # freqtrade ---------------------------------------------------------------------------

    def open_trade(self, timeout: float = 30, legs: int = 2) -> dict[str, Any]:
        """Wait for the bot's first trade to be open with its legs resting (``legs``: the stop
        and each take-profit level), the stop adopted, freqtrade's stop moved off the hard cap
        and shown as the initial stop (commits apart); return it."""
        def ready() -> dict[str, Any] | None:
            trades = self.bot.trades_from_db()
            if not trades or not trades[0]["is_open"]:
                return None
            trade = trades[0]
            adopted = any(o["ft_order_side"] == "stoploss" for o in trade["orders"])
            moved = (trade["initial_stop_loss_pct"] != HARD_STOPLOSS
                     and trade["stop_loss"] == trade["initial_stop_loss"])
            resting = [a for a in self.state()["algo_orders"] if a["algoStatus"] == "NEW"]
            return trade if adopted and moved and len(resting) == legs else None

        return self.bot.wait_for(ready, timeout, "an open trade, both legs resting, stop adopted")

    def first_trade(self, timeout: float = 30) -> dict[str, Any]:
        return self.bot.wait_for(lambda: (t := self.bot.trades_from_db()) and t[0], timeout,
                                 "a trade in the database")

    def closed_trade(self, trade_id: int, timeout: float = 30) -> dict[str, Any]:
        return self.bot.wait_for(
            lambda: (t := self.bot.trade_from_db(trade_id)) and not t["is_open"] and t,
            timeout, f"trade {trade_id} closed")

    def bracket_legs(self, trade_id: int) -> dict[str, Any]:
        """The plugin's leg record as freqtrade's REST API shows it."""
        [entry] = self.bot.api("GET", f"trades/{trade_id}/custom-data")
        assert entry["trade_id"] == trade_id
        by_key = {row["key"]: row["value"] for row in entry["custom_data"]}
        value = by_key["bracket_legs"]
        return json.loads(value) if isinstance(value, str) else value

    # The webhook -------------------------------------------------------------------------

    def events(self, name: str | None = None) -> list[Event]:
        """The plugin's JSON events: (severity, trade and pair with the event's details)."""
        return [(p["severity"], {"trade": p["trade_id"], "pair": p["pair"], **p["details"]})
                for p in self.webhook.bracket_events(name)]

    def event_names(self) -> list[str]:
        return [p["event"] for p in self.webhook.bracket_events()]

    def wait_event(self, name: str, timeout: float = 30, **expected: Any) -> Event:
        """The first ``name`` event whose fields include ``expected`` (typed JSON values)."""
        def found() -> Event | None:
            return next((e for e in self.events(name)
                         if all(e[1].get(k) == v for k, v in expected.items())), None)

        return self.bot.wait_for(found, timeout, f"webhook event {name} {expected}")

    def wait_refusal(self, rule: str, pair: str = PAIR, timeout: float = 120) -> Event:
        """The first ``entry_refused`` on ``pair`` by ``rule``. Another refusal may come first
        on a slow machine (a signal candle gone stale before freqtrade got to it): passed over,
        since what is asserted is that this rule holds the entry back."""
        def found() -> Event | None:
            return next((e for e in self.events("entry_refused") if e[1].get("pair") == pair
                         and str(e[1].get("reason", "")).startswith(rule)), None)

        return self.bot.wait_for(found, timeout, f"entry_refused by {rule} on {pair}")

    def wait_fill(self, kind: str, timeout: float = 30) -> dict[str, Any]:
        return self.bot.wait_for(lambda: self.webhook.of_type(kind), timeout,
                                 f"webhook {kind}")[0]


def short_timeout() -> dict[str, Any]:
    ccxt = {"timeout": SHORT_TIMEOUT_MS}
    return {"exchange": {"ccxt_config": ccxt, "ccxt_async_config": ccxt}}


