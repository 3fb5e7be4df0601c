"""Example bracket strategy: EMA trend filter, pullback entry, ATR stop, R-multiple take-profit.

Long when the fast EMA is above the slow EMA and the close crosses back above the fast EMA; short
mirrored. The stop sits ``atr_multiplier`` ATRs beyond the close, the take-profit
``reward_multiple`` stop distances on the other side. ``BracketStrategy`` sizes each trade from
that stop and manages the bracket; this file only says where the stop and target are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import talib.abstract as ta
from freqtrade.strategy import DecimalParameter, IntParameter
from pandas import DataFrame

from ft_bracket import BracketStrategy


class TrendPullbackSignals:
    """Indicators and signals only, no risk management: shared with the overhead benchmark."""

    timeframe = "5m"
    can_short = True
    # EMAs settle after about three periods; covers the slow EMA's hyperopt range.
    startup_candle_count = 300

    ema_fast = IntParameter(8, 40, default=21, space="buy")
    ema_slow = IntParameter(50, 100, default=100, space="buy")
    atr_multiplier = DecimalParameter(1.0, 4.0, default=2.0, decimals=1, space="buy")
    reward_multiple = DecimalParameter(1.5, 4.0, default=2.0, decimals=1, space="buy")

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        """ATR for the stop distance (the EMAs depend on hyperopt values: see entry trend)."""
        dataframe["atr"] = ta.ATR(dataframe, timeperiod=14)
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        """Pullback entries in the trend's direction, with absolute stop and take-profit."""
        # Computed here, not in populate_indicators, so hyperopt epochs see their own periods.
        dataframe["ema_fast"] = ta.EMA(dataframe, timeperiod=self.ema_fast.value)
        dataframe["ema_slow"] = ta.EMA(dataframe, timeperiod=self.ema_slow.value)
        close, ema_fast = dataframe["close"], dataframe["ema_fast"]
        uptrend = ema_fast > dataframe["ema_slow"]
        downtrend = ema_fast < dataframe["ema_slow"]
        crossed_up = (close > ema_fast) & (close.shift(1) <= ema_fast.shift(1))
        crossed_down = (close < ema_fast) & (close.shift(1) >= ema_fast.shift(1))
        tradable = dataframe["volume"] > 0

        long_entry = uptrend & crossed_up & tradable
        short_entry = downtrend & crossed_down & tradable
        stop_distance = dataframe["atr"] * self.atr_multiplier.value
        target_distance = stop_distance * self.reward_multiple.value

        dataframe.loc[long_entry, "enter_long"] = 1
        dataframe.loc[short_entry, "enter_short"] = 1
        dataframe.loc[long_entry, "stop_price"] = close - stop_distance
        dataframe.loc[long_entry, "take_profit_price"] = close + target_distance
        dataframe.loc[short_entry, "stop_price"] = close + stop_distance
        dataframe.loc[short_entry, "take_profit_price"] = close - target_distance
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        """No exit signals: trades end at their stop or take-profit."""
        dataframe["exit_long"] = 0
        dataframe["exit_short"] = 0
        return dataframe


class BracketExample(TrendPullbackSignals, BracketStrategy):
    """The example strategy: trend-pullback signals, bracket-managed, 3x isolated leverage."""

    leverage_level = 3.0

    # BracketStrategy adds the signal's stop_price / take_profit_price (points) and, in a
    # running bot, each trade's bracket_stop / bracket_take_profit (lines).
    plot_config = {  # noqa: RUF012 - freqtrade's own attribute shape
        "main_plot": {
            "ema_fast": {"color": "orange"},
            "ema_slow": {"color": "blue"},
        },
        "subplots": {"ATR": {"atr": {"color": "purple"}}},
    }

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
        """A fixed leverage within the pair's bracket; the risk, not the leverage, sets the size."""
        return min(self.leverage_level, max_leverage)
