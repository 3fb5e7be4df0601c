"""Example of a bracket that scales out: BracketExample's signals, half the position taken at a
first target, the stop then moved to break-even, the rest left to run to a farther one.

On the venue each target is its own reduce-only take-profit, and the stop follows what is left
without a moment unprotected. A backtest fills each target at its own price (a partial exit).
"""

from __future__ import annotations

from BracketExample import BracketExample
from freqtrade.strategy import DecimalParameter
from pandas import DataFrame


class BracketScaleOut(BracketExample):
    """Half at ``first_target`` stop distances, the rest at ``reward_multiple``; the stop to
    break-even once the first half is out."""

    first_target = DecimalParameter(1.0, 2.0, default=1.5, decimals=1, space="buy")
    reward_multiple = DecimalParameter(2.5, 5.0, default=3.0, decimals=1, space="buy")
    break_even_after_level = 1

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        """BracketExample's entries; its take-profit becomes the second target."""
        dataframe = super().populate_entry_trend(dataframe, metadata)
        entry = dataframe["stop_price"].notna()
        close, stop = dataframe["close"], dataframe["stop_price"]
        dataframe.loc[entry, "take_profit_price_2"] = dataframe["take_profit_price"]
        dataframe.loc[entry, "take_profit_price"] = (
            close + (close - stop) * self.first_target.value)
        dataframe.loc[entry, "take_profit_share"] = 0.5
        dataframe.loc[entry, "take_profit_share_2"] = 0.5
        return dataframe
