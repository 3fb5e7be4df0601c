"""The leg gateway against the emulator: placement, lookup, cancel, and lost answers resolved by
client id without ever placing twice."""

from __future__ import annotations

import threading
import time

import ccxt
import pytest

from ft_bracket.core.legs import LegKind
from ft_bracket.core.venue import VenueStatus
from ft_bracket.venues.binance.gateway import LegGateway
from harness.ccxt_client import binance_client
from harness.emulator import Emulator

PAIR = "XRP/USDT:USDT"
SYMBOL = "XRPUSDT"


def open_long(client: ccxt.binanceusdm, quantity: float = 100) -> float:
    """A long position of ``quantity``; returns the price to place legs around."""
    client.create_order(PAIR, "market", "buy", quantity)
    return float(client.fetch_ticker(PAIR)["last"])


def algo_orders(emulator: Emulator, api_key: str) -> list[dict]:
    return emulator.state(api_key)["algo_orders"]


@pytest.fixture
def gateway(binance: ccxt.binanceusdm) -> LegGateway:
    return LegGateway(binance, max_sends=3)


def test_places_reduce_only_legs_and_finds_them_by_client_id(
    binance: ccxt.binanceusdm, gateway: LegGateway, emulator: Emulator,
    ccxt_account: tuple[str, str],
) -> None:
    price = open_long(binance)
    stop = gateway.place(PAIR, LegKind.STOP, "sell", 100, round(price * 0.9, 4), "t-1-a-sl1")
    take_profit = gateway.place(PAIR, LegKind.TAKE_PROFIT, "sell", 100, round(price * 1.1, 4),
                                "t-1-a-tp1")
    assert stop.accepted and take_profit.accepted
    rows = {row["clientAlgoId"]: row for row in algo_orders(emulator, ccxt_account[0])}
    assert rows["t-1-a-sl1"]["orderType"] == "STOP_MARKET"
    assert rows["t-1-a-tp1"]["orderType"] == "TAKE_PROFIT_MARKET"
    assert all(row["reduceOnly"] and row["quantity"] == "100.0" for row in rows.values())
    found = gateway.find(PAIR, client_id="t-1-a-tp1")
    assert found is not None and found.order_id == take_profit.leg.order_id
    assert found.status is VenueStatus.RESTING
    assert set(gateway.snapshot().legs) == {"t-1-a-sl1", "t-1-a-tp1"}
    assert set(gateway.snapshot([PAIR], positions=False).legs) == {"t-1-a-sl1", "t-1-a-tp1"}
    assert gateway.snapshot(["BTC/USDT:USDT"]).legs == {}
    assert gateway.snapshot().positions == {PAIR: 100.0}
    assert gateway.find(PAIR, client_id="never-sent") is None


def test_a_dropped_answer_is_resolved_by_asking_not_by_placing_again(
    binance: ccxt.binanceusdm, gateway: LegGateway, emulator: Emulator,
    ccxt_account: tuple[str, str],
) -> None:
    price = open_long(binance)
    emulator.fault("POST /fapi/v1/algoOrder", kind="drop", api_key=ccxt_account[0])
    placement = gateway.place(PAIR, LegKind.TAKE_PROFIT, "sell", 100, round(price * 1.1, 4),
                              "t-2-a-tp1")
    assert placement.accepted
    state = emulator.state(ccxt_account[0])
    assert state["accepted_client_ids"].count("t-2-a-tp1") == 1
    assert len(state["algo_orders"]) == 1


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "http", "http_status": 503, "process": True},  # venue acted, client got 503
        {"kind": "http", "http_status": 502},  # venue did not act
        {"kind": "error", "code": -1007, "msg": "Timeout waiting for response from backend "
         "server. Send status unknown; execution status unknown.", "http_status": 408},
    ],
)
def test_ambiguous_failures_end_with_exactly_one_leg(
    binance: ccxt.binanceusdm, gateway: LegGateway, emulator: Emulator,
    ccxt_account: tuple[str, str], fault: dict,
) -> None:
    price = open_long(binance)
    emulator.fault("POST /fapi/v1/algoOrder", api_key=ccxt_account[0], **fault)
    placement = gateway.place(PAIR, LegKind.STOP, "sell", 100, round(price * 0.9, 4), "t-3-a-sl1")
    assert placement.accepted
    state = emulator.state(ccxt_account[0])
    assert [row["algoStatus"] for row in state["algo_orders"]] == ["NEW"]
    assert state["accepted_client_ids"].count("t-3-a-sl1") == 1


