"""A real ``freqtrade backtesting`` run of an example strategy on the shared candles, with the
market rules (tick and step sizes, minimum notional) from the emulator; and what a test needs to
check its trades against the strategy's own signals."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from freqtrade.data.btanalysis import load_backtest_stats
from freqtrade.data.history import load_pair_history
from freqtrade.enums import CandleType

from harness.emulator import SHARED_DATA, Emulator, url_overrides

# A backtest test's marks: end to end, and only where the shared candles are.
BACKTEST_MARKS = [
    pytest.mark.e2e,
    pytest.mark.skipif(not SHARED_DATA.is_dir(),
                       reason=f"{SHARED_DATA} is absent: no real candles to backtest on"),
]

REPO = Path(__file__).resolve().parents[2]
PAIR = "XRP/USDT:USDT"
SYMBOL = "XRPUSDT"
TIMEFRAME = timedelta(minutes=5)
WALLET = 1000.0
TRADABLE_BALANCE_RATIO = 0.99
RISK_PER_TRADE = 0.01
LEVERAGE = 3.0


@dataclass(frozen=True)
class BacktestRun:
    """One finished backtest: its output and exit code, and its trades if it produced any."""

    returncode: int
    output: str
    trades: pd.DataFrame
    results_dir: Path


def bracket_settings(**overrides: Any) -> dict[str, Any]:
    settings = {
        "risk_per_trade": RISK_PER_TRADE,
        "max_open_positions": 3,
        "daily_loss_limit": 0.2,
        "max_total_open_risk": 0.05,
        "min_reward_risk": 1.5,
        "stop_out_cooldown_minutes": 0,
    }
    return {**settings, **overrides}


def run_backtest(
    emulator: Emulator, workdir: Path, bracket: dict[str, Any], *extra_args: str,
    strategy: str = "BracketExample",
) -> BacktestRun:
    datadir = workdir / "user_data" / "data" / "binance"
    (datadir / "futures").mkdir(parents=True)
    for feather in SHARED_DATA.glob("*.feather"):
        shutil.copy(feather, datadir / "futures" / feather.name)
    results_dir = workdir / "user_data" / "backtest_results"
    results_dir.mkdir()
    overlay = {
        "user_data_dir": str(workdir / "user_data"),
        "datadir": str(datadir),
        "dry_run_wallet": WALLET,
        "tradable_balance_ratio": TRADABLE_BALANCE_RATIO,
        "bracket": bracket,
        "exchange": {
            "name": "binance",
            "pair_whitelist": [PAIR],
            "ccxt_config": {
                "urls": {"api": url_overrides(emulator.url)},
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
    command = [
        sys.executable,
        "-m",
        "freqtrade",
        "backtesting",
        "-c",
        str(REPO / "config.json"),
        "-c",
        str(overlay_path),
        "--backtest-directory",
        str(results_dir),
        "--export",
        "trades",
        "--strategy",
        strategy,
        *extra_args,
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    trades = pd.DataFrame()
    if done.returncode == 0:
        stats = load_backtest_stats(results_dir)
        trades = pd.DataFrame(stats["strategy"][strategy]["trades"])
    return BacktestRun(done.returncode, output, trades, results_dir)


def market_filters(emulator: Emulator) -> dict[str, dict[str, str]]:
    info = requests.get(f"{emulator.url}/fapi/v1/exchangeInfo", timeout=10).json()
    symbol = next(s for s in info["symbols"] if s["symbol"] == SYMBOL)
    return {f["filterType"]: f for f in symbol["filters"]}


def signal_candles(datadir: Path, strategy_name: str = "BracketExample") -> pd.DataFrame:
    """An example strategy's analysed candles, computed here from its populate_* methods."""
    sys.path.insert(0, str(REPO / "strategies"))  # the examples import each other by name
    try:
        module = importlib.import_module(strategy_name)
    finally:
        sys.path.remove(str(REPO / "strategies"))
    strategy = getattr(module, strategy_name)({"bracket": bracket_settings()})
    candles = load_pair_history(
        pair=PAIR, timeframe="5m", datadir=datadir, candle_type=CandleType.FUTURES
    )
    metadata = {"pair": PAIR}
    analysed = strategy.populate_indicators(candles, metadata)
    analysed = strategy.populate_entry_trend(analysed, metadata)
    return analysed.set_index("date")


def to_tick(price: float, tick: str, rounding: str) -> float:
    ticks = (Decimal(repr(float(price))) / Decimal(tick)).to_integral_value(rounding=rounding)
    return float(ticks * Decimal(tick))


