"""The emulator's user-data stream through ccxt pro's real ``watch_orders``: Binance's URL, the
CONNECT tunnel, a listen key, and the account's order and algo-order events as they happen."""

from __future__ import annotations

import asyncio
from typing import Any

import ccxt
import ccxt.pro
import pytest

from ft_bracket.core.legs import LegKind
from ft_bracket.venues.binance.gateway import LegGateway
from harness.ccxt_client import binance_client
from harness.emulator import Emulator

PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
WAIT_S = 60  # for each event: generous, a pushed event arrives in milliseconds


def _long(emulator: Emulator) -> tuple[tuple[str, str], ccxt.binanceusdm]:
    """A fresh account holding a long of 100 XRP at 1.2000, and its client."""
    account = emulator.new_account()
    client = binance_client(emulator, *account)
    emulator.set_price(SYMBOL, "1.2000")
    client.create_order(PAIR, "market", "buy", 100)
    return account, client


def test_watch_orders_sees_a_stop_rest_fire_and_fill(private_emulator: Emulator) -> None:
    account, binance = _long(private_emulator)
    seen = asyncio.run(_watch_a_stop_fire(private_emulator, account, LegGateway(binance)))
    stop = [o for o in seen if o["clientOrderId"] == "t-1-a-sl1"]
    assert [o["status"] for o in stop][:1] == ["open"]
    assert stop[-1]["info"].get("X") == "FINISHED"
    fills = [o for o in seen if o["info"].get("x") == "TRADE" and o["info"].get("ot") ==
             "STOP_MARKET"]
    assert fills and fills[-1]["filled"] == 100 and fills[-1]["status"] == "closed"
    assert fills[-1]["side"] == "sell" and fills[-1]["reduceOnly"] is True


def test_a_stop_that_fires_into_a_thin_book_shows_the_rest_expired(
    private_emulator: Emulator,
) -> None:
    """What a bot must act on at once: the stop's order filled in part, the rest expired (no
    liquidity), and the position's rest has no stop."""
    account, binance = _long(private_emulator)
    seen = asyncio.run(_watch_a_stop_fire(private_emulator, account, LegGateway(binance),
                                          book={"level_qty": "40", "levels": 1}))
    ended = [o for o in seen if o["info"].get("x") == "EXPIRED"]
    assert ended and ended[-1]["filled"] == 40 and ended[-1]["remaining"] == 60
    assert ended[-1]["clientOrderId"] == "t-1-a-sl1" and ended[-1]["status"] == "expired"
    assert binance.fetch_positions([PAIR])[0]["contracts"] == 60


def test_an_unknown_listen_key_is_refused(emulator: Emulator) -> None:
    answer = emulator.session.get(f"{emulator.url}/private/ws", params={"listenKey": "nope"},
                                  timeout=30)
    assert answer.status_code == 400 and answer.json()["code"] == -1125


async def _watch_a_stop_fire(emulator: Emulator, account: tuple[str, str],
                             gateway: LegGateway, book: dict[str, Any] | None = None
                             ) -> list[dict[str, Any]]:
    client = ccxt.pro.binanceusdm({
        "apiKey": account[0], "secret": account[1], "verify": False,
        "httpsProxy": emulator.proxy_url, "wssProxy": emulator.proxy_url,
    })
    seen: list[dict[str, Any]] = []
    watcher = asyncio.ensure_future(_watch(client, seen))
    try:
        await _until(lambda: any(getattr(c, "connected", None) and c.connected.done()
                                 for c in client.clients.values()), "connected")
        await asyncio.to_thread(gateway.place, PAIR, LegKind.STOP, "sell", 100, 1.1, "t-1-a-sl1")
        await _until(lambda: any(o["clientOrderId"] == "t-1-a-sl1" for o in seen), "the stop")
        if book is not None:
            await asyncio.to_thread(emulator.control, "POST", "book", symbol=SYMBOL, **book)
        await asyncio.to_thread(emulator.set_price, SYMBOL, "1.0900")
        await _until(lambda: any(o["info"].get("X") == "FINISHED" for o in seen), "the fire")
    finally:
        watcher.cancel()
        await client.close()
    return seen


async def _watch(client: Any, seen: list[dict[str, Any]]) -> None:
    """One watcher for the whole test, as a bot would run it: no update falls between calls."""
    await client.load_markets()
    while True:  # copies: ccxt updates the orders of its cache in place
        seen += [dict(o, info=dict(o["info"])) for o in await client.watch_orders(PAIR)]


async def _until(condition: Any, what: str) -> None:
    for _ in range(WAIT_S * 10):
        if condition():
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"the user-data stream never showed {what}")
