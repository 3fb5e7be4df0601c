"""Backtest overhead of the bracket plugin.

Runs ``BracketExample`` (signals + ft_bracket) and ``BracketExampleBaseline`` (the same
indicators and signals, freqtrade's own fixed stop / ROI, no plugin) in one freqtrade backtesting
session on the same synthetic data, and prints both wall times and their ratio (goal <= 1.20).
A third strategy, ``BracketExampleCallbacks``, exits at the same signal prices through bare
``custom_stoploss`` / ``custom_roi`` without the plugin, to separate freqtrade's per-callback
cost (it deep-copies the trade before every call) from the plugin's own.

Data: a seeded random walk of 5m futures candles for 5 pairs over 365 days (105,120 candles per
pair, 525,600 in all) plus mark candles and a constant 0.01 % funding rate every 8h, at the
timeframes freqtrade loads them for Binance (1h), written to a temporary datadir. Markets come
from a local emulator started for the run. The run prints the data it used.

    PYTHONPATH=. .venv/bin/python bench/backtest_overhead.py [--days 365] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
PAIRS = {  # pair -> starting price of the walk
    "BTC/USDT:USDT": 30_000.0,
    "ETH/USDT:USDT": 2_000.0,
    "XRP/USDT:USDT": 0.5,
    "SOL/USDT:USDT": 20.0,
    "BNB/USDT:USDT": 300.0,
}
CANDLES_PER_DAY = 288
# 80 % annualised volatility, spread over 5m candles.
VOLATILITY_5M = 0.8 / np.sqrt(365 * CANDLES_PER_DAY)
START = pd.Timestamp("2023-01-01", tz="UTC")
SEED = 42
FUNDING_RATE = 0.0001  # every 8h, as on Binance
# The baseline first: the ratio is BracketExample over it. The callbacks-only reference shows how
# much of the difference freqtrade's callback machinery costs any strategy using those callbacks.
STRATEGIES = ("BracketExampleBaseline", "BracketExampleCallbacks", "BracketExample")


def write_synthetic_data(
    datadir: Path, days: int, mark_timeframe: str, funding_timeframe: str
) -> int:
    """Write 5m futures candles, mark candles and funding rates (8-hourly, in a file of
    ``funding_timeframe`` as freqtrade stores Binance's) for every pair; return candles/pair."""
    from freqtrade.data.history.datahandlers import get_datahandler
    from freqtrade.enums import CandleType

    (datadir / "futures").mkdir(parents=True, exist_ok=True)
    handler = get_datahandler(datadir, "feather")
    rng = np.random.default_rng(SEED)
    count = days * CANDLES_PER_DAY
    dates = pd.date_range(START, periods=count, freq="5min")
    for pair, price in PAIRS.items():
        returns = rng.normal(0.0, VOLATILITY_5M, count)
        close = price * np.exp(np.cumsum(returns))
        open_ = np.concatenate([[price], close[:-1]])
        wick = np.abs(rng.normal(0.0, VOLATILITY_5M, (2, count)))
        candles = pd.DataFrame(
            {
                "date": dates,
                "open": open_,
                "high": np.maximum(open_, close) * (1 + wick[0]),
                "low": np.minimum(open_, close) * (1 - wick[1]),
                "close": close,
                "volume": rng.uniform(1e5, 1e6, count),
            }
        )
        handler.ohlcv_store(pair, "5m", candles, CandleType.FUTURES)
        mark = (
            candles.set_index("date")
            .resample(mark_timeframe)
            .agg({"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"})
        )
        handler.ohlcv_store(pair, mark_timeframe, mark.reset_index(), CandleType.MARK)
        funding_dates = pd.date_range(START, dates[-1], freq="8h")
        funding = pd.DataFrame({"date": funding_dates, "funding_rate": FUNDING_RATE})
        handler.ohlcv_store(pair, funding_timeframe, funding, CandleType.FUNDING_RATE)
    return count


def backtesting_session(workdir: Path, emulator_url: str):
    """A freqtrade Backtesting object for both strategies, configured as the CLI would."""
    from freqtrade.commands.optimize_commands import setup_optimize_configuration
    from freqtrade.enums import RunMode
    from freqtrade.optimize.backtesting import Backtesting

    from tests.support.emulator import url_overrides

    overlay = {
        "user_data_dir": str(workdir / "user_data"),
        "datadir": str(workdir / "user_data" / "data" / "binance"),
        "dry_run_wallet": 10_000,
        "exchange": {
            "name": "binance",
            "pair_whitelist": list(PAIRS),
            "ccxt_config": {
                "urls": {"api": url_overrides(emulator_url)},
                "options": {
                    "fetchMarkets": {"types": ["linear"]},
                    "fetchCurrencies": False,
                    "fetchMargins": False,
                },
            },
        },
    }
    overlay_path = workdir / "overlay.json"
    overlay_path.write_text(json.dumps(overlay))
    args = {
        "config": [str(REPO / "config.json"), str(overlay_path)],
        "strategy_list": list(STRATEGIES),
        "user_data_dir": str(workdir / "user_data"),
        "export": "none",
    }
    config = setup_optimize_configuration(args, RunMode.BACKTEST)
    return Backtesting(config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs per strategy")
    options = parser.parse_args()
    # Both strategy folders must be importable: the baseline imports the example's signals.
    sys.path[:0] = [str(REPO), str(REPO / "strategies")]
    logging.basicConfig(level=logging.WARNING)

    from tests.support.emulator import start_emulator

    with tempfile.TemporaryDirectory(prefix="bracket-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "user_data").mkdir()
        # The baseline lives in bench/strategies; freqtrade searches <user_data>/strategies too.
        (workdir / "user_data" / "strategies").symlink_to(REPO / "bench" / "strategies")
        datadir = workdir / "user_data" / "data" / "binance"
        emulator = start_emulator(workdir)
        try:
            backtesting = backtesting_session(workdir, emulator.url)
            # Written at the timeframes this freqtrade loads mark and funding data in.
            mark_timeframe = backtesting.exchange.get_option("mark_ohlcv_timeframe")
            funding_timeframe = backtesting.exchange.get_option("funding_fee_timeframe")
            candles = write_synthetic_data(
                datadir, options.days, mark_timeframe, funding_timeframe
            )
            data, timerange = backtesting.load_bt_data()
            timings: dict[str, list[float]] = {name: [] for name in STRATEGIES}
            trades: dict[str, int] = {}
            strategies = {s.get_strategy_name(): s for s in backtesting.strategylist}
            for _ in range(options.rounds):
                for name in STRATEGIES:
                    started = time.perf_counter()
                    backtesting.backtest_one_strategy(strategies[name], data, timerange)
                    timings[name].append(time.perf_counter() - started)
                    trades[name] = len(backtesting.all_bt_content[name]["results"])
        finally:
            emulator.stop()

    end = START + pd.Timedelta(minutes=5) * (candles - 1)
    print(
        f"data: synthetic random walk (numpy seed {SEED}), {len(PAIRS)} pairs x {candles:,} "
        f"candles of 5m = {len(PAIRS) * candles:,} candles, {START:%Y-%m-%d %H:%M} to "
        f"{end:%Y-%m-%d %H:%M} UTC ({options.days} days)\n"
        f"      {VOLATILITY_5M * np.sqrt(365 * CANDLES_PER_DAY):.0%} annualised volatility; "
        f"start prices: " + ", ".join(f"{pair} {price:g}" for pair, price in PAIRS.items()) + "\n"
        f"      mark candles {mark_timeframe}, funding {FUNDING_RATE:.2%} every 8h "
        f"(stored as {funding_timeframe}); best of {options.rounds} alternating runs"
    )
    best = {name: min(times) for name, times in timings.items()}
    for name in STRATEGIES:
        runs = ", ".join(f"{t:.2f}" for t in timings[name])
        print(f"{name:>24}: {best[name]:7.2f} s  ({trades[name]} trades; runs: {runs})")
    ratio = best["BracketExample"] / best["BracketExampleBaseline"]
    print(f"{'overhead ratio':>24}: {ratio:7.3f}  (BracketExample / baseline; goal <= 1.20)")
    callbacks = best["BracketExample"] / best["BracketExampleCallbacks"]
    print(f"{'vs bare callbacks':>24}: {callbacks:7.3f}  (BracketExample / ...Callbacks)")


if __name__ == "__main__":
    main()
