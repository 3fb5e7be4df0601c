"""Fidelity: a real freqtrade process trades the emulator as it would trade Binance USDⓈ-M.

Each test starts its own ``freqtrade trade`` (or one-shot command) and checks both sides: what
freqtrade recorded in its database and what the emulator's account shows. Tests that move prices
or count requests get an emulator of their own; the others use a fresh account on the shared one.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from binance_emulator.api.routes import ROUTES
from harness.emulator import Emulator
from harness.freqtrade_bot import E2E_STRATEGIES, FreqtradeBot, run_freqtrade
from harness.freqtrade_config import PAIR, base_config, dry_run_config, live_config, tunnel_exchange

pytestmark = pytest.mark.e2e

SYMBOL = "XRPUSDT"
TICK = Decimal("0.0001")
PINNED_PRICE = Decimal("1.2000")
# SignalFromFile: stoploss -5 % of stake at leverage 2, i.e. 2.5 % of price.
STOP_DISTANCE = Decimal("0.025")
PUBLIC_ENDPOINTS = {f"{r.method} {r.path}" for r in ROUTES if not r.signed}
WAIT_S = 30
StartBot = Callable[..., FreqtradeBot]


def dec(value: object) -> Decimal:
    """Exact decimal of a wire string or of a float as sqlite returns it."""
    return Decimal(str(value))


def open_algo_orders(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in state["algo_orders"] if a["algoStatus"] in ("NEW", "TRIGGERING")]


def stop_rows(trade: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in trade["orders"] if o["ft_order_side"] == "stoploss"]


def fill_price(state: dict[str, Any], order_id: int) -> Decimal:
    prices = {dec(f["price"]) for f in state["fills"] if f["orderId"] == order_id}
    assert len(prices) == 1, f"expected one fill price for order {order_id}: {state['fills']}"
    return prices.pop()


def test_dry_run_force_entry_uses_only_public_market_data(
    private_emulator: Emulator, start_bot: StartBot
) -> None:
    """Dry-run enters, protects and exits from the emulator's order book, and never signs a call
    or places an order there."""
    private_emulator.set_price(SYMBOL, PINNED_PRICE)
    bot = start_bot(dry_run_config(private_emulator))

    trade = bot.force_enter(PAIR, "long")

    # One more loop places freqtrade's simulated stop: that must not reach the venue either.
    row = bot.wait_for(
        lambda: (t := bot.trade_from_db(trade["trade_id"])) and stop_rows(t) and t,
        WAIT_S, "the dry-run stop order",
    )
    assert row["is_open"] == 1
    assert row["is_short"] == 0
    # Market entry at the ask: the pinned last price plus one tick.
    assert dec(row["open_rate"]) == PINNED_PRICE + TICK
    entry = [o for o in row["orders"] if o["ft_order_side"] == "buy"]
    assert len(entry) == 1
    assert entry[0]["status"] == "closed"
    assert entry[0]["order_id"].startswith("dry_run_buy_")
    assert dec(entry[0]["filled"]) == dec(row["amount"]) > 0

    (shown,) = bot.status()
    assert shown["trade_id"] == trade["trade_id"]
    assert dec(shown["stop_loss_abs"]) == dec(row["stop_loss"]) < dec(row["open_rate"])

    bot.force_exit(trade["trade_id"])
    closed = bot.wait_for(
        lambda: (t := bot.trade_from_db(trade["trade_id"])) and not t["is_open"] and t,
        WAIT_S, "the dry-run exit",
    )
    assert closed["exit_reason"] == "force_exit"
    # Market exit at the bid: the pinned last price.
    assert dec(closed["close_rate"]) == PINNED_PRICE

    seen = private_emulator.control("GET", "requests")
    assert set(seen) <= PUBLIC_ENDPOINTS, f"signed calls in dry-run: {set(seen) - PUBLIC_ENDPOINTS}"
    assert seen.get("GET /fapi/v1/exchangeInfo", 0) >= 1
    assert seen.get("GET /fapi/v1/depth", 0) >= 1, "dry-run must price from the order book"
    assert seen.get("GET /fapi/v1/klines", 0) >= 1
    assert not any("order" in endpoint.lower() for endpoint in seen)
    venue = private_emulator.state()
    assert venue["orders"] == venue["algo_orders"] == venue["fills"] == []


@pytest.mark.parametrize("side", ["long", "short"])
def test_live_stop_on_exchange_fills_and_closes_trade(
    private_emulator: Emulator, start_bot: StartBot, side: str
) -> None:
    """Entry, reduce-only STOP_MARKET at freqtrade's stop price, trigger, trade closed by it."""
    emulator = private_emulator
    is_short = side == "short"
    emulator.set_price(SYMBOL, PINNED_PRICE)
    key, secret = emulator.new_account()
    bot = start_bot(live_config(emulator, key, secret))

    trade_id = bot.force_enter(PAIR, side)["trade_id"]
    venue = bot.wait_for(
        lambda: (s := emulator.state(key)) and open_algo_orders(s) and s,
        WAIT_S, "the stop on the emulator",
    )
    trade = bot.wait_for(
        lambda: (t := bot.trade_from_db(trade_id)) and stop_rows(t) and t,
        WAIT_S, "the stop order in freqtrade's database",
    )
    amount, stop = dec(trade["amount"]), dec(trade["stop_loss"])
    entry_side, exit_side = ("SELL", "BUY") if is_short else ("BUY", "SELL")

    # The entry: one filled market order at the touch (bid for a short, ask for a long).
    entry_price = PINNED_PRICE if is_short else PINNED_PRICE + TICK
    (entry,) = venue["orders"]
    assert (entry["type"], entry["side"], entry["status"]) == ("MARKET", entry_side, "FILLED")
    assert entry["reduceOnly"] is False
    assert dec(entry["executedQty"]) == amount > 0
    assert dec(entry["avgPrice"]) == dec(trade["open_rate"]) == entry_price
    assert str(entry["orderId"]) == trade["orders"][0]["order_id"]
    (position,) = venue["positions"]
    assert dec(position["positionAmt"]) == (-amount if is_short else amount)
    assert dec(position["entryPrice"]) == entry_price
    assert venue["leverage"] == {SYMBOL: 2}
    assert venue["margin_type"] == {SYMBOL: "isolated"}

    # The stop: freqtrade's own price (2.5 % away at leverage 2, rounded away from the market).
    expected_stop = entry_price * (1 + STOP_DISTANCE if is_short else 1 - STOP_DISTANCE)
    assert abs(stop - expected_stop) <= TICK, (stop, expected_stop)
    assert stop % TICK == 0
    (algo,) = open_algo_orders(venue)
    assert (algo["orderType"], algo["side"], algo["algoType"]) == (
        "STOP_MARKET", exit_side, "CONDITIONAL")
    assert algo["reduceOnly"] is True
    assert algo["closePosition"] is False
    assert dec(algo["quantity"]) == amount
    assert dec(algo["triggerPrice"]) == stop
    (stop_row,) = stop_rows(trade)
    assert stop_row["order_id"] == str(algo["algoId"])
    assert stop_row["ft_is_open"] == 1

    # Through the stop: the venue fires it, freqtrade follows actualOrderId and closes the trade.
    through = stop + 50 * TICK if is_short else stop - 50 * TICK
    emulator.set_price(SYMBOL, through)
    closed = bot.wait_for(
        lambda: (t := bot.trade_from_db(trade_id)) and not t["is_open"] and t,
        WAIT_S, "freqtrade to close the trade",
    )
    venue = emulator.state(key)

    (fired,) = [a for a in venue["algo_orders"] if a["algoId"] == algo["algoId"]]
    assert fired["algoStatus"] == "FINISHED"
    assert fired["actualOrderId"]
    (stop_fill,) = [o for o in venue["orders"] if str(o["orderId"]) == fired["actualOrderId"]]
    assert (stop_fill["type"], stop_fill["origType"], stop_fill["side"]) == (
        "MARKET", "STOP_MARKET", exit_side)
    assert stop_fill["status"] == "FILLED"
    assert stop_fill["reduceOnly"] is True
    assert dec(stop_fill["executedQty"]) == amount
    assert dec(stop_fill["stopPrice"]) == stop
    # A triggered market order takes the touch: ask (buy) or bid (sell) at the new price.
    exit_price = through + TICK if is_short else through
    assert fill_price(venue, stop_fill["orderId"]) == exit_price

    assert closed["exit_reason"] == "stoploss_on_exchange"
    assert dec(closed["close_rate"]) == exit_price
    (stop_row,) = stop_rows(closed)
    assert stop_row["status"] == "closed"
    assert stop_row["ft_is_open"] == 0
    assert dec(stop_row["filled"]) == amount
    assert venue["positions"] == []
    assert open_algo_orders(venue) == []
    assert [o for o in venue["orders"] if o["status"] in ("NEW", "PARTIALLY_FILLED")] == []
    # freqtrade's profit (fees from userTrades) is what the wallet actually lost.
    wallet_change = dec(venue["balance"]["wallet"]) - Decimal(10_000)
    assert abs(wallet_change - dec(closed["close_profit_abs"])) < Decimal("0.0001")
    assert wallet_change < 0


