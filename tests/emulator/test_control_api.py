"""The emulator's control API seen beside a real ccxt client: the state it shows of an account,
and a reset back to a fresh default account."""

from __future__ import annotations

import time
from decimal import Decimal

import ccxt
import pytest
import requests

from harness.ccxt_client import binance_client
from harness.emulator import DEFAULT_KEY, DEFAULT_SECRET, Emulator
from tests.emulator.ccxt_helpers import XRP, last_price

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def test_state_shows_the_account(
    emulator: Emulator, binance: ccxt.binanceusdm, ccxt_account: tuple[str, str]
) -> None:
    key = ccxt_account[0]
    binance.set_margin_mode("isolated", XRP)
    binance.set_leverage(4, XRP)
    entry = binance.create_order(XRP, "market", "buy", 50, None, {"clientOrderId": "st-entry"})
    binance.create_order(XRP, "market", "sell", 50, None,
                         {"stopLossPrice": float(last_price(emulator) / 2), "reduceOnly": True,
                          "clientOrderId": "st-stop"})
    before = int(time.time() * 1000)
    state = emulator.state(key)
    after = int(time.time() * 1000) + 1
    assert set(state) >= {"server_time", "prices", "faults", "api_key", "balance", "positions",
                          "leverage", "margin_type", "orders", "algo_orders", "fills",
                          "accepted_client_ids"}
    assert state["api_key"] == key
    assert before <= state["server_time"] <= after  # the venue's clock is this machine's
    assert set(state["prices"]["XRPUSDT"]) == {"last", "mark", "manual"}
    entry_price = Decimal(str(entry["average"]))
    fee = entry_price * 50 * Decimal("0.0005")
    assert state["balance"]["wallet"] == f"{Decimal(10_000) - fee:.8f}"
    assert state["leverage"] == {"XRPUSDT": 4}
    assert state["margin_type"] == {"XRPUSDT": "isolated"}
    [position] = state["positions"]
    assert (position["symbol"], position["positionAmt"], position["marginType"]) == (
        "XRPUSDT", "50.0", "isolated")
    assert Decimal(position["isolatedWallet"]) == entry_price * 50 / 4
    assert [(o["clientOrderId"], o["status"]) for o in state["orders"]] == [
        ("st-entry", "FILLED")]
    assert [(a["clientAlgoId"], a["algoStatus"], a["orderType"]) for a in state["algo_orders"]] \
        == [("st-stop", "NEW", "STOP_MARKET")]
    assert len(state["fills"]) == 1
    assert state["accepted_client_ids"] == ["st-entry", "st-stop"]
    assert isinstance(state["faults"]["injected"], int)


def test_reset_restores_a_fresh_default_account(private_emulator: Emulator) -> None:
    client = binance_client(private_emulator, DEFAULT_KEY, DEFAULT_SECRET)
    client.create_order(XRP, "market", "buy", 10)
    other_key, _ = private_emulator.new_account()
    private_emulator.fault("GET /fapi/v1/order", kind="error", count=5)
    assert private_emulator.state()["orders"] != []

    assert private_emulator.control("POST", "reset", balance="500") == {"balance": "500"}
    state = private_emulator.state()
    assert state["balance"] == {"wallet": "500.00000000", "available": "500.00000000"}
    assert (state["orders"], state["positions"], state["fills"]) == ([], [], [])
    assert state["faults"]["armed"] == []
    assert private_emulator.control("GET", "requests") == {}
    missing = requests.get(f"{private_emulator.url}/_emulator/state",
                           params={"api_key": other_key}, timeout=10)
    assert missing.status_code == 404
    assert client.fetch_balance()["USDT"]["total"] == 500
