"""The README's ten-line strategy runs through freqtrade's own analysis as written."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ft_bracket import BracketStrategy
from harness.emulator import REPO


def readme_strategy() -> type:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Write your own strategy in ten lines", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # our own documentation, under test
    return namespace["MyBrackets"]


def test_readme_strategy_emits_bracket_signals() -> None:
    strategy_class = readme_strategy()
    assert issubclass(strategy_class, BracketStrategy)
    count = 300
    close = 1.0 + 0.05 * np.sin(np.arange(count) / 30)
    candles = pd.DataFrame({
        "date": pd.date_range("2024-01-01", periods=count, freq="5min", tz="UTC"),
        "open": close, "high": close + 0.002, "low": close - 0.002, "close": close,
        "volume": 1000.0,
    })
    frame = strategy_class({}).analyze_ticker(candles, {"pair": "XRP/USDT:USDT"})
    longs = frame[frame["enter_long"] == 1]
    assert len(longs) > 0
    assert (longs["stop_price"] < longs["close"]).all()
    assert (longs["take_profit_price"] > longs["close"]).all()
