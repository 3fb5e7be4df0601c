"""The example strategy tuned for a live demo's clock: 1-minute candles, faster EMAs and a one-ATR
stop, so brackets open and close within minutes instead of hours.

And a steered bracket: every entry scales out, half the position at 1 R (one stop distance) and
the rest at 2.5 R (1.75 R on average, above the demo's ``min_reward_risk`` of 1.5), and once the
first half is out the stop goes to the entry price (``break_even_after_level``)."""

from __future__ import annotations

from BracketExample import BracketExample
from freqtrade.strategy import DecimalParameter, IntParameter
from pandas import DataFrame


class BracketDemo(BracketExample):
    timeframe = "1m"
    startup_candle_count = 60

    ema_fast = IntParameter(3, 10, default=5, space="buy")
    ema_slow = IntParameter(15, 40, default=20, space="buy")
    atr_multiplier = DecimalParameter(0.5, 2.0, default=1.0, decimals=1, space="buy")

    # Each take-profit level in stop distances (R) from the signal's close, and its share.
    first_level_r, first_level_share = 1.0, 0.5
    second_level_r, second_level_share = 2.5, 0.5
    break_even_after_level = 1

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        """The example's entries and stops, with two take-profit levels instead of one."""
        dataframe = super().populate_entry_trend(dataframe, metadata)
        close = dataframe["close"]
        stop_distance = (close - dataframe["stop_price"]).abs()
        for column, sign in (("enter_long", 1), ("enter_short", -1)):
            entry = dataframe[column] == 1
            dataframe.loc[entry, "take_profit_price"] = (
                close + sign * self.first_level_r * stop_distance)
            dataframe.loc[entry, "take_profit_price_2"] = (
                close + sign * self.second_level_r * stop_distance)
            dataframe.loc[entry, "take_profit_share"] = self.first_level_share
            dataframe.loc[entry, "take_profit_share_2"] = self.second_level_share
        return dataframe
