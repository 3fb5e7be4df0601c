"""A real ccxt ``binanceusdm`` client pointed at the emulator by URL override instead of the
tunnel: it trades and places algo orders, and it loses ccxt's futures error map."""

from __future__ import annotations

import ccxt
import pytest

from harness.ccxt_client import binance_client
from harness.emulator import Emulator
from tests.emulator.ccxt_helpers import TRIGGER, XRP, last_price

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def test_url_override_mode_trades_and_places_algo_orders(private_emulator: Emulator) -> None:
    # A private venue: its request counts are this client's alone (the session's emulator
    # also serves clients that load every market type).
    emulator = private_emulator
    key, secret = emulator.new_account()
    client = binance_client(emulator, key, secret, via="url")
    assert client.urls["api"]["fapiPrivate"] == f"{emulator.url}/fapi/v1"
    assert client.market(XRP)["limits"]["cost"]["min"] == 5
    entry = client.create_order(XRP, "market", "buy", 10)
    assert entry["status"] == "closed"
    stop = client.create_order(XRP, "market", "sell", 10, None,
                               {"stopLossPrice": float(last_price(emulator) / 2),
                                "reduceOnly": True})
    assert client.fetch_order(stop["id"], XRP, params=TRIGGER)["info"]["algoStatus"] == "NEW"
    requests_seen = emulator.control("GET", "requests")
    assert "GET /api/v3/exchangeInfo" not in requests_seen


def test_url_override_mode_loses_the_futures_error_map(emulator: Emulator) -> None:
    key, secret = emulator.new_account()
    client = binance_client(emulator, key, secret, via="url")
    client.create_order(XRP, "market", "buy", 10)
    with pytest.raises(ccxt.ExchangeError, match="-2021") as caught:
        client.create_order(XRP, "market", "sell", 10, None,
                            {"stopLossPrice": float(last_price(emulator) * 2),
                             "reduceOnly": True})
    assert not isinstance(caught.value, ccxt.OrderImmediatelyFillable)
    # Codes mapped outside the futures table still resolve.
    with pytest.raises(ccxt.OrderNotFound):
        client.fetch_order("123", XRP)
