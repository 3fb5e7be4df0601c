"""A real ccxt ``binanceusdm`` client against the emulator process: markets, balance, margin
settings, a market entry, and market data that agrees with the price set. Every test uses a fresh
account; the test that moves a price uses this module's own emulator."""

from __future__ import annotations

from decimal import Decimal

import ccxt
import pytest

from harness.ccxt_client import binance_client
from harness.emulator import Emulator
from tests.emulator.ccxt_helpers import BTC, XRP

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def test_load_markets_precision_and_limits(binance: ccxt.binanceusdm) -> None:
    assert {f"{b}/USDT:USDT" for b in ("BTC", "ETH", "XRP", "SOL", "BNB", "DOGE", "ADA")} <= set(
        binance.markets)
    assert len(binance.markets) >= 50
    assert all(m["linear"] and m["settle"] == "USDT" for m in binance.markets.values())
    xrp = binance.market(XRP)
    assert (xrp["id"], xrp["type"], xrp["linear"], xrp["settle"]) == ("XRPUSDT", "swap", True,
                                                                      "USDT")
    assert xrp["precision"]["amount"] == 0.1
    assert xrp["precision"]["price"] == 0.0001
    assert xrp["limits"]["cost"]["min"] == 5
    assert xrp["limits"]["amount"] == {"min": 0.1, "max": 10_000_000}
    assert xrp["limits"]["market"] == {"min": 0.1, "max": 2_000_000}
    btc = binance.market(BTC)
    assert btc["limits"]["cost"]["min"] == 100
    assert btc["precision"] == {**btc["precision"], "amount": 0.001, "price": 0.1}
    assert binance.amount_to_precision(XRP, 12.3456) == "12.3"
    assert binance.price_to_precision(BTC, 67000.06) == "67000.1"


def test_fetch_balance_of_a_fresh_account(emulator: Emulator) -> None:
    key, secret = emulator.new_account(balance="2500")
    client = binance_client(emulator, key, secret)
    usdt = client.fetch_balance()["USDT"]
    assert usdt == {"free": 2500.0, "used": 0.0, "total": 2500.0}


def test_margin_mode_twice_raises_margin_mode_already_set(
    emulator: Emulator, binance: ccxt.binanceusdm, ccxt_account: tuple[str, str]
) -> None:
    assert binance.set_margin_mode("isolated", XRP) == {"code": 200, "msg": "success"}
    with pytest.raises(ccxt.MarginModeAlreadySet, match="No need to change margin type"):
        binance.set_margin_mode("isolated", XRP)
    assert binance.set_leverage(5, XRP)["leverage"] == 5
    with pytest.raises(ccxt.BadRequest, match="-4028"):
        binance.set_leverage(101, XRP)  # XRP's real first bracket allows 100x
    state = emulator.state(ccxt_account[0])
    assert state["margin_type"] == {"XRPUSDT": "isolated"}
    assert state["leverage"] == {"XRPUSDT": 5}


def test_market_entry_fills_at_the_ask_and_shows_in_positions_and_trades(
    emulator: Emulator, binance: ccxt.binanceusdm, ccxt_account: tuple[str, str]
) -> None:
    order = binance.create_order(XRP, "market", "buy", 20)
    assert order["status"] == "closed"
    assert order["filled"] == 20
    fill = emulator.state(ccxt_account[0])["fills"][0]
    assert order["average"] == float(fill["price"])
    assert fill["commission"] == f"{Decimal(fill['price']) * 20 * Decimal('0.0005'):.8f}"
    fetched = binance.fetch_order(order["id"], XRP)
    assert (fetched["status"], fetched["filled"], fetched["average"]) == (
        "closed", 20, order["average"])
    positions = binance.fetch_positions([XRP])
    assert [(p["symbol"], p["side"], p["contracts"], p["entryPrice"]) for p in positions] == [
        (XRP, "long", 20, order["average"])]
    trades = binance.fetch_my_trades(XRP)
    assert [(t["order"], t["amount"], t["fee"]["cost"]) for t in trades] == [
        (order["id"], 20, float(fill["commission"]))]
    assert binance.fetch_balance()["USDT"]["used"] > 0


def test_market_data_agrees_with_the_price_set(
    moving_emulator: Emulator, mover: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = mover
    moving_emulator.set_price("XRPUSDT", "1.0500")
    candles = client.fetch_ohlcv(XRP, "1m", limit=3)
    assert len(candles) == 3
    assert candles[-1][0] <= client.milliseconds() < candles[-1][0] + 60_000
    assert candles[-1][4] == 1.05
    assert candles[-1][2] >= 1.05
    book = client.fetch_order_book(XRP, limit=5)
    assert [b[0] for b in book["bids"]] == [1.05, 1.0499, 1.0498, 1.0497, 1.0496]
    assert [a[0] for a in book["asks"]] == [1.0501, 1.0502, 1.0503, 1.0504, 1.0505]
    assert client.fetch_ticker(XRP)["last"] == 1.05
    tiers = client.fetch_leverage_tiers([XRP])[XRP]
    # Binance's real brackets, as freqtrade ships them.
    assert [(t["maxNotional"], t["maxLeverage"], t["maintenanceMarginRate"])
            for t in tiers[:2]] == [(40_000, 100, 0.005), (80_000, 75, 0.006)]
    assert tiers[1]["info"]["cum"] == 40.0