def test_stop_rejected_with_2021_leads_to_emergency_exit(
    emulator: Emulator, start_bot: StartBot
) -> None:
    """-2021 reaches freqtrade as InvalidOrder (ccxt's real error map), so it exits at market."""
    key, secret = emulator.new_account()
    emulator.fault(
        "POST /fapi/v1/algoOrder", kind="error", code=-2021,
        msg="Order would immediately trigger.", count=1, api_key=key,
    )
    bot = start_bot(live_config(emulator, key, secret))

    trade_id = bot.force_enter(PAIR, "long")["trade_id"]
    closed = bot.wait_for(
        lambda: (t := bot.trade_from_db(trade_id)) and not t["is_open"] and t,
        WAIT_S, "the emergency exit",
    )
    venue = emulator.state(key)

    assert closed["exit_reason"] == "emergency_exit"
    # The venue's own words reached freqtrade's InvalidOrder branch, not a retry.
    log = bot.log_text()
    assert "Unable to place a stoploss order on exchange" in log
    assert "Order would immediately trigger." in log
    assert "Exiting the trade forcefully" in log
    # The rejected stop left nothing behind; entry and exit are two market orders.
    assert venue["algo_orders"] == []
    entry, exit_ = venue["orders"]
    amount = dec(closed["amount"])
    assert (entry["side"], entry["type"], entry["reduceOnly"]) == ("BUY", "MARKET", False)
    assert (exit_["side"], exit_["type"], exit_["reduceOnly"]) == ("SELL", "MARKET", True)
    assert entry["status"] == exit_["status"] == "FILLED"
    assert dec(entry["executedQty"]) == dec(exit_["executedQty"]) == amount
    assert dec(closed["close_rate"]) == fill_price(venue, exit_["orderId"])
    assert venue["positions"] == []
    exit_rows = [o for o in closed["orders"] if o["ft_order_side"] == "sell"]
    assert [o["order_id"] for o in exit_rows] == [str(exit_["orderId"])]
    assert stop_rows(closed) == []


