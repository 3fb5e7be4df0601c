"""Test strategy: no signals of its own; tests open trades through the REST API (force-entry).

A wide fixed stop (-5 %) is placed on the exchange by freqtrade's own stoploss_on_exchange.
"""

from typing import ClassVar

from freqtrade.strategy import IStrategy
from pandas import DataFrame


class SignalFromFile(IStrategy):
    INTERFACE_VERSION = 3
    timeframe = "1m"
    can_short = True
    minimal_roi: ClassVar[dict[str, float]] = {"0": 100}
    stoploss = -0.05
    startup_candle_count = 0
    process_only_new_candles = True

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["enter_long"] = 0
        dataframe["enter_short"] = 0
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["exit_long"] = 0
        dataframe["exit_short"] = 0
        return dataframe

    def leverage(self, pair, current_time, current_rate, proposed_leverage, max_leverage,
                 entry_tag, side, **kwargs) -> float:
        return 2.0
