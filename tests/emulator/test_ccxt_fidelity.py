"""A real ccxt ``binanceusdm`` client against the emulator process: what ccxt sends, what it parses
and which exception class each Binance error reaches. Every test uses a fresh account.

Tests that move prices use this module's own emulator (a price is global per symbol), so they do
not disturb other tests sharing the session emulator; faults are always scoped to one API key.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import ccxt
import pytest
import requests

from harness.ccxt_client import binance_client
from harness.emulator import DEFAULT_KEY, DEFAULT_SECRET, Emulator, start_emulator

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

XRP = "XRP/USDT:USDT"
BTC = "BTC/USDT:USDT"
TRIGGER = {"trigger": True}


@pytest.fixture(scope="module")
def moving_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """This module's own emulator, for tests that set prices."""
    running = start_emulator(tmp_path_factory.mktemp("moving-emulator"))
    yield running
    running.stop()


@pytest.fixture
def mover(moving_emulator: Emulator) -> tuple[ccxt.binanceusdm, str]:
    """A client on a fresh account of the moving emulator, with XRP held at 1.0000."""
    key, secret = moving_emulator.new_account()
    moving_emulator.set_price("XRPUSDT", "1.0000")
    return binance_client(moving_emulator, key, secret), key


def last_price(emulator: Emulator, symbol: str = "XRPUSDT") -> Decimal:
    return Decimal(emulator.control("GET", "state")["prices"][symbol]["last"])


def request_count(emulator: Emulator, endpoint: str) -> int:
    return emulator.control("GET", "requests").get(endpoint, 0)


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("condition not met within timeout")


# Markets, balance, settings ----------------------------------------------------------------


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


# Conditional orders through ccxt's algo path -----------------------------------------------


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


# Each error code reaches the right ccxt class (tunnel) --------------------------------------


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


# URL-override mode -----------------------------------------------------------------------


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


# Fault injection -------------------------------------------------------------------------


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


# Control API -----------------------------------------------------------------------------


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


# Tunnel ----------------------------------------------------------------------------------


def tunnel_answer(emulator: Emulator, request_line: str) -> str:
    with socket.create_connection(("127.0.0.1", emulator.proxy_port), timeout=10) as sock:
        sock.sendall(f"{request_line}\r\nHost: x\r\n\r\n".encode())
        return sock.recv(4096).decode("latin-1")


@pytest.mark.parametrize("target", ["example.com:443", "127.0.0.1:443", "binance.com.evil:443"])
def test_tunnel_refuses_non_binance_hosts(emulator: Emulator, target: str) -> None:
    answer = tunnel_answer(emulator, f"CONNECT {target} HTTP/1.1")
    assert answer.startswith("HTTP/1.1 403 Forbidden")


def test_tunnel_accepts_binance_and_refuses_plain_proxying(emulator: Emulator) -> None:
    assert tunnel_answer(emulator, "CONNECT fapi.binance.com:443 HTTP/1.1").startswith(
        "HTTP/1.1 200")
    assert tunnel_answer(emulator, "GET http://example.com/ HTTP/1.1").startswith(
        "HTTP/1.1 405")


def test_tunnel_serves_binance_paths_over_tls(emulator: Emulator) -> None:
    session = requests.Session()
    session.proxies = {"https": emulator.proxy_url}
    before = int(time.time() * 1000)
    response = session.get("https://fapi.binance.com/fapi/v1/time", verify=False, timeout=10)
    after = int(time.time() * 1000) + 1
    assert before <= response.json()["serverTime"] <= after
