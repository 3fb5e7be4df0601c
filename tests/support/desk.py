"""A desk for the OrderManager's emulator tests: a fresh account, a real ccxt client, the manager
over a stand-in of freqtrade's side, and the events it emitted."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import ccxt

from ft_bracket.core.actions import TradeView
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.client_ids import bracket_root
from ft_bracket.execution.order_manager import OrderManager
from ft_bracket.reporting.events import Event
from harness.emulator import Emulator
from tests.support.freqtrade_standin import StandInFreqtrade

PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
OPENED_AT = 1_795_000_000


@dataclass
class Desk:
    emulator: Emulator
    api_key: str
    client: ccxt.binanceusdm
    manager: OrderManager
    freqtrade: StandInFreqtrade
    events: list[Event]

    def algo_orders(self) -> list[dict[str, Any]]:
        return self.emulator.state(self.api_key)["algo_orders"]

    def status_by_type(self) -> dict[str, str]:
        return {r["orderType"]: r["algoStatus"] for r in self.algo_orders()}

    def event_names(self) -> list[str]:
        return [e.name.value for e in self.events]

    def record(self, trade: TradeView) -> Bracket:
        bracket = self.manager.load(trade.trade_id, trade.pair)
        assert bracket is not None
        return bracket

    def open(self, trade_id: int = 1, stop: float = 1.14, take_profit: float = 1.29
             ) -> TradeView:
        self.client.create_order(PAIR, "market", "buy", 100)
        trade = TradeView(trade_id, PAIR, is_short=False, amount=100.0, is_open=True)
        self.manager.open_bracket(trade, bracket_root(trade_id, OPENED_AT), stop, take_profit)
        return self.adopted(trade)

    def adopted(self, trade: TradeView) -> TradeView:
        """The trade as freqtrade shows it once it took the stop over."""
        assert self.manager.adopt_stop(trade)
        bracket = self.record(trade)
        return replace(trade, freqtrade_stop_ids=frozenset({bracket.stop.order_id or ""}),
                       stop_price=bracket.stop.trigger_price)
