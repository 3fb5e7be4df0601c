"""Fault injection seen by a real ccxt ``binanceusdm`` client: Binance errors, bare HTTP 503s
with and without the call carried out, delays past the client's timeout, dropped answers, faults
matched on parameters, and a bad fault spec refused. Faults are always scoped to one API key."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ccxt
import pytest
import requests

from harness.ccxt_client import binance_client
from harness.emulator import Emulator
from tests.emulator.ccxt_helpers import XRP, last_price

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("condition not met within timeout")



@pytest.mark.parametrize(("code", "msg", "exception"), [
    (-2019, "Margin is insufficient.", ccxt.InsufficientFunds),
    (-1007, "Timeout waiting for response from backend server. Send status unknown; execution "
            "status unknown.", ccxt.RequestTimeout),
    (-1000, None, ccxt.OperationFailed),
])
def test_error_fault_reaches_the_client_once(
    emulator: Emulator, binance: ccxt.binanceusdm, ccxt_account: tuple[str, str],
    code: int, msg: str | None, exception: type[Exception],
) -> None:
    key = ccxt_account[0]
    emulator.fault("POST /fapi/v1/order", kind="error", code=code, api_key=key, msg=msg)
    with pytest.raises(exception, match=f'"code":{code},'):
        binance.create_order(XRP, "market", "buy", 10)
    assert emulator.state(key)["orders"] == []
    assert binance.create_order(XRP, "market", "buy", 10)["status"] == "closed"


def test_http_503_with_process_places_the_order_anyway(
    emulator: Emulator, binance: ccxt.binanceusdm, ccxt_account: tuple[str, str]
) -> None:
    key = ccxt_account[0]
    emulator.fault("POST /fapi/v1/order", kind="http", http_status=503, process=True,
                   api_key=key)
    with pytest.raises(ccxt.ExchangeNotAvailable):
        binance.create_order(XRP, "market", "buy", 10, None, {"clientOrderId": "unknown-1"})
    orders = emulator.state(key)["orders"]
    assert [(o["clientOrderId"], o["status"]) for o in orders] == [("unknown-1", "FILLED")]
    assert binance.fetch_order(None, XRP, params={"origClientOrderId": "unknown-1"})[
        "filled"] == 10


def test_http_503_without_process_places_nothing(
    emulator: Emulator, binance: ccxt.binanceusdm, ccxt_account: tuple[str, str]
) -> None:
    emulator.fault("POST /fapi/v1/order", kind="http", api_key=ccxt_account[0])
    with pytest.raises(ccxt.ExchangeNotAvailable):
        binance.create_order(XRP, "market", "buy", 10)
    assert emulator.state(ccxt_account[0])["orders"] == []


def test_delay_past_client_timeout_leaves_order_on_the_venue(
    emulator: Emulator, ccxt_account: tuple[str, str]
) -> None:
    key, secret = ccxt_account
    client = binance_client(emulator, key, secret, timeout=500)
    emulator.fault("POST /fapi/v1/order", kind="delay", seconds=1.5, api_key=key)
    # RequestTimeout itself says the client gave up before the venue answered (no clock read).
    with pytest.raises(ccxt.RequestTimeout):
        client.create_order(XRP, "market", "buy", 10, None, {"clientOrderId": "slow-1"})
    orders = wait_for(lambda: emulator.state(key)["orders"])
    assert [(o["clientOrderId"], o["status"]) for o in orders] == [("slow-1", "FILLED")]


def test_drop_places_the_order_and_the_client_sees_a_network_error(
    emulator: Emulator, binance: ccxt.binanceusdm, ccxt_account: tuple[str, str]
) -> None:
    key = ccxt_account[0]
    emulator.fault("POST /fapi/v1/algoOrder", kind="drop", api_key=key)
    binance.create_order(XRP, "market", "buy", 10)
    with pytest.raises(ccxt.NetworkError):
        binance.create_order(XRP, "market", "sell", 10, None,
                             {"stopLossPrice": float(last_price(emulator) / 2),
                              "reduceOnly": True, "clientOrderId": "dropped-sl"})
    algos = emulator.state(key)["algo_orders"]
    assert [(a["clientAlgoId"], a["algoStatus"]) for a in algos] == [("dropped-sl", "NEW")]


def test_fault_matching_only_take_profit(
    emulator: Emulator, binance: ccxt.binanceusdm, ccxt_account: tuple[str, str]
) -> None:
    key = ccxt_account[0]
    armed = emulator.fault("POST /fapi/v1/algoOrder", kind="error", code=-1000, api_key=key,
                           match={"type": "TAKE_PROFIT_MARKET"})
    assert {"endpoint": "POST /fapi/v1/algoOrder", "kind": "error", "remaining": 1,
            "match": {"type": "TAKE_PROFIT_MARKET"}, "api_key": key} in armed["armed"]
    price = last_price(emulator)
    binance.create_order(XRP, "market", "buy", 10)
    stop = binance.create_order(XRP, "market", "sell", 10, None,
                                {"stopLossPrice": float(price / 2), "reduceOnly": True})
    assert stop["info"]["orderType"] == "STOP_MARKET"
    with pytest.raises(ccxt.OperationFailed, match="-1000"):
        binance.create_order(XRP, "market", "sell", 10, None,
                             {"takeProfitPrice": float(price * 2), "reduceOnly": True})
    take = binance.create_order(XRP, "market", "sell", 10, None,
                                {"takeProfitPrice": float(price * 2), "reduceOnly": True})
    assert take["info"]["orderType"] == "TAKE_PROFIT_MARKET"
    assert len(emulator.state(key)["algo_orders"]) == 2


def test_bad_fault_spec_is_refused(emulator: Emulator) -> None:
    response = requests.post(f"{emulator.url}/_emulator/fault",
                             json={"endpoint": "POST /fapi/v1/order", "kind": "explode"},
                             timeout=10)
    assert response.status_code == 400
    assert "'kind' must be one of" in response.text
