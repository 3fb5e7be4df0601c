"""Test strategy for the FreqUI test: BracketFromFile plus two chart columns and a plot_config.

``signal_stop`` / ``signal_take_profit`` hold, on every candle, the prices of the last signal the
test wrote for the pair (remembered after the test clears the signal), so the chart shows the
open bracket's levels the way the plugin's own ``bracket_stop`` / ``bracket_take_profit``
columns will.
"""

from typing import ClassVar

import numpy as np
from BracketFromFile import BracketFromFile
from pandas import DataFrame


class BracketChart(BracketFromFile):
    plot_config: ClassVar[dict] = {
        "main_plot": {
            "signal_stop": {"color": "red"},
            "signal_take_profit": {"color": "green"},
        },
    }

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        levels = getattr(self, "_levels", {})
        self._levels = levels
        signal = self._signals().get(metadata["pair"])
        if signal:
            levels[metadata["pair"]] = (signal["stop_price"], signal["take_profit_price"])
        stop, take_profit = levels.get(metadata["pair"], (np.nan, np.nan))
        dataframe["signal_stop"] = stop
        dataframe["signal_take_profit"] = take_profit
        return dataframe
