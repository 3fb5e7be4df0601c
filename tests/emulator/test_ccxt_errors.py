"""A real ccxt ``binanceusdm`` client against the emulator process, through the tunnel: which
exception class each Binance error reaches (order rules, margin, client ids, authentication, the
client's clock, the rate limit). Every test uses a fresh account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ccxt
import pytest
import requests

from harness.ccxt_client import binance_client
from harness.emulator import Emulator
from tests.emulator.ccxt_helpers import BTC, TRIGGER, XRP

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def raw_order(client: ccxt.binanceusdm, **params: str) -> Any:
    """Bypass ccxt's rounding to send exactly what the test wants the venue to judge."""
    return client.fapiPrivatePostOrder({"symbol": "XRPUSDT", "side": "BUY", "type": "MARKET",
                                        **params})


@pytest.mark.parametrize(
    ("place", "exception", "code"),
    [
        (lambda c: c.create_order(XRP, "market", "sell", 10, None, {"reduceOnly": True}),
         ccxt.InvalidOrder, -2022),
        (lambda c: c.create_order(XRP, "market", "buy", 1), ccxt.InvalidOrder, -4164),
        (lambda c: c.create_order(BTC, "market", "buy", 0.001), ccxt.InvalidOrder, -4164),
        (lambda c: raw_order(c, type="STOP_MARKET", quantity="10", stopPrice="0.5000"),
         ccxt.InvalidOrder, -4120),
        (lambda c: raw_order(c, quantity="10.05"), ccxt.BadRequest, -1111),
        (lambda c: raw_order(c, quantity="2000000.1"), ccxt.BadRequest, -4005),
        (lambda c: raw_order(c, type="LIMIT", quantity="10", price="0.50005",
                             timeInForce="GTC"), ccxt.BadRequest, -1111),
        (lambda c: raw_order(c, quantity="0"), ccxt.BadRequest, -4003),
        (lambda c: c.fetch_order("123", XRP), ccxt.OrderNotFound, -2013),
        (lambda c: c.cancel_order("123", XRP), ccxt.OrderNotFound, -2011),
        (lambda c: c.fetch_order("123", XRP, params=TRIGGER), ccxt.OrderNotFound, -2013),
    ],
    ids=["reduce-only", "notional-xrp", "notional-btc", "algo-type", "qty-precision",
         "market-lot-size", "price-precision", "qty-zero", "no-order", "cancel-unknown",
         "no-algo-order"],
)
def test_error_code_reaches_ccxt_exception_class(
    binance: ccxt.binanceusdm, place: Callable[[ccxt.binanceusdm], Any],
    exception: type[Exception], code: int,
) -> None:
    with pytest.raises(exception, match=f'"code":{code},'):
        place(binance)


def test_insufficient_margin_is_insufficient_funds(emulator: Emulator) -> None:
    key, secret = emulator.new_account(balance="1")
    client = binance_client(emulator, key, secret)
    with pytest.raises(ccxt.InsufficientFunds, match="Margin is insufficient"):
        client.create_order(XRP, "market", "buy", 100)
    assert emulator.state(key)["orders"] == []


def test_duplicate_client_order_id_is_invalid_order(binance: ccxt.binanceusdm) -> None:
    params = {"clientOrderId": "resting-entry-1"}
    first = binance.create_order(XRP, "limit", "buy", 20, 0.5, params)
    with pytest.raises(ccxt.InvalidOrder, match="-4116"):
        binance.create_order(XRP, "limit", "buy", 20, 0.5, params)
    binance.cancel_order(first["id"], XRP)
    assert binance.create_order(XRP, "limit", "buy", 20, 0.5, params)["status"] == "open"


def test_wrong_secret_is_an_authentication_error(
    emulator: Emulator, ccxt_account: tuple[str, str]
) -> None:
    # Markets load without signed calls so that the first signed call is the one judged.
    client = binance_client(emulator, ccxt_account[0], "not-the-secret",
                            options={"fetchCurrencies": False})
    with pytest.raises(ccxt.AuthenticationError, match='"code":-1022,'):
        client.fetch_balance()


def test_unknown_api_key_is_an_authentication_error(emulator: Emulator) -> None:
    client = binance_client(emulator, "no-such-key", "whatever",
                            options={"fetchCurrencies": False})
    with pytest.raises(ccxt.AuthenticationError, match='"code":-2015,'):
        client.fetch_balance()


@pytest.mark.parametrize(("skew_ms", "message"), [
    (-60_000, "outside of the recvWindow"),
    (5_000, "ahead of the server's time"),
])
def test_client_clock_off_is_invalid_nonce(
    emulator: Emulator, ccxt_account: tuple[str, str], monkeypatch: pytest.MonkeyPatch,
    skew_ms: int, message: str,
) -> None:
    client = binance_client(emulator, *ccxt_account,
                            options={"adjustForTimeDifference": False})
    real = client.milliseconds
    monkeypatch.setattr(client, "milliseconds", lambda: real() + skew_ms)
    with pytest.raises(ccxt.InvalidNonce, match=message):
        client.fetch_balance()
    monkeypatch.setattr(client, "milliseconds", real)
    assert client.fetch_balance()["USDT"]["total"] == 10_000


def test_rate_limit_answers_429(private_emulator: Emulator) -> None:
    key, secret = private_emulator.new_account()
    client = binance_client(private_emulator, key, secret)
    assert private_emulator.control("POST", "config", weight_limit=6)["weight_limit"] == 6
    try:
        # ccxt's Binance maps HTTP 418/429 to DDoSProtection before reading the code.
        with pytest.raises(ccxt.DDoSProtection, match=r'429 .*"code":-1003'):
            for _ in range(3):  # account is weight 5: the second call in a minute is over
                client.fetch_balance()
        public = requests.get(f"{private_emulator.url}/fapi/v1/depth",
                              params={"symbol": "XRPUSDT", "limit": 1000}, timeout=10)
        assert public.status_code == 429
        assert public.json()["code"] == -1003
    finally:
        private_emulator.control("POST", "config", weight_limit=2400)
    assert client.fetch_balance()["USDT"]["total"] == 10_000
