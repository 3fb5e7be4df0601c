"""Test strategy for the FreqUI test: BracketFromFile with a plot_config of its own (one line of
its own), which the plugin's bracket series must join, not replace."""

from typing import ClassVar

from BracketFromFile import BracketFromFile
from pandas import DataFrame


class BracketChart(BracketFromFile):
    plot_config: ClassVar[dict] = {"main_plot": {"close_mean": {"color": "blue"}}}

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["close_mean"] = dataframe["close"].rolling(5, min_periods=1).mean()
        return dataframe