def _backtest_result(userdir: Path) -> dict[str, Any]:
    results = userdir / "backtest_results"
    latest = json.loads((results / ".last_result.json").read_text())["latest_backtest"]
    with zipfile.ZipFile(results / latest) as archive:
        name = latest.removesuffix(".zip") + ".json"
        return json.load(io.BytesIO(archive.read(name)))


def _emulator_candle(emulator: Emulator, open_ms: int) -> list[Any]:
    response = requests.get(
        f"{emulator.url}/fapi/v1/klines",
        params={"symbol": SYMBOL, "interval": "5m", "startTime": open_ms, "limit": 1},
        timeout=10,
    )
    response.raise_for_status()
    (row,) = response.json()
    assert row[0] == open_ms
    return row


def test_download_data_and_backtest_on_emulator_candles(
    emulator: Emulator, tmp_path: Path
) -> None:
    """download-data stores the emulator's klines verbatim; a backtest trades both sides."""
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    start = end - timedelta(days=3)
    timerange = f"{start:%Y%m%d}-{end:%Y%m%d}"
    config = base_config(tunnel_exchange(emulator), dry_run=True, pairs=[PAIR])
    config["timeframe"] = "5m"

    run_freqtrade(tmp_path, "download-data", config, "--trading-mode", "futures",
                  "--exchange", "binance", "--pairs", PAIR, "-t", "5m", "--timerange", timerange)

    data_dir = tmp_path / "user_data" / "data" / "binance" / "futures"
    candles = pd.read_feather(data_dir / "XRP_USDT_USDT-5m-futures.feather")
    in_range = candles[(candles["date"] >= start) & (candles["date"] < end)]
    assert len(in_range) == 3 * 288, "three full days of 5m candles, none missing"
    assert in_range["date"].diff().dropna().eq(pd.Timedelta(minutes=5)).all()
    for index in (0, len(in_range) // 2, len(in_range) - 1):
        stored = in_range.iloc[index]
        row = _emulator_candle(emulator, int(stored["date"].timestamp() * 1000))
        assert [float(v) for v in row[1:6]] == pytest.approx(
            [stored[c] for c in ("open", "high", "low", "close", "volume")], rel=1e-12
        ), stored["date"]
    # Futures backtests also need mark candles and funding rates: both came from the emulator.
    assert (data_dir / "XRP_USDT_USDT-1h-mark.feather").exists()
    funding = pd.read_feather(data_dir / "XRP_USDT_USDT-1h-funding_rate.feather")
    assert len(funding) >= 9
    assert funding["date"].dt.hour.isin([0, 8, 16]).all()

    run_freqtrade(tmp_path, "backtesting", config, "--strategy", "EmaCross",
                  "--strategy-path", str(E2E_STRATEGIES), "--timerange", timerange,
                  "--export", "trades")

    result = _backtest_result(tmp_path / "user_data")["strategy"]["EmaCross"]
    assert result["trading_mode"] == "futures"
    assert result["total_trades"] >= 10
    assert result["trade_count_long"] >= 1
    assert result["trade_count_short"] >= 1
    assert result["total_trades"] == len(result["trades"])
    # Entries happen at the open of the candle after the signal: the emulator's open.
    for trade in result["trades"][:3]:
        row = _emulator_candle(emulator, trade["open_timestamp"])
        assert dec(row[1]) == dec(trade["open_rate"]), trade
