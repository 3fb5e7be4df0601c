"""A real ccxt ``binanceusdm`` client against the emulator process, through the tunnel: -4045 past
MAX_NUM_ALGO_ORDERS, and the venue's limit as exchangeInfo serves it, set by a control switch
(per symbol) or a command-line flag."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ccxt
import pytest
import requests

from harness.ccxt_client import binance_client
from harness.emulator import Emulator, start_emulator
from tests.emulator.ccxt_helpers import BTC, XRP

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def algo_limits(emulator: Emulator) -> dict[str, Any]:
    """MAX_NUM_ALGO_ORDERS per symbol as exchangeInfo serves it (absent: None)."""
    info = requests.get(f"{emulator.url}/fapi/v1/exchangeInfo", timeout=30).json()
    return {s["symbol"]: next((f["limit"] for f in s["filters"]
                               if f["filterType"] == "MAX_NUM_ALGO_ORDERS"), None)
            for s in info["symbols"]}


def test_ccxt_gets_minus_4045_past_ten_open_conditionals_of_a_symbol(emulator: Emulator) -> None:
    key, secret = emulator.new_account()
    client = binance_client(emulator, key, secret)
    client.create_order(XRP, "market", "buy", 100)
    for n in range(10):
        client.create_order(XRP, "market", "sell", 10, None,
                            {"stopLossPrice": 0.5 + n / 100, "reduceOnly": True})
    with pytest.raises(ccxt.ExchangeError, match=r'-4045,"msg":"Reach max stop order limit\."'):
        client.create_order(XRP, "market", "sell", 10, None,
                            {"takeProfitPrice": 100, "reduceOnly": True})
    client.create_order(BTC, "market", "buy", 0.002)
    client.create_order(BTC, "market", "sell", 0.002, None,
                        {"stopLossPrice": 1000, "reduceOnly": True})


def test_max_num_algo_orders_is_a_control_switch_per_symbol(private_emulator: Emulator) -> None:
    assert set(algo_limits(private_emulator).values()) == {10}
    config = private_emulator.control("POST", "config", max_num_algo_orders={"XRPUSDT": 2})
    assert (config["max_num_algo_orders"]["XRPUSDT"], config["max_num_algo_orders"]["BTCUSDT"]) \
        == (2, 10)
    assert (algo_limits(private_emulator)["XRPUSDT"], algo_limits(private_emulator)["BTCUSDT"]) \
        == (2, 10)
    key, secret = private_emulator.new_account()
    client = binance_client(private_emulator, key, secret)
    client.create_order(XRP, "market", "buy", 100)
    for stop in (0.5, 0.6):
        client.create_order(XRP, "market", "sell", 10, None,
                            {"stopLossPrice": stop, "reduceOnly": True})
    with pytest.raises(ccxt.ExchangeError, match="-4045"):
        client.create_order(XRP, "market", "sell", 10, None,
                            {"stopLossPrice": 0.7, "reduceOnly": True})
    # 0 (or null): no filter at all, as Binance serves exchangeInfo since 2025-12-29.
    private_emulator.control("POST", "config", max_num_algo_orders=0)
    assert set(algo_limits(private_emulator).values()) == {None}
    client.create_order(XRP, "market", "sell", 10, None,
                        {"stopLossPrice": 0.7, "reduceOnly": True})
    for bad in ({"max_num_algo_orders": -1}, {"max_num_algo_orders": {"NOPEUSDT": 3}}):
        response = requests.post(f"{private_emulator.url}/_emulator/config", json=bad, timeout=30)
        assert response.status_code == 400


def test_max_num_algo_orders_is_a_command_line_flag(tmp_path: Path) -> None:
    running = start_emulator(tmp_path, "--max-num-algo-orders", "3")
    try:
        assert set(algo_limits(running).values()) == {3}
        assert running.control("GET", "state")["config"]["max_num_algo_orders"]["XRPUSDT"] == 3
    finally:
        running.stop()
