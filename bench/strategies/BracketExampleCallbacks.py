"""Reference for the overhead benchmark: BracketExample's signals with exact-price exits written
straight into freqtrade's callbacks, without the plugin (no sizing, no gate, no bookkeeping).

It pays what any strategy with ``custom_stoploss`` + ``custom_roi`` pays in a backtest, so the
benchmark can tell freqtrade's per-callback cost from the plugin's own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from BracketExample import TrendPullbackSignals
from freqtrade.persistence import Trade
from freqtrade.strategy import IStrategy, stoploss_from_absolute


class BracketExampleCallbacks(TrendPullbackSignals, IStrategy):
    """Stop at the signal's stop_price, exit at its take_profit_price; freqtrade's stake."""

    INTERFACE_VERSION = 3
    stoploss = -0.99
    use_custom_stoploss = True
    use_custom_roi = True
    minimal_roi = {"0": 100.0}  # noqa: RUF012 - freqtrade's own attribute shape

    def bot_start(self, **kwargs: Any) -> None:
        """Take-profit price per trade id."""
        self.take_profits: dict[int, float] = {}

    def custom_stoploss(
        self,
        pair: str,
        trade: Trade,
        current_time: datetime,
        current_rate: float,
        current_profit: float,
        after_fill: bool,
        **kwargs: Any,
    ) -> float | None:
        """At the entry fill: stop at the signal candle's stop_price; keep it afterwards."""
        if not after_fill:
            return None
        dataframe, _ = self.dp.get_analyzed_dataframe(pair, self.timeframe)
        self.take_profits[trade.id] = float(dataframe["take_profit_price"].iat[-1])
        stop_price = float(dataframe["stop_price"].iat[-1])
        return stoploss_from_absolute(stop_price, current_rate, trade.is_short, trade.leverage)

    def custom_roi(
        self,
        pair: str,
        trade: Trade,
        current_time: datetime,
        trade_duration: int,
        entry_tag: str | None,
        side: str,
        **kwargs: Any,
    ) -> float | None:
        """Exit at the take-profit price."""
        take_profit = self.take_profits.get(trade.id)
        return None if take_profit is None else trade.calc_profit_ratio(take_profit)

    def leverage(
        self,
        pair: str,
        current_time: datetime,
        current_rate: float,
        proposed_leverage: float,
        max_leverage: float,
        entry_tag: str | None,
        side: str,
        **kwargs: Any,
    ) -> float:
        """Same leverage as BracketExample."""
        return min(3.0, max_leverage)