def test_a_timeout_then_late_arrival_never_leaves_two_legs(
    emulator: Emulator, ccxt_account: tuple[str, str],
) -> None:
    """The first send is held past the client's timeout and lands after the retry: the venue's
    duplicate-id rule keeps one leg, and the gateway adopts it."""
    client = binance_client(emulator, *ccxt_account, timeout=1500)
    price = open_long(client)
    emulator.fault("POST /fapi/v1/algoOrder", kind="delay", seconds=2.5, api_key=ccxt_account[0])
    placement = LegGateway(client, max_sends=4).place(
        PAIR, LegKind.TAKE_PROFIT, "sell", 100, round(price * 1.1, 4), "t-4-a-tp1"
    )
    assert placement.accepted
    time.sleep(2.0)  # let the held first send arrive
    rows = [r for r in algo_orders(emulator, ccxt_account[0]) if r["algoStatus"] == "NEW"]
    assert [r["clientAlgoId"] for r in rows] == ["t-4-a-tp1"]


def test_a_stop_and_a_close_at_market_never_wait_for_ccxts_rate_limit(
    emulator: Emulator, ccxt_account: tuple[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ccxt's client-side limit makes each call wait rateLimit × cost since the previous one:
    a stop sent again after a refusal would wait it out with the position bare. Stops (with
    their lookups) and closes at market skip it; the take-profit and the rest still wait."""
    client = binance_client(emulator, *ccxt_account, enableRateLimit=True)
    price = open_long(client)
    gateway = LegGateway(client)
    waits: list[str] = []
    monkeypatch.setattr(client, "throttle", lambda cost=None: waits.append("waited"))
    emulator.fault("POST /fapi/v1/algoOrder", kind="error", code=-2022,
                   msg="ReduceOnly Order is rejected.", api_key=ccxt_account[0])
    refused = gateway.place(PAIR, LegKind.STOP, "sell", 100, round(price * 0.9, 4), "t-9-a-sl1")
    emulator.fault("POST /fapi/v1/algoOrder", kind="drop", api_key=ccxt_account[0])
    stop = gateway.place(PAIR, LegKind.STOP, "sell", 100, round(price * 0.9, 4), "t-9-a-sl2")
    closed = gateway.close_at_market(PAIR, "sell", 10, "t-9-a-x1")
    assert refused.refusal is not None and stop.accepted  # the drop was asked about, unthrottled
    assert closed is not None and closed.filled == 10
    assert waits == []
    take_profit = gateway.place(PAIR, LegKind.TAKE_PROFIT, "sell", 90, round(price * 1.1, 4),
                                "t-9-a-tp1")
    assert take_profit.accepted and waits == ["waited"]
    assert emulator.state(ccxt_account[0])["accepted_client_ids"].count("t-9-a-sl2") == 1


def test_rejections_are_reported_not_retried(
    binance: ccxt.binanceusdm, gateway: LegGateway, emulator: Emulator,
    ccxt_account: tuple[str, str],
) -> None:
    price = open_long(binance)
    crossed = gateway.place(PAIR, LegKind.STOP, "sell", 100, round(price * 1.05, 4), "t-5-a-sl1")
    assert not crossed.accepted and crossed.would_trigger
    no_position = gateway.place(PAIR, LegKind.TAKE_PROFIT, "buy", 100, round(price * 0.9, 4),
                                "t-5-a-tp1")
    assert not no_position.accepted and not no_position.would_trigger
    with pytest.raises(ValueError, match="Binance"):
        gateway.place(PAIR, LegKind.STOP, "sell", 100, round(price * 0.9, 4), "bad id")
    assert "-2022" in (no_position.error or "")
    assert algo_orders(emulator, ccxt_account[0]) == []


def test_cancel_reports_the_final_state(
    binance: ccxt.binanceusdm, gateway: LegGateway,
) -> None:
    price = open_long(binance)
    placement = gateway.place(PAIR, LegKind.TAKE_PROFIT, "sell", 100, round(price * 1.1, 4),
                              "t-6-a-tp1")
    assert placement.leg is not None
    cancelled = gateway.cancel(PAIR, placement.leg.order_id)
    assert cancelled is not None and cancelled.status is VenueStatus.CANCELLED
    again = gateway.cancel(PAIR, placement.leg.order_id)  # idempotent
    assert again is not None and again.status is VenueStatus.CANCELLED
    assert gateway.snapshot().legs == {}


def test_a_triggered_leg_reports_the_order_it_became(
    private_emulator: Emulator,
) -> None:
    key, secret = private_emulator.new_account()
    client = binance_client(private_emulator, key, secret)
    private_emulator.set_price(SYMBOL, "1.2000")
    client.create_order(PAIR, "market", "buy", 100)
    gateway = LegGateway(client)
    placement = gateway.place(PAIR, LegKind.TAKE_PROFIT, "sell", 100, 1.25, "t-7-a-tp1")
    assert placement.accepted
    private_emulator.set_price(SYMBOL, "1.2600")
    assert gateway.snapshot().legs == {}
    fired = gateway.find(PAIR, client_id="t-7-a-tp1")
    assert fired is not None and fired.status is VenueStatus.FINISHED
    assert fired.fill_order_id is not None
    fill = gateway.fill(PAIR, fired.fill_order_id)
    assert (fill.final, fill.filled, fill.average) == (True, 100, 1.26)


def test_a_hung_request_never_reaches_the_venue(
    emulator: Emulator, ccxt_account: tuple[str, str],
) -> None:
    client = binance_client(emulator, *ccxt_account, timeout=1000)
    price = open_long(client)
    emulator.fault("POST /fapi/v1/algoOrder", kind="hang", seconds=1.5, api_key=ccxt_account[0])
    with pytest.raises(ccxt.NetworkError):
        client.create_order(PAIR, "market", "sell", 100, None,
                            {"takeProfitPrice": round(price * 1.1, 4), "reduceOnly": True,
                             "clientAlgoId": "t-8-a-tp1"})
    time.sleep(1.0)
    assert algo_orders(emulator, ccxt_account[0]) == []


@pytest.mark.parametrize("held", ["GET /fapi/v3/positionRisk", "GET /fapi/v1/openAlgoOrders"])
def test_a_leg_that_fires_during_a_snapshot_never_rests_beside_the_position_it_reduced(
    private_emulator: Emulator, held: str,
) -> None:
    """The legs and the positions are two reads; a take-profit fires between them. The snapshot
    may be a moment old, but never shows the leg resting beside the smaller position its fill
    left: the policy would take that for a position that changed under resting legs and resize
    them."""
    key, secret = private_emulator.new_account()
    client = binance_client(private_emulator, key, secret)
    private_emulator.set_price(SYMBOL, "1.2000")
    client.create_order(PAIR, "market", "buy", 100)
    gateway = LegGateway(client)
    assert gateway.place(PAIR, LegKind.TAKE_PROFIT, "sell", 100, 1.25, "t-9-a-tp1").accepted
    private_emulator.fault(held, kind="delay", seconds=3.0, api_key=key)
    seen: list = []
    reader = threading.Thread(target=lambda: seen.append(gateway.snapshot()))
    reader.start()
    def is_held() -> bool:
        return any(row["event"] == "request_held" for row in private_emulator.journal(key))

    while reader.is_alive() and not is_held():  # the read ends only after its hold
        time.sleep(0.05)
    assert is_held(), f"{held} was never held"
    private_emulator.set_price(SYMBOL, "1.2600")  # fires while the read is held
    reader.join()
    [snapshot] = seen
    assert [row["algoStatus"] for row in private_emulator.state(key)["algo_orders"]] == [
        "FINISHED"]
    assert "t-9-a-tp1" not in snapshot.legs or snapshot.positions == {PAIR: 100.0}
