"""Test strategy: a BracketStrategy whose signals come from a JSON file the test writes.

``{"XRP/USDT:USDT": {"side": "long", "stop_price": 1.17, "take_profit_price": 1.26}}`` puts an
entry signal with those prices on the pair's last closed candle until the test removes it;
``"levels": [[1.23, 0.5], [1.26, 0.5]]`` makes it scale out (price and share per level). The
config's ``test_stop_policy`` switches the ready-made stop moves on, as a strategy's class
attributes would (``{"trail_distance": 0.01}``).
"""

import json
from pathlib import Path

import numpy as np
from pandas import DataFrame

from ft_bracket import BracketStrategy


class BracketFromFile(BracketStrategy):
    timeframe = "1m"
    can_short = True
    startup_candle_count = 0
    process_only_new_candles = False

    def __init__(self, config: dict) -> None:
        for name, value in config.get("test_stop_policy", {}).items():
            setattr(self, name, value)
        super().__init__(config)

    def _signals(self) -> dict:
        path = Path(self.config["signal_file"])
        return json.loads(path.read_text()) if path.exists() else {}

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["enter_long"] = 0
        dataframe["enter_short"] = 0
        dataframe["stop_price"] = np.nan
        dataframe["take_profit_price"] = np.nan
        signal = self._signals().get(metadata["pair"])
        if signal and len(dataframe):
            last = dataframe.index[-1]
            dataframe.loc[last, f"enter_{signal['side']}"] = 1
            dataframe.loc[last, "stop_price"] = signal["stop_price"]
            dataframe.loc[last, "take_profit_price"] = signal["take_profit_price"]
            for number, (price, share) in enumerate(signal.get("levels") or [], start=1):
                suffix = "" if number == 1 else f"_{number}"
                if number > 1:
                    dataframe[f"take_profit_price{suffix}"] = dataframe.get(
                        f"take_profit_price{suffix}", np.nan)
                    dataframe.loc[last, f"take_profit_price{suffix}"] = price
                dataframe.loc[last, f"take_profit_share{suffix}"] = share
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["exit_long"] = 0
        dataframe["exit_short"] = 0
        return dataframe

    def leverage(self, pair, current_time, current_rate, proposed_leverage, max_leverage,
                 entry_tag, side, **kwargs) -> float:
        return float(self.config.get("test_leverage", 2))
