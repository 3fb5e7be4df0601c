"""Backtest parity: a real ``freqtrade backtesting`` run of BracketExample on the shared data.

Markets (tick and step sizes, minimum notional) come from the emulator. Trade by trade, the test
checks that stops filled at the signal's stop price and lost ``risk_per_trade x equity`` (fees in),
and that take-profits filled at the signal's take-profit price, long and short, at leverage 3.
The signal prices are recomputed independently from the strategy's populate_* on the same data.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from freqtrade.data.btanalysis import load_backtest_stats
from freqtrade.data.history import load_pair_history
from freqtrade.enums import CandleType

from harness.emulator import SHARED_DATA, Emulator, url_overrides

pytestmark = [
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


def _bracket_settings(**overrides: Any) -> dict[str, Any]:
    settings = {
        "risk_per_trade": RISK_PER_TRADE,
        "max_open_positions": 3,
        "daily_loss_limit": 0.2,
        "max_total_open_risk": 0.05,
        "min_reward_risk": 1.5,
        "stop_out_cooldown_minutes": 0,
    }
    return {**settings, **overrides}


def _run_backtest(
    emulator: Emulator, workdir: Path, bracket: dict[str, Any], *extra_args: str
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
        trades = pd.DataFrame(stats["strategy"]["BracketExample"]["trades"])
    return BacktestRun(done.returncode, output, trades, results_dir)


def _market_filters(emulator: Emulator) -> dict[str, dict[str, str]]:
    info = requests.get(f"{emulator.url}/fapi/v1/exchangeInfo", timeout=10).json()
    symbol = next(s for s in info["symbols"] if s["symbol"] == SYMBOL)
    return {f["filterType"]: f for f in symbol["filters"]}


def _signal_candles(datadir: Path) -> pd.DataFrame:
    """The example strategy's analysed candles, computed here from its populate_* methods."""
    spec = importlib.util.spec_from_file_location(
        "bracket_example", REPO / "strategies" / "BracketExample.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    strategy = module.BracketExample({"bracket": _bracket_settings()})
    candles = load_pair_history(
        pair=PAIR, timeframe="5m", datadir=datadir, candle_type=CandleType.FUTURES
    )
    metadata = {"pair": PAIR}
    analysed = strategy.populate_indicators(candles, metadata)
    analysed = strategy.populate_entry_trend(analysed, metadata)
    return analysed.set_index("date")


def _to_tick(price: float, tick: str, rounding: str) -> float:
    ticks = (Decimal(repr(float(price))) / Decimal(tick)).to_integral_value(rounding=rounding)
    return float(ticks * Decimal(tick))


@pytest.fixture(scope="module")
def parity_run(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> BacktestRun:
    run = _run_backtest(emulator, tmp_path_factory.mktemp("parity"), _bracket_settings())
    assert run.returncode == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="module")
def signals(parity_run: BacktestRun) -> pd.DataFrame:
    return _signal_candles(parity_run.results_dir.parent / "data" / "binance")


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
    filters = _market_filters(emulator)
    tick = filters["PRICE_FILTER"]["tickSize"]
    step = float(filters["LOT_SIZE"]["stepSize"])
    trades = parity_run.trades.sort_values("open_timestamp")
    checked_stops = checked_targets = 0
    for trade in trades.itertuples():
        open_date = pd.Timestamp(trade.open_date)
        signal = signals.loc[open_date - TIMEFRAME]
        assert signal["enter_short" if trade.is_short else "enter_long"] == 1
        # Both prices move towards the entry onto the tick grid (less risk, earlier target).
        stop = _to_tick(
            signal["stop_price"], tick, ROUND_FLOOR if trade.is_short else ROUND_CEILING
        )
        target = _to_tick(
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
    run = _run_backtest(emulator, tmp_path, _bracket_settings(risk_per_trade=0.00001), "--verbose")
    assert run.returncode == 0, run.output[-4000:]
    assert run.trades.empty
    assert "NotionalBelowMinimum" in run.output


def test_bad_bracket_setting_stops_freqtrade_before_it_trades(
    emulator: Emulator, tmp_path: Path
) -> None:
    run = _run_backtest(emulator, tmp_path, _bracket_settings(risk_per_trade=1))
    assert run.returncode != 0
    assert "bracket.risk_per_trade" in run.output
    assert "got 1" in run.output
