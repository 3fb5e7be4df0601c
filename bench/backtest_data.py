"""Synthetic futures data and freqtrade optimize sessions for the backtest benchmarks.

Data: a seeded random walk of 5m futures candles per pair (80 % annualised volatility, start at
the emulator's reference price of the pair), mark candles resampled from it and a constant
0.01 % funding rate every 8h, written at the timeframes freqtrade loads them in for Binance.
Pairs are the emulator's perpetuals in its table order (BTC, ETH, XRP, SOL, BNB, DOGE, ADA, LTC,
...), so their markets (tick, step, minimum notional, leverage tiers) come from a local emulator.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
for folder in (REPO, REPO / "strategies", REPO / "bench" / "strategies"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from binance_emulator.venue.market_table import PLAUSIBLE_ROWS, TESTED_ROWS  # noqa: E402

CANDLES_PER_DAY = 288
ANNUAL_VOLATILITY = 0.8
VOLATILITY_5M = ANNUAL_VOLATILITY / np.sqrt(365 * CANDLES_PER_DAY)
START = pd.Timestamp("2023-01-01", tz="UTC")
SEED = 42
FUNDING_RATE = 0.0001  # every 8h, as on Binance
PLUGIN = "BracketExample"
BASELINE = "BracketExampleReplay"


@dataclass(frozen=True)
class Listing:
    """Where a pair's walk starts and the tick its prices are rounded to (as the venue's)."""

    price: float
    tick: float


def emulator_pairs(count: int) -> dict[str, Listing]:
    """The first ``count`` perpetuals of the emulator's table."""
    rows = [(r[0], r[1], r[-1]) for r in TESTED_ROWS] + [(r[0], r[1], r[-1])
                                                          for r in PLAUSIBLE_ROWS]
    if count > len(rows):
        raise SystemExit(f"the emulator lists {len(rows)} perpetuals, not {count}")
    return {f"{base}/USDT:USDT": Listing(float(price), float(tick))
            for base, tick, price in rows[:count]}


@dataclass(frozen=True)
class DataSet:
    """What was written: say it beside every figure."""

    pairs: dict[str, Listing]
    days: int
    mark_timeframe: str
    funding_timeframe: str

    @property
    def candles_per_pair(self) -> int:
        return self.days * CANDLES_PER_DAY

    def describe(self) -> str:
        end = START + pd.Timedelta(minutes=5) * (self.candles_per_pair - 1)
        names = ", ".join(p.split("/")[0] for p in list(self.pairs)[:8])
        more = f", ... ({len(self.pairs)} pairs)" if len(self.pairs) > 8 else ""
        return (
            f"synthetic random walk (numpy seed {SEED}), {len(self.pairs)} pairs x "
            f"{self.candles_per_pair:,} candles of 5m = "
            f"{len(self.pairs) * self.candles_per_pair:,} candles, "
            f"{START:%Y-%m-%d} to {end:%Y-%m-%d %H:%M} UTC ({self.days} days); "
            f"{ANNUAL_VOLATILITY:.0%} annualised volatility, prices on the emulator's tick; "
            f"pairs {names}{more}; mark candles "
            f"{self.mark_timeframe}, funding {FUNDING_RATE:.2%} every 8h"
        )


def write_synthetic_data(datadir: Path, pairs: dict[str, Listing], days: int,
                         mark_timeframe: str, funding_timeframe: str) -> DataSet:
    """Write 5m futures candles, mark candles and funding rates (8-hourly, in a file of
    ``funding_timeframe`` as freqtrade stores Binance's) for every pair."""
    from freqtrade.data.history.datahandlers import get_datahandler
    from freqtrade.enums import CandleType

    (datadir / "futures").mkdir(parents=True, exist_ok=True)
    handler = get_datahandler(datadir, "feather")
    rng = np.random.default_rng(SEED)
    count = days * CANDLES_PER_DAY
    dates = pd.date_range(START, periods=count, freq="5min")
    funding_dates = pd.date_range(START, dates[-1], freq="8h")
    for pair, listing in pairs.items():
        # On the venue's tick, as real candles are (freqtrade then rounds stops to it too).
        # Every tick is a power of ten: integer / scale is the float nearest to the decimal.
        scale = round(1 / listing.tick)
        walk = listing.price * np.exp(np.cumsum(rng.normal(0.0, VOLATILITY_5M, count)))
        close = np.maximum(np.round(walk * scale), 1) / scale
        open_ = np.concatenate([[close[0]], close[:-1]])
        wick = np.abs(rng.normal(0.0, VOLATILITY_5M, (2, count)))
        candles = pd.DataFrame({
            "date": dates,
            "open": open_,
            "high": np.ceil(np.maximum(open_, close) * (1 + wick[0]) * scale) / scale,
            "low": np.maximum(np.floor(np.minimum(open_, close) * (1 - wick[1]) * scale), 1)
            / scale,
            "close": close,
            "volume": rng.uniform(1e5, 1e6, count),
        })
        handler.ohlcv_store(pair, "5m", candles, CandleType.FUTURES)
        mark = (
            candles.set_index("date")
            .resample(mark_timeframe)
            .agg({"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"})
        )
        handler.ohlcv_store(pair, mark_timeframe, mark.reset_index(), CandleType.MARK)
        funding = pd.DataFrame({"date": funding_dates, "funding_rate": FUNDING_RATE})
        handler.ohlcv_store(pair, funding_timeframe, funding, CandleType.FUNDING_RATE)
    return DataSet(pairs, days, mark_timeframe, funding_timeframe)


