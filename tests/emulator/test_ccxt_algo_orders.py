"""A real ccxt ``binanceusdm`` client against the emulator process: stop-loss and take-profit go
through ccxt's algo path (place, list, fetch, cancel, trigger), and a crossed stop is refused.
Tests that move prices use this module's own emulator."""

from __future__ import annotations

from decimal import Decimal

import ccxt
import pytest

from harness.emulator import Emulator
from tests.emulator.ccxt_helpers import TRIGGER, XRP, last_price

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def request_count(emulator: Emulator, endpoint: str) -> int:
    return emulator.control("GET", "requests").get(endpoint, 0)



def test_stop_loss_and_take_profit_go_to_the_algo_endpoint(
    moving_emulator: Emulator, mover: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = mover
    posts_before = request_count(moving_emulator, "POST /fapi/v1/algoOrder")
    client.create_order(XRP, "market", "buy", 100)
    stop = client.create_order(XRP, "market", "sell", 100, None,
                               {"stopLossPrice": 0.9, "reduceOnly": True})
    take = client.create_order(XRP, "market", "sell", 100, None,
                               {"takeProfitPrice": 1.2, "reduceOnly": True})
    by_trigger = client.create_order(XRP, "STOP_MARKET", "sell", 100, None,
                                     {"triggerPrice": 0.95, "reduceOnly": True,
                                      "workingType": "MARK_PRICE"})
    assert request_count(moving_emulator, "POST /fapi/v1/algoOrder") == posts_before + 3
    assert [o["info"]["orderType"] for o in (stop, take, by_trigger)] == [
        "STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP_MARKET"]
    assert [o["triggerPrice"] for o in (stop, take, by_trigger)] == [0.9, 1.2, 0.95]
    assert all(o["reduceOnly"] and o["status"] == "open" for o in (stop, take, by_trigger))
    assert by_trigger["info"]["workingType"] == "MARK_PRICE"

    open_before = request_count(moving_emulator, "GET /fapi/v1/openAlgoOrders")
    listed = client.fetch_open_orders(XRP, params=TRIGGER)
    assert request_count(moving_emulator, "GET /fapi/v1/openAlgoOrders") == open_before + 1
    assert sorted(o["id"] for o in listed) == sorted(o["id"] for o in (stop, take, by_trigger))

    fetched = client.fetch_order(stop["id"], XRP, params=TRIGGER)
    assert (fetched["status"], fetched["info"]["algoStatus"], fetched["info"]["actualOrderId"]) \
        == ("open", "NEW", "")
    # Without the trigger flag ccxt asks /fapi/v1/order, which knows no such id.
    with pytest.raises(ccxt.OrderNotFound):
        client.fetch_order(stop["id"], XRP)

    cancelled = client.cancel_order(take["id"], XRP, params=TRIGGER)
    assert cancelled["id"] == take["id"]
    assert client.fetch_order(take["id"], XRP, params=TRIGGER)["info"]["algoStatus"] == "CANCELED"
    with pytest.raises(ccxt.OrderNotFound):
        client.cancel_order(take["id"], XRP, params=TRIGGER)

    deletes_before = request_count(moving_emulator, "DELETE /fapi/v1/algoOpenOrders")
    client.cancel_all_orders(XRP, params=TRIGGER)
    assert request_count(moving_emulator, "DELETE /fapi/v1/algoOpenOrders") == deletes_before + 1
    assert client.fetch_open_orders(XRP, params=TRIGGER) == []
    assert client.fetch_positions([XRP])[0]["contracts"] == 100


def test_triggered_stop_shows_actual_order_filled_at_its_average(
    moving_emulator: Emulator, mover: tuple[ccxt.binanceusdm, str]
) -> None:
    client, key = mover
    entry = client.create_order(XRP, "market", "buy", 100)
    assert entry["average"] == 1.0001
    stop = client.create_order(XRP, "market", "sell", 100, None,
                               {"stopLossPrice": 0.9, "reduceOnly": True})
    take = client.create_order(XRP, "market", "sell", 100, None,
                               {"takeProfitPrice": 1.2, "reduceOnly": True})
    moving_emulator.set_price("XRPUSDT", "0.8500")

    algo = client.fetch_order(stop["id"], XRP, params=TRIGGER)
    assert algo["info"]["algoStatus"] == "FINISHED"
    actual_id = algo["info"]["actualOrderId"]
    assert actual_id.isdigit()
    assert algo["info"]["actualPrice"] == "0.8500"
    actual = client.fetch_order(actual_id, XRP)
    assert (actual["status"], actual["type"], actual["side"]) == ("closed", "market", "sell")
    assert (actual["filled"], actual["average"]) == (100, 0.85)
    assert actual["info"]["status"] == "FILLED"
    assert Decimal(actual["info"]["avgPrice"]) == Decimal("0.85")
    assert actual["info"]["origType"] == "STOP_MARKET"
    assert actual["info"]["stopPrice"] == "0.9000"
    assert actual["reduceOnly"] is True
    assert client.fetch_positions([XRP]) == []
    # The take-profit leg is still resting: the venue does not cancel it.
    assert [o["id"] for o in client.fetch_open_orders(XRP, params=TRIGGER)] == [take["id"]]
    trades = client.fetch_my_trades(XRP)
    assert [t["order"] for t in trades] == [entry["id"], actual_id]
    assert trades[1]["info"]["realizedPnl"] == "-15.01000000"
    assert moving_emulator.state(key)["accepted_client_ids"] == [
        entry["clientOrderId"], stop["clientOrderId"], take["clientOrderId"]]


def test_would_immediately_trigger_on_a_crossed_stop(
    emulator: Emulator, binance: ccxt.binanceusdm
) -> None:
    binance.create_order(XRP, "market", "buy", 10)
    above = float(last_price(emulator) * 2)
    with pytest.raises(ccxt.OrderImmediatelyFillable, match="-2021"):
        binance.create_order(XRP, "market", "sell", 10, None,
                             {"stopLossPrice": above, "reduceOnly": True})
