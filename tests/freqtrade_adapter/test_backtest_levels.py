"""Which take-profit levels a backtest candle fills, and at what price (BacktestLevels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from ft_bracket.freqtrade_adapter.backtest_levels import BacktestLevels

PAIR = "XRP/USDT:USDT"
START = datetime(2026, 1, 1, tzinfo=UTC)
CANDLE = timedelta(minutes=5)


@dataclass
class Trade:
    """What BacktestLevels reads of freqtrade's trade."""

    id: int = 1
    pair: str = PAIR
    is_short: bool = False
    amount: float = 100.0
    stop_loss: float = 0.95


def levels(*candles: tuple[float, float]) -> BacktestLevels:
    """A long of 100 with levels of 30 at 1.02, 30 at 1.04 and 40 at 1.06, over candles of
    (high, low) from START on."""
    frame = pd.DataFrame({
        "date": pd.date_range(START, periods=len(candles), freq="5min", tz="UTC"),
        "high": [high for high, _ in candles], "low": [low for _, low in candles]})
    backtest = BacktestLevels()
    backtest.index(PAIR, frame)
    backtest.opened(1, 100.0, [(1.02, 30.0), (1.04, 30.0), (1.06, 40.0)])
    return backtest


def test_a_candle_through_a_level_exits_its_share_and_the_farthest_is_the_rois() -> None:
    backtest = levels((1.01, 0.99), (1.025, 1.0))
    assert backtest.due(Trade(), START) is None
    due = backtest.due(Trade(), START + CANDLE)
    assert (due.quantity, due.price, due.tag) == (30.0, 1.02, "take_profit_1")
    assert backtest.last_price(1) == 1.06
    # Priced at the level through custom_exit_price; a candle that opened beyond it, at its open.
    assert backtest.price(1, "take_profit_1", 1.0, is_short=False) == 1.02
    backtest.due(Trade(), START + CANDLE)
    assert backtest.price(1, "take_profit_1", 1.03, is_short=False) == 1.03
    assert backtest.price(1, "time_limit", 1.0, is_short=False) == 1.0


def test_levels_reached_in_one_candle_exit_together_at_their_average_price() -> None:
    due = levels((1.07, 1.0)).due(Trade(), START)
    assert (due.quantity, due.tag) == (60.0, "take_profit_2")
    assert due.price == pytest.approx(1.03)


def test_a_level_already_exited_is_not_exited_again() -> None:
    due = levels((1.05, 1.0)).due(Trade(amount=70.0), START)
    assert (due.quantity, due.price, due.tag) == (30.0, 1.04, "take_profit_2")
    assert levels((1.05, 1.0)).due(Trade(amount=40.0), START) is None


def test_a_candle_that_also_reaches_the_stop_is_a_stop_out_of_the_whole_rest() -> None:
    assert levels((1.05, 0.94)).due(Trade(), START) is None


def test_a_trade_with_one_take_profit_or_no_candles_has_no_partial_exit() -> None:
    backtest = levels((1.05, 1.0))
    backtest.opened(1, 100.0, None)
    assert backtest.due(Trade(), START) is None and backtest.last_price(1) is None
    assert not backtest.active
    assert levels((1.05, 1.0)).due(Trade(pair="BTC/USDT:USDT"), START) is None


def test_a_short_scales_out_downwards() -> None:
    backtest = BacktestLevels()
    backtest.index(PAIR, pd.DataFrame({"date": [pd.Timestamp(START)], "high": [1.0],
                                       "low": [0.975]}))
    backtest.opened(1, 100.0, [(0.98, 50.0), (0.96, 50.0)])
    due = backtest.due(Trade(is_short=True, stop_loss=1.05), START)
    assert (due.quantity, due.price) == (50.0, 0.98)
    assert backtest.price(1, due.tag, 0.97, is_short=True) == 0.97