def make_user_dir(user_dir: Path) -> None:
    """A user-data folder whose strategies are the benchmark's (the replay baseline)."""
    user_dir.mkdir(parents=True, exist_ok=True)
    (user_dir / "hyperopt_results").mkdir(exist_ok=True)
    strategies = user_dir / "strategies"
    if not strategies.exists():
        strategies.symlink_to(REPO / "bench" / "strategies")


def optimize_config(workdir: Path, user_dir: Path, datadir: Path, emulator_url: str,
                    pairs: list[str], runmode: Any, **extra: Any) -> dict[str, Any]:
    """freqtrade's configuration for ``freqtrade backtesting`` / ``hyperopt`` on the shipped
    config.json, markets from the emulator, as the CLI would build it.

    config.json's ``order_types`` are left out: each strategy keeps its own (the plugin's are
    the same as config.json's; the replay baseline needs limit exits for its exit prices).
    """
    from freqtrade.commands.optimize_commands import setup_optimize_configuration

    from harness.emulator import url_overrides

    exported = REPO / "strategies" / "BracketExample.json"
    if exported.exists():  # a hyperopt's export: freqtrade would load its parameters instead
        raise SystemExit(f"{exported} overrides the strategy's parameters: remove it first")
    shipped = json.loads((REPO / "config.json").read_text())
    shipped.pop("order_types")
    shipped["strategy_path"] = str(REPO / "strategies")
    shipped.update({
        "user_data_dir": str(user_dir),
        "dry_run_wallet": 10_000,
    })
    shipped["exchange"].update({
        "pair_whitelist": pairs,
        "ccxt_config": {
            "urls": {"api": url_overrides(emulator_url)},
            "options": {"fetchMarkets": {"types": ["linear"]}, "fetchCurrencies": False,
                        "fetchMargins": False},
        },
    })
    path = user_dir / "config.json"
    path.write_text(json.dumps(shipped))
    args = {"config": [str(path)], "user_data_dir": str(user_dir), "datadir": str(datadir),
            "export": "none", **extra}
    config = setup_optimize_configuration(args, runmode)
    # freqtrade set its own logging up at INFO: keep the benchmark's output to its figures.
    # freqtrade's per-epoch parameter warnings too: the figures are the output here.
    for name in ("", "freqtrade"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # Hyperopt closes the exchange's async client itself; aiohttp's leftover notice is noise.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return config


@dataclass
class BacktestSession:
    """A local emulator for the markets, synthetic data, and freqtrade's ``Backtesting`` with
    the plugin and the replay baseline."""

    workdir: Path
    datadir: Path
    emulator: Any
    pairs: dict[str, Listing]
    backtesting: Any
    dataset: Any


@contextmanager
def backtest_session(pair_count: int, days: int, prefix: str) -> Iterator[BacktestSession]:
    from freqtrade.enums import RunMode
    from freqtrade.optimize.backtesting import Backtesting

    from harness.emulator import start_emulator

    pairs = emulator_pairs(pair_count)
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        workdir = Path(folder)
        datadir = workdir / "data" / "binance"
        emulator = start_emulator(workdir)
        try:
            user_dir = workdir / "backtest"
            make_user_dir(user_dir)
            config = optimize_config(workdir, user_dir, datadir, emulator.url, list(pairs),
                                     RunMode.BACKTEST, strategy_list=[PLUGIN, BASELINE])
            backtesting = Backtesting(config)
            dataset = write_synthetic_data(
                datadir, pairs, days, backtesting.exchange.get_option("mark_ohlcv_timeframe"),
                backtesting.exchange.get_option("funding_fee_timeframe"))
            yield BacktestSession(workdir, datadir, emulator, pairs, backtesting, dataset)
        finally:
            emulator.stop()
