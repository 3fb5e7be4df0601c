"""A real ccxt ``binanceusdm`` client against the emulator process, through the tunnel: a trailing
stop placed with ccxt's ``trailingPercent`` / ``trailingTriggerPrice`` lands on the algo endpoint
and fires; Binance's errors for a bad or missing callback rate. Tests that move prices use this
module's own emulator."""

from __future__ import annotations

import ccxt
import pytest

from harness.ccxt_client import binance_client
from harness.emulator import Emulator
from tests.emulator.ccxt_helpers import TRIGGER, XRP

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def test_ccxt_places_a_trailing_stop_on_the_algo_endpoint_and_it_fires(
    moving_emulator: Emulator, mover: tuple[ccxt.binanceusdm, str]
) -> None:
    client, key = mover
    client.create_order(XRP, "market", "buy", 100)
    trail = client.create_order(XRP, "market", "sell", 100, None, {
        "trailingPercent": 1.5, "trailingTriggerPrice": 1.02, "reduceOnly": True})
    info = trail["info"]
    assert (info["orderType"], info["algoType"], info["algoStatus"]) == (
        "TRAILING_STOP_MARKET", "CONDITIONAL", "NEW")
    assert (info["callbackRate"], info["activatePrice"], info["triggerPrice"]) == (
        "1.50", "1.0200", "1.0047")
    assert trail["reduceOnly"] is True
    listed = client.fetch_open_orders(XRP, params=TRIGGER)
    assert [(o["id"], o["info"]["callbackRate"]) for o in listed] == [(trail["id"], "1.50")]

    for price in ("1.0100", "1.0500", "1.0400"):
        moving_emulator.set_price("XRPUSDT", price)
    fetched = client.fetch_order(trail["id"], XRP, params=TRIGGER)["info"]
    assert (fetched["algoStatus"], fetched["triggerPrice"]) == ("NEW", "1.0342")
    moving_emulator.set_price("XRPUSDT", "1.0342")  # 1.5 % under the high of 1.0500
    fetched = client.fetch_order(trail["id"], XRP, params=TRIGGER)["info"]
    assert fetched["algoStatus"] == "FINISHED"
    actual = client.fetch_order(fetched["actualOrderId"], XRP)
    assert (actual["status"], actual["filled"], actual["average"]) == ("closed", 100, 1.0342)
    assert (actual["info"]["origType"], actual["info"]["stopPrice"]) == (
        "TRAILING_STOP_MARKET", "1.0342")
    assert client.fetch_positions([XRP]) == []
    events = [r["event"] for r in moving_emulator.journal(key) if r["event"].startswith("algo")]
    assert events == ["algo_created", "algo_activated", "algo_triggered"]


def test_ccxt_gets_binance_errors_for_a_bad_or_missing_rate(emulator: Emulator) -> None:
    key, secret = emulator.new_account()
    client = binance_client(emulator, key, secret)
    client.create_order(XRP, "market", "buy", 100)
    with pytest.raises(ccxt.ExchangeError, match=r'-2007,"msg":"Invalid callBack rate\."'):
        client.create_order(XRP, "market", "sell", 100, None,
                            {"trailingPercent": 25, "reduceOnly": True})
    # ccxt itself refuses a trailing stop without a rate: ask the endpoint directly.
    with pytest.raises(ccxt.ExchangeError, match=r"-1102.*'callbackRate'"):
        client.fapiPrivatePostAlgoOrder({"algoType": "CONDITIONAL", "symbol": "XRPUSDT",
                                         "side": "SELL", "type": "TRAILING_STOP_MARKET",
                                         "quantity": "100", "reduceOnly": "true"})
    assert client.fetch_open_orders(XRP, params=TRIGGER) == []
