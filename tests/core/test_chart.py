"""The bracket on the chart: each trade's levels on the candles of its life, merged into the
strategy's plot_config, added after the strategy's own analysis in dry-run and live only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from freqtrade.enums import RunMode

from ft_bracket.core.chart_levels import (
    BRACKET_SERIES,
    STOP_COLUMN,
    TAKE_PROFIT_COLUMN,
    TradeLevels,
    level_columns,
    merged_plot_config,
)
from tests.support.bracket_fakes import PAIR, Bracketed, in_memory_trades, make_strategy, open_trade

MINUTE = timedelta(minutes=1)
T0 = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
DATES = pd.Series(pd.date_range(T0, periods=10, freq="1min"))  # 20:00 ... 20:09


def nan_list(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else float(v) for v in values]


def test_an_open_trade_shows_from_the_candle_its_entry_filled_in() -> None:
    opened = T0 + 3 * MINUTE + timedelta(seconds=40)  # inside the 20:03 candle
    stops, [take_profits] = level_columns(DATES, [TradeLevels(1, opened, None, 1.17, 1.26)],
                                          MINUTE)
    assert nan_list(stops) == [None] * 3 + [1.17] * 7
    assert nan_list(take_profits) == [None] * 3 + [1.26] * 7


def test_a_closed_trade_keeps_its_levels_up_to_its_close_and_a_later_one_wins_a_shared_candle(
) -> None:
    first = TradeLevels(1, T0 + MINUTE, T0 + 4 * MINUTE + timedelta(seconds=5), 1.17, 1.26)
    second = TradeLevels(2, T0 + 4 * MINUTE + timedelta(seconds=30), None, 1.23, 1.14)
    stops, [take_profits] = level_columns(DATES, [second, first], MINUTE)
    assert nan_list(stops) == [None, 1.17, 1.17, 1.17, 1.23, 1.23, 1.23, 1.23, 1.23, 1.23]
    assert nan_list(take_profits)[3:5] == [1.26, 1.14]


def test_the_stop_steps_to_each_price_it_moved_to_and_each_level_has_its_column() -> None:
    trade = TradeLevels(1, T0 + MINUTE, None, 1.17, 1.26,
                        stop_moves=((T0 + 4 * MINUTE + timedelta(seconds=20), 1.20),
                                    (T0 + 7 * MINUTE, 1.22)),
                        take_profits=(1.26, 1.30))
    stops, levels = level_columns(DATES, [trade], MINUTE, take_profit_columns=3)
    assert nan_list(stops) == [None, 1.17, 1.17, 1.17, 1.20, 1.20, 1.20, 1.22, 1.22, 1.22]
    assert [nan_list(column)[-1] for column in levels] == [1.26, 1.30, None]


def test_a_trade_outside_the_frame_leaves_it_empty() -> None:
    old = TradeLevels(1, T0 - 20 * MINUTE, T0 - 10 * MINUTE, 1.17, 1.26)
    stops, _ = level_columns(DATES, [old], MINUTE)
    assert np.isnan(stops).all()


def test_the_strategys_own_plot_config_stays_and_is_not_changed() -> None:
    own = {"main_plot": {"stop_price": {"color": "black"}, "ema": {"color": "blue"}},
           "subplots": {"Bracket": {TAKE_PROFIT_COLUMN: {"color": "pink"}}}}
    merged = merged_plot_config(own)
    assert merged["main_plot"] == {
        "stop_price": {"color": "black"}, "ema": {"color": "blue"},
        STOP_COLUMN: BRACKET_SERIES[STOP_COLUMN],
        "take_profit_price": BRACKET_SERIES["take_profit_price"]}
    assert merged["subplots"] == own["subplots"]
    assert own == {"main_plot": {"stop_price": {"color": "black"}, "ema": {"color": "blue"}},
                   "subplots": {"Bracket": {TAKE_PROFIT_COLUMN: {"color": "pink"}}}}
    assert merged_plot_config(None) == {"main_plot": BRACKET_SERIES}
    assert set(merged_plot_config(None, take_profit_columns=3)["main_plot"]) == {
        *BRACKET_SERIES, f"{TAKE_PROFIT_COLUMN}_2", f"{TAKE_PROFIT_COLUMN}_3"}
    # Without a running bot there are no bracket columns: only the signal's are added.
    assert set(merged_plot_config(None, levels=False)["main_plot"]) == {
        "stop_price", "take_profit_price"}


class WithPlot(Bracketed):
    plot_config: ClassVar[dict] = {"main_plot": {"ema": {"color": "blue"}}}


class WithReadOnlyPlot(Bracketed):
    @property
    def plot_config(self) -> dict:  # type: ignore[override]
        return {"main_plot": {"ema": {}}}


def strategy_of(cls: type[Bracketed], **bracket: object) -> Bracketed:
    config = {"bracket": {"max_total_open_risk": 0.05, **bracket}, "runmode": RunMode.DRY_RUN,
              "trading_mode": "futures", "stake_currency": "USDT"}
    return cls(config)


def test_the_strategy_merges_into_an_instance_copy_unless_told_not_to(
    caplog: pytest.LogCaptureFixture,
) -> None:
    merged = strategy_of(WithPlot)
    assert set(merged.plot_config["main_plot"]) == {"ema", *BRACKET_SERIES}
    assert WithPlot.plot_config == {"main_plot": {"ema": {"color": "blue"}}}
    assert strategy_of(WithPlot, merge_plot_config=False).plot_config == WithPlot.plot_config
    assert strategy_of(WithReadOnlyPlot).plot_config == {"main_plot": {"ema": {}}}
    assert "plot_config is read-only" in caplog.text


@pytest.fixture
def trades() -> Iterator[None]:
    with in_memory_trades():
        yield


def candles(start: datetime, count: int) -> pd.DataFrame:
    dates = pd.date_range(start, periods=count, freq="5min")
    return pd.DataFrame({"date": dates, "open": 1.2, "high": 1.2, "low": 1.2, "close": 1.2,
                         "volume": 1.0})


def test_analysis_adds_the_columns_in_a_running_bot_only(trades: None) -> None:
    strategy = make_strategy()
    frame = candles(T0, 6)
    trade, _ = open_trade(1, open_date=T0 + timedelta(minutes=12))  # the 20:10 candle
    trade.set_custom_data("bracket", {"stop_price": 1.17, "take_profit_price": 1.26,
                                      "risk_amount": 1.0})
    assert STOP_COLUMN not in strategy.analyze_ticker(frame.copy(), {"pair": PAIR})  # backtest
    strategy.supervisor = object()  # type: ignore[assignment]  # dry-run / live
    analysed = strategy.analyze_ticker(frame.copy(), {"pair": PAIR})
    assert nan_list(analysed[STOP_COLUMN].to_numpy()) == [None, None, 1.17, 1.17, 1.17, 1.17]
    assert nan_list(analysed[TAKE_PROFIT_COLUMN].to_numpy())[-1] == 1.26
    # The legs record, once there, says where they rest now.
    trade.set_custom_data("bracket_legs", {"stop": {"status": "resting",
                                                    "trigger_price": 1.18, "quantity": 1},
                                           "take_profit": {"status": "resting",
                                                           "trigger_price": 1.25,
                                                           "quantity": 1}})
    analysed = strategy.analyze_ticker(frame.copy(), {"pair": PAIR})
    assert (analysed[STOP_COLUMN].iat[-1], analysed[TAKE_PROFIT_COLUMN].iat[-1]) == (1.18, 1.25)


def test_a_scaled_out_trade_shows_every_level_and_its_stop_as_it_moved(trades: None) -> None:
    strategy = make_strategy()
    strategy.supervisor = object()  # type: ignore[assignment]  # dry-run / live
    trade, _ = open_trade(1, open_date=T0 + timedelta(minutes=2))  # the 20:00 candle
    moved = int((T0 + timedelta(minutes=16)).timestamp() * 1000)  # inside the 20:15 candle
    leg = {"status": "resting", "quantity": 1}
    trade.set_custom_data("bracket_legs", {
        "stop": {**leg, "trigger_price": 1.2}, "take_profit": {**leg, "trigger_price": 1.26},
        "scale_out": [{**leg, "trigger_price": 1.3, "level": 2}],
        "stop_history": [[moved - 900_000, 1.17], [moved, 1.2]]})
    analysed = strategy.analyze_ticker(candles(T0, 6), {"pair": PAIR})
    assert nan_list(analysed[STOP_COLUMN].to_numpy()) == [1.17, 1.17, 1.17, 1.2, 1.2, 1.2]
    assert analysed[TAKE_PROFIT_COLUMN].iat[-1] == 1.26
    assert analysed[f"{TAKE_PROFIT_COLUMN}_2"].iat[-1] == 1.3
    # FreqUI is told to draw the second level too, and keeps getting its column.
    assert f"{TAKE_PROFIT_COLUMN}_2" in strategy.plot_config["main_plot"]
    trade.set_custom_data("bracket_legs", {"stop": {**leg, "trigger_price": 1.2},
                                           "take_profit": {**leg, "trigger_price": 1.26}})
    analysed = strategy.analyze_ticker(candles(T0, 6), {"pair": PAIR})
    assert analysed[f"{TAKE_PROFIT_COLUMN}_2"].isna().all()


def test_a_failing_column_never_costs_the_analysis(trades: None,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    strategy = make_strategy()
    strategy.supervisor = object()  # type: ignore[assignment]
    trade, _ = open_trade(1, open_date=T0)
    trade.set_custom_data("bracket", "not a record")
    trade.open_date = None  # type: ignore[assignment]  # broken row
    analysed = strategy.analyze_ticker(candles(T0, 3), {"pair": PAIR})
    assert len(analysed) == 3 and STOP_COLUMN not in analysed
    assert "could not add the bracket columns" in caplog.text
