"""Test strategy for backtesting: a fast/slow EMA cross, long on the cross up, short on the cross
down, each exiting on the opposite cross. Plain pandas, so it needs no TA library."""

from typing import ClassVar

from freqtrade.strategy import IStrategy
from pandas import DataFrame


class EmaCross(IStrategy):
    INTERFACE_VERSION = 3
    timeframe = "5m"
    can_short = True
    minimal_roi: ClassVar[dict[str, float]] = {"0": 100}
    stoploss = -0.10
    startup_candle_count = 30
    process_only_new_candles = True
    fast_span = 8
    slow_span = 21

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["ema_fast"] = dataframe["close"].ewm(span=self.fast_span, adjust=False).mean()
        dataframe["ema_slow"] = dataframe["close"].ewm(span=self.slow_span, adjust=False).mean()
        above = dataframe["ema_fast"] > dataframe["ema_slow"]
        was_above = above.shift(1, fill_value=False)
        dataframe["cross_up"] = (above & ~was_above).astype(int)
        dataframe["cross_down"] = (~above & was_above).astype(int)
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["enter_long"] = dataframe["cross_up"]
        dataframe["enter_short"] = dataframe["cross_down"]
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["exit_long"] = dataframe["cross_down"]
        dataframe["exit_short"] = dataframe["cross_up"]
        return dataframe

    def leverage(self, pair, current_time, current_rate, proposed_leverage, max_leverage,
                 entry_tag, side, **kwargs) -> float:
        return 2.0
