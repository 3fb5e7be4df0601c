"""Through the real ccxt client: liquidation, funding, mark price, thin books, Binance's rules,
the endpoints ccxt may call, request weights, order-count limits and response shapes.

Tests that move prices or change switches use this module's own emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import ccxt
import pytest
import requests

from harness.ccxt_client import binance_client
from harness.emulator import Emulator, start_emulator

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

XRP = "XRP/USDT:USDT"
BTC = "BTC/USDT:USDT"
D = Decimal


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    running = start_emulator(tmp_path_factory.mktemp("bite-emulator"))
    yield running
    running.stop()


@pytest.fixture
def trader(venue: Emulator) -> tuple[ccxt.binanceusdm, str]:
    """A fresh account on the module's emulator, XRP held at 1.0000 with a deep book."""
    key, secret = venue.new_account()
    venue.control("POST", "book", symbol="XRPUSDT")
    venue.set_price("XRPUSDT", "1.0000")
    return binance_client(venue, key, secret), key


def journal(venue: Emulator, key: str, since: int = 0) -> list[dict]:
    response = venue.session.get(f"{venue.url}/_emulator/journal",
                                 params={"api_key": key, "since_id": since}, timeout=10)
    response.raise_for_status()
    return response.json()["rows"]


# Liquidation ---------------------------------------------------------------------------------


