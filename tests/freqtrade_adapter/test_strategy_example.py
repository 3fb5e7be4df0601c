"""The example strategy: signals with absolute stop / take-profit, hyperopt parameters, leverage."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from freqtrade.strategy.hyper import detect_all_parameters

from ft_bracket import BracketStrategy

EXAMPLE = Path(__file__).resolve().parents[2] / "strategies" / "BracketExample.py"


@pytest.fixture(scope="module")
def example_class() -> type:
    spec = importlib.util.spec_from_file_location("bracket_example_under_test", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BracketExample


@pytest.fixture
def candles() -> pd.DataFrame:
    """Two days of 5m candles swinging up and down around 1.0, so both sides get signals."""
    count = 576
    rng = np.random.default_rng(3)
    close = 1.0 + 0.05 * np.sin(np.arange(count) / 40) + rng.normal(0, 0.002, count)
    open_ = np.concatenate([[close[0]], close[:-1]])
    return pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=count, freq="5min", tz="UTC"),
            "open": open_,
            "high": np.maximum(open_, close) + 0.001,
            "low": np.minimum(open_, close) - 0.001,
            "close": close,
            "volume": 1000.0,
        }
    )


def analyse(strategy: BracketStrategy, candles: pd.DataFrame) -> pd.DataFrame:
    metadata = {"pair": "XRP/USDT:USDT"}
    frame = strategy.populate_indicators(candles.copy(), metadata)
    return strategy.populate_entry_trend(frame, metadata)


def test_is_a_bracket_strategy_that_trades_both_sides(example_class: type) -> None:
    assert issubclass(example_class, BracketStrategy)
    assert example_class.can_short and example_class.timeframe == "5m"
    # The plugin adds the signal's stop and take-profit to the example's own lines.
    plotted = example_class({}).plot_config["main_plot"]
    assert {"ema_fast", "ema_slow", "stop_price", "take_profit_price"} <= set(plotted)


def test_entry_rows_carry_stop_and_target_on_the_right_sides(
    example_class: type, candles: pd.DataFrame
) -> None:
    strategy = example_class({})
    frame = analyse(strategy, candles)
    longs, shorts = frame[frame["enter_long"] == 1], frame[frame["enter_short"] == 1]
    assert len(longs) > 0 and len(shorts) > 0
    assert (longs["stop_price"] < longs["close"]).all()
    assert (longs["take_profit_price"] > longs["close"]).all()
    assert (shorts["stop_price"] > shorts["close"]).all()
    assert (shorts["take_profit_price"] < shorts["close"]).all()
    reward_risk = (longs["take_profit_price"] - longs["close"]) / (
        longs["close"] - longs["stop_price"]
    )
    assert reward_risk.to_numpy() == pytest.approx(strategy.reward_multiple.value)
    no_entry = frame[(frame["enter_long"] != 1) & (frame["enter_short"] != 1)]
    assert no_entry["stop_price"].isna().all()


def test_hyperopt_parameters_are_found_and_take_effect_without_new_indicators(
    example_class: type, candles: pd.DataFrame
) -> None:
    strategy = example_class({})
    buy_space = detect_all_parameters(strategy)["buy"]
    assert set(buy_space) == {"ema_fast", "ema_slow", "atr_multiplier", "reward_multiple"}
    frame = analyse(strategy, candles)
    entries = frame["enter_long"] == 1
    narrow = (frame.loc[entries, "close"] - frame.loc[entries, "stop_price"]).to_numpy()
    # Hyperopt changes a value between epochs and only re-runs populate_entry_trend.
    strategy.atr_multiplier.value = strategy.atr_multiplier.value * 2
    wider = strategy.populate_entry_trend(frame.copy(), {"pair": "XRP/USDT:USDT"})
    wide = (wider.loc[entries, "close"] - wider.loc[entries, "stop_price"]).to_numpy()
    assert wide == pytest.approx(narrow * 2)


def test_leverage_is_fixed_within_the_pairs_bracket(example_class: type) -> None:
    strategy = example_class({})
    arguments = {
        "pair": "XRP/USDT:USDT",
        "current_time": datetime(2024, 1, 1, tzinfo=UTC),
        "current_rate": 1.0,
        "proposed_leverage": 1.0,
        "entry_tag": None,
        "side": "long",
    }
    assert strategy.leverage(max_leverage=75.0, **arguments) == 3.0
    assert strategy.leverage(max_leverage=2.0, **arguments) == 2.0
