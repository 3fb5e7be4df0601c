"""The protection-window benchmark's baseline: plain freqtrade, no plugin.

The same file-driven entries as tests/e2e/strategies/BracketFromFile.py (a JSON file names the
pairs to enter), protected by freqtrade's own ``stoploss_on_exchange`` with a fixed stop: what a
user without ft_bracket runs. The take-profit columns of the file are ignored.
"""

import json
from pathlib import Path
from typing import ClassVar

from freqtrade.strategy import IStrategy
from pandas import DataFrame


class StopFromFile(IStrategy):
    INTERFACE_VERSION = 3
    timeframe = "1m"
    can_short = True
    startup_candle_count = 0
    process_only_new_candles = False
    minimal_roi: ClassVar[dict[str, float]] = {"0": 100}
    # At leverage 2, 2.5 % of price: about where the benchmark's bracket stops sit.
    stoploss = -0.05

    def _signals(self) -> dict:
        path = Path(self.config["signal_file"])
        return json.loads(path.read_text()) if path.exists() else {}

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["enter_long"] = 0
        dataframe["enter_short"] = 0
        signal = self._signals().get(metadata["pair"])
        if signal and len(dataframe):
            dataframe.loc[dataframe.index[-1], f"enter_{signal['side']}"] = 1
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["exit_long"] = 0
        dataframe["exit_short"] = 0
        return dataframe

    def leverage(self, pair, current_time, current_rate, proposed_leverage, max_leverage,
                 entry_tag, side, **kwargs) -> float:
        return float(self.config.get("test_leverage", 2))