def test_isolated_long_past_its_liquidation_price_is_liquidated_and_listed(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, key = trader
    client.set_margin_mode("isolated", XRP)
    client.set_leverage(20, XRP)
    client.create_order(XRP, "market", "buy", 1000)
    [position] = client.fetch_positions([XRP])
    liquidation = D(str(position["liquidationPrice"]))
    assert D("0.95") < liquidation < D("0.96")
    stop = client.create_order(XRP, "market", "sell", 1000, None,
                               {"stopLossPrice": 0.9, "reduceOnly": True})
    venue.set_price("XRPUSDT", str((liquidation * D("0.75")).quantize(D("0.0001"))))

    assert client.fetch_positions([XRP]) == []
    [forced] = client.fapiPrivateGetForceOrders({"symbol": "XRPUSDT"})
    assert forced["clientOrderId"].startswith("autoclose-")
    assert (forced["type"], forced["timeInForce"], forced["status"], forced["side"]) == (
        "LIMIT", "IOC", "FILLED", "SELL")
    assert client.fapiPrivateGetForceOrders({"autoCloseType": "ADL"}) == []
    assert client.fetch_order(forced["orderId"], XRP)["status"] == "closed"
    # The stop lay beyond the liquidation price; by default liquidation cancels it.
    assert client.fetch_order(stop["id"], XRP, params={"trigger": True})["info"][
        "algoStatus"] == "CANCELED"
    cleared = client.fapiPrivateGetIncome({"incomeType": "INSURANCE_CLEAR"})
    assert [row["symbol"] for row in cleared] == ["XRPUSDT"]
    state = venue.state(key)
    assert state["force_orders"][0]["orderId"] == forced["orderId"]
    assert "liquidation" in [r["event"] for r in journal(venue, key)]
    # The account lost the position's margin, not more.
    assert client.fetch_balance()["USDT"]["total"] == pytest.approx(10_000 - 50.005 - 0.50005)


def test_liquidation_switch_leaves_algo_orders_when_plain(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = trader
    assert venue.control("POST", "config", liquidation_cancels="plain")[
        "liquidation_cancels"] == "plain"
    try:
        client.set_margin_mode("isolated", XRP)
        client.set_leverage(20, XRP)
        client.create_order(XRP, "market", "buy", 1000)
        take = client.create_order(XRP, "market", "sell", 1000, None,
                                   {"takeProfitPrice": 1.2, "reduceOnly": True})
        venue.set_price("XRPUSDT", "0.9000")
        assert client.fetch_positions([XRP]) == []
        assert [o["id"] for o in client.fetch_open_orders(XRP, params={"trigger": True})] == [
            take["id"]]
    finally:
        venue.control("POST", "config", liquidation_cancels="all")


# Funding and mark ----------------------------------------------------------------------------


def test_funding_now_charges_positions_and_shows_in_funding_history(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, key = trader
    client.create_order(XRP, "market", "buy", 1000)
    answer = venue.control("POST", "funding", symbol="XRPUSDT", rate="0.001")
    assert answer["charged"][key] == {"XRPUSDT": "-1.00000000"}
    history = client.fetch_funding_history(XRP)
    assert [(h["symbol"], h["amount"]) for h in history] == [(XRP, -1.0)]


def test_mark_set_apart_from_last_shows_everywhere_the_mark_is_used(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = trader
    client.create_order(XRP, "market", "buy", 100)
    prices = venue.control("POST", "price", symbol="XRPUSDT", price="1.0000", mark="1.0100")
    assert prices["prices"]["XRPUSDT"] == {"last": "1.0000", "mark": "1.0100", "manual": True}
    assert client.fetch_funding_rate(XRP)["markPrice"] == 1.01
    assert client.fetch_ticker(XRP)["last"] == 1.0
    assert client.fetch_mark_ohlcv(XRP, "1m", limit=1)[-1][4] == 1.01
    [position] = client.fetch_positions([XRP])
    assert position["markPrice"] == 1.01
    assert position["unrealizedPnl"] == pytest.approx((1.01 - 1.0001) * 100)


def test_mark_price_stop_fires_on_mark_while_last_stays(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = trader
    client.create_order(XRP, "market", "buy", 100)
    by_mark = client.create_order(XRP, "market", "sell", 100, None,
                                  {"stopLossPrice": 0.97, "reduceOnly": True,
                                   "workingType": "MARK_PRICE"})
    by_last = client.create_order(XRP, "market", "sell", 100, None,
                                  {"stopLossPrice": 0.98, "reduceOnly": True})
    venue.control("POST", "price", symbol="XRPUSDT", price="1.0000", mark="0.9650")
    algo = {o["id"]: o["info"]["algoStatus"]
            for o in (client.fetch_order(x["id"], XRP, params={"trigger": True})
                      for x in (by_mark, by_last))}
    assert algo == {by_mark["id"]: "FINISHED", by_last["id"]: "NEW"}


# Thin book -----------------------------------------------------------------------------------


def test_thin_book_is_shown_by_depth_and_walked_by_a_market_order(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = trader
    shape = venue.control("POST", "book", symbol="XRPUSDT", levels=3, level_qty="100")
    assert shape["book"] == {"levels": 3, "level_qty": "100", "level_notional": None,
                             "gap_ticks": 1}
    book = client.fetch_order_book(XRP, limit=5)
    assert book["asks"] == [[1.0001, 100.0], [1.0002, 100.0], [1.0003, 100.0]]
    order = client.create_order(XRP, "market", "buy", 250)
    assert (order["status"], order["filled"]) == ("closed", 250)
    assert order["average"] == pytest.approx(1.00018)
    assert client.fetch_order_book(XRP, limit=5)["asks"] == [[1.0003, 50.0]]
    partial = client.create_order(XRP, "limit", "buy", 100, 1.0003, {"timeInForce": "IOC"})
    assert (partial["status"], partial["filled"]) == ("expired", 50)
    venue.control("POST", "book", symbol="XRPUSDT")
    assert len(client.fetch_order_book(XRP, limit=5)["asks"]) == 5


# Rules and codes -----------------------------------------------------------------------------


def test_rules_reach_ccxt_with_binance_codes(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = trader
    with pytest.raises(ccxt.BadRequest, match=r"-4016.*can't be higher than 1\.0500"):
        client.create_order(XRP, "limit", "buy", 10, 2.0)
    with pytest.raises(ccxt.OrderNotFillable, match="-5022"):
        client.create_order(XRP, "limit", "buy", 10, 1.0001, {"timeInForce": "GTX"})
    with pytest.raises(ccxt.OperationRejected, match="-4061"):
        client.create_order(XRP, "market", "buy", 10, None, {"positionSide": "LONG"})
    with pytest.raises(ccxt.BadRequest, match=r"-1102.*timeInForce"):
        client.fapiPrivatePostOrder({"symbol": "XRPUSDT", "side": "BUY", "type": "LIMIT",
                                     "quantity": "10", "price": "0.9"})
    # BTCUSDT takes two decimals (pricePrecision 2) but moves in ticks of 0.10.
    with pytest.raises(ccxt.BadRequest, match="-4014"):
        client.fapiPrivatePostOrder({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                                     "quantity": "0.01", "price": "50000.05",
                                     "timeInForce": "GTC"})
    resting = client.create_order(XRP, "limit", "buy", 10, 0.9)
    with pytest.raises(ccxt.OrderNotFound):
        client.fetch_order(resting["id"], BTC)


# Endpoints -----------------------------------------------------------------------------------


def test_endpoints_ccxt_may_call_answer_as_binance_does(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = trader
    config = client.fapiPrivateGetSymbolConfig({"symbol": "XRPUSDT"})
    assert config == [{"symbol": "XRPUSDT", "marginType": "CROSSED", "isAutoAddMargin": False,
                       "leverage": 20, "maxNotionalValue": "2000000"}]
    batch = client.create_orders([
        {"symbol": XRP, "type": "limit", "side": "buy", "amount": 10, "price": 0.9},
        {"symbol": XRP, "type": "limit", "side": "buy", "amount": 10, "price": 0.91},
    ])
    assert [o["status"] for o in batch] == ["open", "open"]
    open_one = client.fetch_open_order(batch[0]["id"], XRP)
    assert open_one["price"] == 0.9
    edited = client.edit_order(batch[0]["id"], XRP, "limit", "buy", 20, 0.92)
    assert (edited["amount"], edited["price"]) == (20, 0.92)
    cancelled = client.cancel_orders([batch[0]["id"], batch[1]["id"]], XRP)
    assert [o["status"] for o in cancelled] == ["canceled", "canceled"]
    with pytest.raises(ccxt.OrderNotFound):
        client.fetch_open_order(batch[0]["id"], XRP)
    client.set_margin_mode("isolated", BTC)
    client.create_order(BTC, "market", "buy", 0.01)
    assert client.add_margin(BTC, 10)["info"]["msg"] == "Successfully modify position margin."
    assert client.reduce_margin(BTC, 5)["type"] == "reduce"
    assert len(client.fapiPrivateGetPositionMarginHistory({"symbol": "BTCUSDT"})) == 2
    key = client.fapiPrivatePostListenKey()["listenKey"]
    assert client.fapiPrivatePutListenKey({"listenKey": key}) == {}
    assert client.fapiPrivateDeleteListenKey({"listenKey": key}) == {}


def test_unknown_path_answers_binance_404_page(venue: Emulator) -> None:
    response = requests.get(f"{venue.url}/fapi/v1/noSuchEndpoint", timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "binance.com/en/error" in response.text


# Weights, order limits, shapes ---------------------------------------------------------------


def test_symbol_less_open_order_queries_cost_40_and_every_answer_shows_the_weight(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = trader
    client.fapiPrivateGetOpenOrders({"symbol": "XRPUSDT"})
    before = int(client.last_response_headers["X-MBX-USED-WEIGHT-1M"])
    client.fapiPrivateGetOpenAlgoOrders()
    after = int(client.last_response_headers["X-MBX-USED-WEIGHT-1M"])
    assert after - before == 40 or after == 40  # (or a new minute began in between)
    with pytest.raises(ccxt.OrderNotFound):
        client.fetch_order("123", XRP)
    assert int(client.last_response_headers["X-MBX-USED-WEIGHT-1M"]) >= 1


def test_order_count_limit_answers_1015(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = trader
    venue.control("POST", "config", order_limit_10s=2)
    try:
        outcomes = []
        for _ in range(5):  # one window boundary at most lets four through
            try:
                client.create_order(XRP, "market", "buy", 10)
                outcomes.append(client.last_response_headers["X-MBX-ORDER-COUNT-10S"])
            except ccxt.DDoSProtection as error:
                assert '"code":-1015' in str(error)
                assert "orders per 10 SECOND" in str(error)
                outcomes.append("refused")
        assert "refused" in outcomes
    finally:
        venue.control("POST", "config", order_limit_10s=300)


def test_new_order_answers_ack_unless_result_is_asked(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = trader
    ack = client.fapiPrivatePostOrder({"symbol": "XRPUSDT", "side": "BUY", "type": "MARKET",
                                       "quantity": "10"})
    assert (ack["status"], ack["executedQty"]) == ("NEW", "0.0")
    assert client.fetch_order(ack["orderId"], XRP)["status"] == "closed"
    result = client.fapiPrivatePostOrder({"symbol": "XRPUSDT", "side": "BUY", "type": "MARKET",
                                          "quantity": "10", "newOrderRespType": "RESULT"})
    assert (result["status"], result["executedQty"]) == ("FILLED", "10.0")


def test_account_v2_lists_every_symbol_and_ccxt_reads_unrealized_pnl(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    client, _ = trader
    client.create_order(XRP, "market", "buy", 100)
    venue.set_price("XRPUSDT", "1.1000")
    positions = client.fapiPrivateV2GetAccount()["positions"]
    assert len(positions) == len(client.markets)
    [xrp] = [p for p in positions if p["symbol"] == "XRPUSDT"]
    assert D(xrp["unrealizedProfit"]) == (D("1.1") - D("1.0001")) * 100
    [parsed] = client.fetch_account_positions([XRP])
    assert parsed["unrealizedPnl"] == pytest.approx(9.99)


# The venue's record of calls -------------------------------------------------------------------


def test_the_journal_records_signed_calls_only_when_switched_on(
    venue: Emulator, trader: tuple[ccxt.binanceusdm, str]
) -> None:
    """What a client sent, in order, with the client id it named: a damage audit reads from it
    whether a resend was the next call after a refusal."""
    client, key = trader
    client.create_order(XRP, "market", "buy", 10)
    since = journal(venue, key)[-1]["id"]
    assert venue.control("POST", "config", journal_requests=True)["journal_requests"] is True
    try:
        client.create_order(XRP, "market", "sell", 10, None,
                            {"stopLossPrice": 0.9, "reduceOnly": True, "clientAlgoId": "ftb-r-sl1"})
        client.fetch_order(None, XRP, {"trigger": True, "clientAlgoId": "ftb-r-sl1"})
        client.fetch_positions([XRP])
        calls = [(r["endpoint"], r.get("client_id")) for r in journal(venue, key, since)
                 if r["event"] == "request"]
        assert calls[:2] == [("POST /fapi/v1/algoOrder", "ftb-r-sl1"),
                             ("GET /fapi/v1/algoOrder", "ftb-r-sl1")]
        assert ("GET /fapi/v3/positionRisk", None) in calls[2:]  # (after ccxt's own reads)
        placed = [r["event"] for r in journal(venue, key, since) if r["event"] != "price"]
        assert placed.index("request") < placed.index("algo_created")  # on arrival
    finally:
        venue.control("POST", "config", journal_requests=False)
    recorded = len([r for r in journal(venue, key, since) if r["event"] == "request"])
    client.fetch_positions([XRP])
    assert len([r for r in journal(venue, key, since) if r["event"] == "request"]) == recorded
