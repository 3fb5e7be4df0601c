"""Backtest parity: a real ``freqtrade backtesting`` run of BracketExample on the shared data.

Markets (tick and step sizes, minimum notional) come from the emulator. Trade by trade, the test
checks that stops filled at the signal's stop price and lost ``risk_per_trade x equity`` (fees in),
and that take-profits filled at the signal's take-profit price, long and short, at leverage 3.
The signal prices are recomputed independently from the strategy's populate_* on the same data.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR
from pathlib import Path

import pandas as pd
import pytest

from harness.emulator import Emulator
from tests.support.backtests import (
    BACKTEST_MARKS,
    LEVERAGE,
    RISK_PER_TRADE,
    TIMEFRAME,
    TRADABLE_BALANCE_RATIO,
    WALLET,
    BacktestRun,
    bracket_settings,
    market_filters,
    run_backtest,
    signal_candles,
    to_tick,
)

pytestmark = BACKTEST_MARKS


@pytest.fixture(scope="module")
def parity_run(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> BacktestRun:
    run = run_backtest(emulator, tmp_path_factory.mktemp("parity"), bracket_settings())
    assert run.returncode == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="module")
def signals(parity_run: BacktestRun) -> pd.DataFrame:
    return signal_candles(parity_run.results_dir.parent / "data" / "binance")


def test_trades_cover_both_sides_and_both_exits_at_leverage(parity_run: BacktestRun) -> None:
    trades = parity_run.trades
    combos = set(zip(trades["is_short"], trades["exit_reason"], strict=True))
    for is_short in (False, True):
        for reason in ("stop_loss", "roi"):
            assert (is_short, reason) in combos, f"no {reason} exit for is_short={is_short}"
    assert set(trades["exit_reason"]) <= {"stop_loss", "roi", "force_exit"}
    assert (trades["leverage"] == LEVERAGE).all()


def test_each_trade_exits_at_its_signal_prices_and_stop_outs_lose_the_risk_budget(
    parity_run: BacktestRun, signals: pd.DataFrame, emulator: Emulator
) -> None:
    filters = market_filters(emulator)
    tick = filters["PRICE_FILTER"]["tickSize"]
    step = float(filters["LOT_SIZE"]["stepSize"])
    trades = parity_run.trades.sort_values("open_timestamp")
    checked_stops = checked_targets = 0
    for trade in trades.itertuples():
        open_date = pd.Timestamp(trade.open_date)
        signal = signals.loc[open_date - TIMEFRAME]
        assert signal["enter_short" if trade.is_short else "enter_long"] == 1
        # Both prices move towards the entry onto the tick grid (less risk, earlier target).
        stop = to_tick(
            signal["stop_price"], tick, ROUND_FLOOR if trade.is_short else ROUND_CEILING
        )
        target = to_tick(
            signal["take_profit_price"], tick, ROUND_CEILING if trade.is_short else ROUND_FLOOR
        )
        assert trade.stop_loss_abs == pytest.approx(stop, abs=1e-12), trade
        if trade.exit_reason == "stop_loss":
            assert trade.close_rate == pytest.approx(stop, abs=1e-12), trade
            others = trades.drop(index=trade.Index)
            closed_before = others[pd.to_datetime(others["close_date"]) <= open_date]
            equity = (WALLET + closed_before["profit_abs"].sum()) * TRADABLE_BALANCE_RATIO
            budget = RISK_PER_TRADE * equity
            loss_per_unit = abs(trade.open_rate - stop) + trade.fee_open * (trade.open_rate + stop)
            loss = -(trade.profit_abs - trade.funding_fees)
            # Rounding the quantity down to the step may leave up to one step of risk unused.
            assert budget - step * loss_per_unit - 1e-6 <= loss <= budget + 1e-6, trade
            assert trade.amount == pytest.approx(
                math.floor(budget / loss_per_unit / step) * step, abs=1e-9
            ), trade
            checked_stops += 1
        elif trade.exit_reason == "roi":
            exit_candle = signals.loc[pd.Timestamp(trade.close_date)]
            # A candle that opens beyond the target fills at its open, like a triggered
            # TAKE_PROFIT_MARKET would.
            gapped = (
                exit_candle["open"] < target if trade.is_short else exit_candle["open"] > target
            )
            expected = exit_candle["open"] if gapped else target
            assert trade.close_rate == pytest.approx(expected, abs=1e-12), trade
            checked_targets += 1
    assert checked_stops > 0 and checked_targets > 0


def test_risk_too_small_for_the_minimum_notional_opens_no_trade(
    emulator: Emulator, tmp_path: Path
) -> None:
    # 0.001 % of 990 USDT is about 0.01 USDT of risk: a position of about 1.5 XRP, 1.6 USDT
    # notional, under the 5 USDT minimum. freqtrade would raise such a stake; the plugin refuses.
    run = run_backtest(emulator, tmp_path, bracket_settings(risk_per_trade=0.00001), "--verbose")
    assert run.returncode == 0, run.output[-4000:]
    assert run.trades.empty
    assert "NotionalBelowMinimum" in run.output


def test_bad_bracket_setting_stops_freqtrade_before_it_trades(
    emulator: Emulator, tmp_path: Path
) -> None:
    run = run_backtest(emulator, tmp_path, bracket_settings(risk_per_trade=1))
    assert run.returncode != 0
    assert "bracket.risk_per_trade" in run.output
    assert "got 1" in run.output
