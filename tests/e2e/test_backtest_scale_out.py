"""Backtest of a bracket that scales out: a real ``freqtrade backtesting`` run of BracketScaleOut
(half at a first target, the stop then to break-even, the rest at a second) on the shared data.

Trade by trade, against the strategy's own signals recomputed here: the first target exits half
the position (rounded to the step, as on the venue) at its price, or at the open of a candle that
opened beyond it, as a triggered TAKE_PROFIT_MARKET would; the rest exits at the second target
or, with the stop at break-even, no worse than the entry; a trade that never reached the first
target exits whole at its stop.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pandas as pd
import pytest

from harness.emulator import Emulator
from tests.support.backtests import (
    BACKTEST_MARKS,
    TIMEFRAME,
    BacktestRun,
    bracket_settings,
    market_filters,
    run_backtest,
    signal_candles,
    to_tick,
)

pytestmark = BACKTEST_MARKS

STRATEGY = "BracketScaleOut"
STOP_TAGS = {"stop_loss", "trailing_stop_loss"}


@pytest.fixture(scope="module")
def scale_out_run(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> BacktestRun:
    run = run_backtest(emulator, tmp_path_factory.mktemp("scale-out"), bracket_settings(),
                       strategy=STRATEGY)
    assert run.returncode == 0, run.output[-4000:]
    return run


def _candle(signals: pd.DataFrame, filled_ms: int) -> pd.Series:
    return signals.loc[pd.Timestamp(filled_ms, unit="ms", tz="UTC")]


def _at_level(price: float, candle: pd.Series, is_short: bool) -> float:
    """Where a take-profit at ``price`` fills in ``candle``: there, or at an open beyond it."""
    return min(price, candle["open"]) if is_short else max(price, candle["open"])


def test_each_target_exits_its_share_at_its_price_and_the_rest_never_loses_after_the_first(
    scale_out_run: BacktestRun, emulator: Emulator
) -> None:
    filters = market_filters(emulator)
    tick = filters["PRICE_FILTER"]["tickSize"]
    step = Decimal(filters["LOT_SIZE"]["stepSize"])
    signals = signal_candles(scale_out_run.results_dir.parent / "data" / "binance", STRATEGY)
    seen: set[tuple[bool, str]] = set()
    for trade in scale_out_run.trades.sort_values("open_timestamp").itertuples():
        signal = signals.loc[pd.Timestamp(trade.open_date) - TIMEFRAME]
        toward_entry = ROUND_CEILING if trade.is_short else ROUND_FLOOR
        first = to_tick(signal["take_profit_price"], tick, toward_entry)
        second = to_tick(signal["take_profit_price_2"], tick, toward_entry)
        entry, *exits = trade.orders
        tags = [order["ft_order_tag"] for order in exits]
        if tags[0] != "take_profit_1":
            # Never reached the first target: the whole position at the stop (or the run's end).
            assert len(exits) == 1 and tags[0] in STOP_TAGS | {"force_exit"}, trade
            seen.add((trade.is_short, "stop"))
            continue
        level, rest = exits
        units = (Decimal(repr(entry["amount"])) / step).to_integral_value(ROUND_FLOOR)
        half = (units / 2).to_integral_value(ROUND_FLOOR) * step
        assert level["amount"] == pytest.approx(float(half), abs=1e-9), trade
        expected = _at_level(first, _candle(signals, level["order_filled_timestamp"]),
                             trade.is_short)
        assert level["safe_price"] == pytest.approx(expected, abs=1e-12), trade
        assert rest["amount"] == pytest.approx(entry["amount"] - level["amount"], abs=1e-9)
        if rest["ft_order_tag"] == "roi":
            expected = _at_level(second, _candle(signals, rest["order_filled_timestamp"]),
                                 trade.is_short)
            assert rest["safe_price"] == pytest.approx(expected, abs=1e-12), trade
            seen.add((trade.is_short, "second target"))
        elif rest["ft_order_tag"] in STOP_TAGS:
            # The stop went to break-even once the first half was out.
            worse = (rest["safe_price"] - entry["safe_price"]) * (1 if trade.is_short else -1)
            assert worse <= 1e-12, trade
            seen.add((trade.is_short, "break-even"))
        else:
            assert rest["ft_order_tag"] == "force_exit", trade
    # Every path above was taken on this data, at least on one side.
    assert {path for _, path in seen} == {"stop", "second target", "break-even"}, seen
